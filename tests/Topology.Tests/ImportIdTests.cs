using DatabricksAccess.Topology.Model;
using ImportId = DatabricksAccess.Topology.Planning.ResourceTraits.ImportId;

namespace DatabricksAccess.Topology.Tests;

/// <summary>
/// Each import id <c>adopt</c> writes is the id the provider's Read parses back into the same parts
/// (the id facts of docs/facts.md): an id in another shape fails the first <c>up</c>'s import.
/// </summary>
public class ImportIdTests
{
    [Fact]
    [Trait("fact", "grant-schema")]
    public void A_grant_id_is_securable_type_name_and_principal_that_SplitN_3_on_slash_reads_back()
    {
        // toSecurableId: "<securable>/<name>/<principal>"; parseSecurableId: SplitN(d.Id(), "/", 3) [fact: grant-schema].
        var id = ImportId.Grant(SecurableKind.Schema, "main.sales", "Data Engineers");
        Assert.Equal("schema/main.sales/Data Engineers", id);
        Assert.Equal(["schema", "main.sales", "Data Engineers"], id.Split('/', 3));
        Assert.Equal("metastore/11111111-2222-3333-4444-555555555555/a@contoso.com", ImportId.Grant(SecurableKind.Metastore, "11111111-2222-3333-4444-555555555555", "a@contoso.com"));
        Assert.Equal("external_location/landing/sp", ImportId.Grant(SecurableKind.ExternalLocation, "landing", "sp"));
    }

    [Fact]
    [Trait("fact", "secret-acl-put")]
    public void A_secret_acl_id_is_scope_and_principal_joined_by_three_pipes()
    {
        // NewPairSeparatedID("scope", "principal", "|||") [fact: secret-acl-put]; Unpack: SplitN(id, separator, 2)
        // [fact: tf-pair-id].
        var id = ImportId.SecretAcl("app-secrets", "Data Engineers");
        Assert.Equal("app-secrets|||Data Engineers", id);
        Assert.Equal(["app-secrets", "Data Engineers"], id.Split("|||", 2));
    }

    [Fact]
    [Trait("fact", "tf-pair-id")]
    public void A_group_member_and_a_workspace_assignment_are_pair_ids_joined_by_one_pipe()
    {
        // NewPairID, whose separator is "|" [fact: tf-pair-id] [fact: group-member-one-member] [fact: mws-assignment-put].
        Assert.Equal("g3|u6", ImportId.GroupMember("g3", "u6"));
        Assert.Equal("123|4567890123", ImportId.MwsPermissionAssignment("123", 4567890123));
    }

    [Fact]
    [Trait("fact", "entitlements-patch-replace")]
    public void Entitlements_ids_name_the_principal_kind_before_a_slash()
    {
        // getId: "group/" + group_id, "spn/" + service_principal_id; Read: SplitN(d.Id(), "/", 2) [fact: entitlements-patch-replace].
        Assert.Equal("group/g3", ImportId.GroupEntitlements("g3"));
        Assert.Equal("spn/s3", ImportId.ServicePrincipalEntitlements("s3"));
    }

    [Fact]
    [Trait("fact", "job-resource")]
    public void A_job_is_its_numeric_id_and_its_permissions_are_the_jobs_object_path()
    {
        // Create: d.SetId of the numeric job id [fact: job-resource]; the job_id mapping's request object type "jobs",
        // the resource id "/jobs/<id>" [fact: permissions-object-types] [fact: permissions-put-whole-acl].
        Assert.Equal("61", ImportId.Job(61));
        Assert.Equal("/jobs/61", ImportId.JobPermissions(61));
        Assert.Equal("app-secrets", ImportId.SecretScope("app-secrets"));
        Assert.Equal("g3", ImportId.Group("g3"));
        Assert.Equal("s3", ImportId.ServicePrincipal("s3"));
    }
}
