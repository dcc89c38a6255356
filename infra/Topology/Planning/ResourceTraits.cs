namespace DatabricksAccess.Topology.Planning;

/// <summary>
/// What each resource type does to a live workspace, read from the provider implementations (terraform-provider-databricks,
/// which pulumi-databricks 1.106 wraps; pulumi-azure-native 3.28; pulumi-random 4.21). The one decision taken from
/// the type alone is delete-before-replace: it is needed wherever the provider derives the resource id from its
/// inputs, so that a replacement yields the same id and Pulumi's default create-then-delete would delete what the
/// create just wrote (pulumi/pulumi-databricks#642). docs/ownership.md has the same table.
/// </summary>
public static partial class ResourceTraits
{
    /// <param name="IdFromInputs">The id is derived from the inputs (names, principals), not handed out by the service.</param>
    /// <param name="Replaces">What forces a replacement.</param>
    /// <param name="Delete">What a delete does.</param>
    public sealed record Traits(bool IdFromInputs, string Replaces, string Delete);

    public static readonly IReadOnlyDictionary<string, Traits> ByType = new Dictionary<string, Traits>(StringComparer.Ordinal)
    {
        [PulumiTypes.DatabricksProvider] = new(false, "host or account id", "nothing remote"),
        [PulumiTypes.Group] = new(false, "nothing (display name updates in place)", "deletes the group"),
        // id "<group id>|<member id>"; both ids force a new resource [fact: group-member-one-member].
        [PulumiTypes.GroupMember] = new(true, "group_id, member_id", "removes that member only"),
        [PulumiTypes.ServicePrincipal] = new(false, "application_id", "deletes the service principal"),
        // id "group/<id>", "user/<id>", "spn/<id>"; create and update are a SCIM PATCH "replace" of the principal's
        // entitlements, delete a PATCH "remove" [fact: entitlements-patch-replace].
        [PulumiTypes.Entitlements] = new(true, "group_id, user_id, service_principal_id", "removes the principal's entitlements"),
        // id = scope name; every argument forces a new scope [fact: secret-scope].
        [PulumiTypes.SecretScope] = new(true, "name, backend, keyvault_metadata", "deletes the scope and every secret in it"),
        // id "<scope>|||<principal>" [fact: secret-acl-put].
        [PulumiTypes.SecretAcl] = new(true, "scope, principal, permission", "removes that principal's ACL"),
        // id "<scope>|||<key>"; string_value forces a new resource [fact: secret-put-overwrites]. Registered retained on
        // delete, so a replacement is a no-op delete and a PutSecret over the old value (ScopePlan.DatabricksSecret).
        [PulumiTypes.Secret] = new(true, "scope, key, string_value", "deletes the key"),
        // id "<securable type>/<name>": authoritative for every principal [fact: grants-securable-authoritative].
        [PulumiTypes.Grants] = new(true, "the securable", "revokes every grant on the securable"),
        // id "<securable type>/<name>/<principal>" [fact: grant-schema]: create and update make that principal's
        // privileges exactly the declared list, delete revokes all of them [fact: grant-principal-authoritative].
        [PulumiTypes.Grant] = new(true, "the securable, principal", "revokes that principal's privileges on the securable"),
        [PulumiTypes.Job] = new(false, "nothing", "deletes the job"),
        // id "/jobs/<id>", "/sql/warehouses/<id>" or "/authorization/tokens": the whole ACL of the object [fact: permissions-put-whole-acl].
        [PulumiTypes.Permissions] = new(true, "the object (job_id, sql_endpoint_id, authorization)", "resets the object's ACL to its owner and admins"),
        // id = token id, handed out per create [fact: obo-token-replace].
        [PulumiTypes.OboToken] = new(false, "application_id, lifetime_seconds, comment", "revokes that token"),
        // id = secret id, handed out per create [fact: sp-secret-replace].
        [PulumiTypes.ServicePrincipalSecret] = new(false, "service_principal_id, lifetime, time_rotating", "deletes that secret"),
        // id "<service principal id>|<role>": a SCIM PATCH "add" of the role; delete a PATCH "remove" of that role,
        // whoever gave it [fact: sp-role-patch].
        [PulumiTypes.ServicePrincipalRole] = new(true, "service_principal_id, role", "removes that role from the principal"),
        // id "_" for every instance: create and update PATCH the declared keys; delete sets each key to "" or "false",
        // i.e. no token lifetime limit [fact: workspace-conf-patch].
        [PulumiTypes.WorkspaceConf] = new(true, "nothing (custom_config updates in place)", "sets each declared key to empty: the limit is lifted"),
        // id "<workspace id>|<principal id>"; a PUT of the assignment [fact: mws-assignment-put].
        [PulumiTypes.MwsPermissionAssignment] = new(true, "workspace_id, principal_id, permissions", "unassigns the principal from the workspace"),
        // id = rule set name "accounts/<id>/servicePrincipals/<application id>/ruleSets/default"; a PUT of every rule [fact: rule-set-put-whole].
        [PulumiTypes.AccessControlRuleSet] = new(true, "name", "removes every grant rule of the rule set"),
        [PulumiTypes.ResourceGroup] = new(true, "resourceGroupName, location", "deletes the group and everything in it"),
        [PulumiTypes.AppServicePlan] = new(false, "auto-named: location, kind", "deletes the plan"),
        [PulumiTypes.WebApp] = new(true, "name, resourceGroupName, location", "deletes the site"),
        [PulumiTypes.UserAssignedIdentity] = new(false, "auto-named: resourceGroupName, location", "deletes the identity"),
        // id ".../vaults/<vault>/secrets/<name>"; a value change is a new version of the same secret (an update). What forces a
        // replacement (vault, name, resource group) also changes the id, so the old and new secret are different objects and
        // create-then-delete is right: no delete before replace. ARM has no DELETE for vault secrets: azure-native deletes
        // through the Key Vault data plane (a soft delete), which needs data-plane rights on the vault.
        [PulumiTypes.KeyVaultSecret] = new(false, "vaultName, secretName, resourceGroupName (a new id)",
            "soft-deletes the secret through the Key Vault data plane (needs a data-plane delete right on the vault, e.g. Key Vault Secrets Officer)"),
        [PulumiTypes.RandomPassword] = new(false, "length and character rules", "nothing remote"),
    };

    public static Traits Of(string type) =>
        ByType.TryGetValue(type, out var t) ? t : throw new KeyNotFoundException($"no traits recorded for resource type {type}");

    /// <summary>Components are not registered with a provider and are never replaced by one.</summary>
    public static bool DeleteBeforeReplace(string type) => ByType.TryGetValue(type, out var t) && t.IdFromInputs;
}
