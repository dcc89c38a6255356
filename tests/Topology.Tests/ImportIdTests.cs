using DatabricksAccess.Topology.Model;
using ImportId = DatabricksAccess.Topology.Planning.ResourceTraits.ImportId;

namespace DatabricksAccess.Topology.Tests;

/// <summary>
/// Each import id <c>adopt</c> writes is the id the provider's Read parses back into the same parts
/// (terraform-provider-databricks v1.128.0): an id in another shape fails the first <c>up</c>'s import.
/// </summary>
public class ImportIdTests
{
    [Fact]
    public void A_grant_id_is_securable_type_name_and_principal_that_SplitN_3_on_slash_reads_back()
    {
        // catalog/resource_grant.go toSecurableId: "<permissions.Mappings.Id>/<principal>", Mappings.Id "<securable>/<name>"
        // (catalog/permissions/permissions.go SecurableMapping.Id); parseSecurableId: strings.SplitN(d.Id(), "/", 3).
        var id = ImportId.Grant(SecurableKind.Schema, "main.sales", "Data Engineers");
        Assert.Equal("schema/main.sales/Data Engineers", id);
        Assert.Equal(["schema", "main.sales", "Data Engineers"], id.Split('/', 3));
        Assert.Equal("metastore/11111111-2222-3333-4444-555555555555/a@contoso.com", ImportId.Grant(SecurableKind.Metastore, "11111111-2222-3333-4444-555555555555", "a@contoso.com"));
        Assert.Equal("external_location/landing/sp", ImportId.Grant(SecurableKind.ExternalLocation, "landing", "sp"));
    }

    [Fact]
    public void A_secret_acl_id_is_scope_and_principal_joined_by_three_pipes()
    {
        // secrets/resource_secret_acl.go ResourceSecretACL: common.NewPairSeparatedID("scope", "principal", "|||");
        // common/pair.go Unpack: strings.SplitN(id, separator, 2).
        var id = ImportId.SecretAcl("app-secrets", "Data Engineers");
        Assert.Equal("app-secrets|||Data Engineers", id);
        Assert.Equal(["app-secrets", "Data Engineers"], id.Split("|||", 2));
    }

    [Fact]
    public void A_group_member_and_a_workspace_assignment_are_pair_ids_joined_by_one_pipe()
    {
        // scim/resource_group_member.go and mws/resource_mws_permission_assignment.go: common.NewPairID, whose
        // separator is "|" (common/pair.go NewPairID).
        Assert.Equal("g3|u6", ImportId.GroupMember("g3", "u6"));
        Assert.Equal("123|4567890123", ImportId.MwsPermissionAssignment("123", 4567890123));
    }

    [Fact]
    public void Entitlements_ids_name_the_principal_kind_before_a_slash()
    {
        // scim/resource_entitlement.go getId: "group/" + group_id, "spn/" + service_principal_id; Read: SplitN(d.Id(), "/", 2).
        Assert.Equal("group/g3", ImportId.GroupEntitlements("g3"));
        Assert.Equal("spn/s3", ImportId.ServicePrincipalEntitlements("s3"));
    }

    [Fact]
    public void A_job_is_its_numeric_id_and_its_permissions_are_the_jobs_object_path()
    {
        // jobs/resource_job.go Create: d.SetId of the numeric job id; permissions/permission_definitions.go job_id
        // mapping: requestObjectType "jobs", the resource id "/jobs/<id>" (permissions/resource_permissions.go).
        Assert.Equal("61", ImportId.Job(61));
        Assert.Equal("/jobs/61", ImportId.JobPermissions(61));
        Assert.Equal("app-secrets", ImportId.SecretScope("app-secrets"));
        Assert.Equal("g3", ImportId.Group("g3"));
        Assert.Equal("s3", ImportId.ServicePrincipal("s3"));
    }
}
