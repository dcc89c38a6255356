using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text;
using DatabricksAccess.Topology.Planning;
using Pulumi.Testing;

namespace DatabricksAccess.Infra.Tests;

/// <summary>A resource as the engine received it: type, name, inputs and provider reference.</summary>
public sealed record MockRegistration(string Type, string Name, ImmutableDictionary<string, object> Inputs, string Provider,
    string? Id, ImmutableDictionary<string, object> State)
{
    /// <summary>
    /// The <c>ImportId</c> option the resource was registered with: the engine's mock passes it as
    /// <see cref="MockResourceArgs.Id"/> [fact: dotnet-mock-id-empty].
    /// </summary>
    public string? ImportId { get; init; }
}

/// <summary>A data-source call as the engine received it.</summary>
public sealed record MockCall(string Token, ImmutableDictionary<string, object> Args, string Provider);

/// <summary>
/// Answers like the real providers would: ids and the computed outputs the program reads (client ids, application
/// ids, host names, token values, generated passwords, lookups). Unknown resource types and invoke tokens throw, so
/// the program cannot register anything these tests do not know about.
/// </summary>
public sealed class AccessMocks : IMocks
{
    public const string UnmanagedMemberPrefix = "unmanaged-";
    public const string SubscriptionPrefix = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups";

    private readonly List<MockRegistration> _registrations = [];
    private readonly List<MockCall> _calls = [];

    /// <summary>Ids a looked-up group has live, by display name: by default one declared user and one undeclared id.</summary>
    public Func<string, ImmutableArray<string>> LiveMembers { get; init; } =
        displayName => [UserId("platform-lead@contoso.com"), UnmanagedMemberPrefix + displayName];

    /// <summary>The stack the test runs (set by <see cref="StackRun"/>): a stack reference to it reads <see cref="PreviousOutputs"/>.</summary>
    public string SelfStack { get; set; } = "stack";

    /// <summary>Answer as a preview does for resources that do not exist yet: no id and no computed outputs.</summary>
    public bool Unknown { get; init; }

    /// <summary>Users the directory does not know (departed): getUsers answers them with an empty list.</summary>
    public IReadOnlySet<string> MissingUsers { get; init; } = new HashSet<string>();

    /// <summary>Groups (display names) the directory does not have: the group lists leave them out.</summary>
    public IReadOnlySet<string> MissingGroups { get; init; } = new HashSet<string>();

    /// <summary>Service principals (application ids) the directory does not have: getServicePrincipals leaves them out.</summary>
    public IReadOnlySet<string> MissingServicePrincipals { get; init; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Every group the directory has (set by <see cref="StackRun"/> from the config), less <see cref="MissingGroups"/>.</summary>
    public IReadOnlyList<string> LiveGroupNames { get; set; } = [];

    /// <summary>Every service principal's application id (set by <see cref="StackRun"/>), less <see cref="MissingServicePrincipals"/>.</summary>
    public IReadOnlyList<string> LiveApplicationIds { get; set; } = [];

    public IReadOnlyList<MockRegistration> Registrations
    {
        get
        {
            lock (_registrations)
            {
                return [.. _registrations];
            }
        }
    }

    public IReadOnlyList<MockCall> Calls
    {
        get
        {
            lock (_calls)
            {
                return [.. _calls];
            }
        }
    }

    public MockRegistration Registered(string name) =>
        Registrations.SingleOrDefault(r => r.Name == name) ?? throw new Xunit.Sdk.XunitException($"'{name}' was not registered");

    public static string UserId(string email) => $"user-{email}";

    public static string GroupLookupId(string displayName) => $"group-lookup-{displayName}";

    /// <summary>A stable GUID per seed, as a provider would hand out for a new identity.</summary>
    public static string Guid(string seed) => new Guid(SHA256.HashData(Encoding.UTF8.GetBytes(seed)).AsSpan(0, 16)).ToString();

    public static string TokenValue(string name) => $"dapi-{Guid("token:" + name)}";

    public static string OAuthSecret(string name) => $"dose-{Guid("oauth:" + name)}";

    /// <summary>A warehouse id as Databricks hands them out (16 hex digits), per warehouse name.</summary>
    public static string WarehouseId(string name) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("warehouse:" + name)).AsSpan(0, 8));

    public static string Password(string name) => $"pw-{Guid("password:" + name)}";

    /// <summary>
    /// A RandomPassword's result in a run that replaces it: random's Create draws a new value, while an unchanged one keeps
    /// its result from the state. The mocks cannot tell the two apart, so a test that replaces a password (its length
    /// changed) says so: 0, the default, answers <see cref="Password"/>; n answers the n-th fresh draw.
    /// </summary>
    public int PasswordDraw { get; init; }

    /// <summary>
    /// The outputs of this stack's last deployment, which the program reads back through a stack reference to itself
    /// (its <c>credentialSchedule</c>). Empty by default: a stack's first run.
    /// </summary>
    public ImmutableDictionary<string, object> PreviousOutputs { get; set; } = ImmutableDictionary<string, object>.Empty;

    /// <summary>The stack references the program read (their names): reads, not registrations of managed resources.</summary>
    public IReadOnlyList<string> StackReferences
    {
        get
        {
            lock (_stackReferences)
            {
                return [.. _stackReferences];
            }
        }
    }

    private readonly List<string> _stackReferences = [];

    public Task<(string? id, object state)> NewResourceAsync(MockResourceArgs args)
    {
        var type = args.Type ?? throw new ArgumentException("no type");
        var name = args.Name ?? throw new ArgumentException("no name");
        var inputs = args.Inputs;
        if (type == "pulumi:pulumi:StackReference")
        {
            // A read of a stack's outputs, answered even in a preview (reads run then): the builtin provider's state is
            // { name, outputs, secretOutputNames } [fact: engine-stack-reference], with the id the SDK passes, the
            // stack's name [fact: dotnet-stack-reference]. Only this stack's own outputs are known here.
            var referenced = args.Id ?? throw new ArgumentException("a stack reference without an id");
            lock (_stackReferences)
            {
                _stackReferences.Add(referenced);
            }

            var outputs = referenced == $"organization/{Topology.Config.StackFile.DefaultProject}/{SelfStack}" ? PreviousOutputs : ImmutableDictionary<string, object>.Empty;
            return Task.FromResult<(string?, object)>((referenced, ImmutableDictionary<string, object>.Empty
                .Add("name", referenced)
                .Add("outputs", outputs)
                .Add("secretOutputNames", ImmutableArray<object>.Empty)));
        }

        var state = inputs.ToBuilder();
        string? id;
        switch (type)
        {
            case PulumiTypes.WebAppComponent or PulumiTypes.ServicePrincipalComponent or PulumiTypes.GroupComponent
                or PulumiTypes.ScopeComponent or PulumiTypes.GrantsComponent or PulumiTypes.JobComponent:
                id = null;
                break;
            case PulumiTypes.DatabricksProvider:
                id = $"{name}-provider-id";
                break;
            case PulumiTypes.ResourceGroup:
                var rgName = Str(inputs, "resourceGroupName") ?? name;
                id = $"{SubscriptionPrefix}/{rgName}";
                state["name"] = rgName;
                state["location"] = Str(inputs, "location") ?? "westeurope";
                break;
            case PulumiTypes.AppServicePlan:
                id = $"{SubscriptionPrefix}/{Str(inputs, "resourceGroupName")}/providers/Microsoft.Web/serverfarms/{name}";
                state["name"] = name;
                break;
            case PulumiTypes.UserAssignedIdentity:
                id = $"{SubscriptionPrefix}/{Str(inputs, "resourceGroupName")}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{name}";
                state["clientId"] = Guid("client:" + name);
                state["principalId"] = Guid("principal:" + name);
                state["tenantId"] = Guid("tenant");
                break;
            case PulumiTypes.WebApp:
                var site = Str(inputs, "name") ?? name;
                id = $"{SubscriptionPrefix}/{Str(inputs, "resourceGroupName")}/providers/Microsoft.Web/sites/{site}";
                state["defaultHostName"] = $"{site}.azurewebsites.net";
                break;
            case PulumiTypes.ServicePrincipal:
                id = $"scim-{name}";
                state["applicationId"] = Str(inputs, "applicationId") ?? Guid("application:" + name);
                break;
            case PulumiTypes.Group:
                id = $"scim-{name}";
                break;
            case PulumiTypes.Job:
                id = (1000 + (SHA256.HashData(Encoding.UTF8.GetBytes(name))[0] % 100)).ToString();
                state["url"] = $"https://adb.example/jobs/{id}";
                break;
            case PulumiTypes.OboToken:
                id = $"token-{name}";
                state["tokenValue"] = TokenValue(name);
                break;
            case PulumiTypes.ServicePrincipalSecret:
                id = $"secret-{name}";
                state["secret"] = OAuthSecret(name);
                break;
            case PulumiTypes.RandomPassword:
                id = "none";
                state["result"] = PasswordDraw == 0 ? Password(name) : Password($"{name}#{PasswordDraw}");
                break;
            case PulumiTypes.SecretScope or PulumiTypes.SecretAcl or PulumiTypes.Secret or PulumiTypes.Entitlements
                or PulumiTypes.GroupMember or PulumiTypes.MwsPermissionAssignment or PulumiTypes.Grants or PulumiTypes.Grant
                or PulumiTypes.Permissions or PulumiTypes.AccessControlRuleSet:
                id = $"{name}-id";
                break;
            case PulumiTypes.ServicePrincipalRole:
                // id "<service_principal_id>|<role>" [fact: sp-role-patch].
                id = $"{Str(inputs, "servicePrincipalId")}|{Str(inputs, "role")}";
                break;
            case PulumiTypes.WorkspaceConf:
                // The one id of every workspace conf, "_" [fact: workspace-conf-patch].
                id = "_";
                break;
            case PulumiTypes.KeyVaultSecret:
                id = $"{SubscriptionPrefix}/{Str(inputs, "resourceGroupName")}/providers/Microsoft.KeyVault/vaults/{Str(inputs, "vaultName")}/secrets/{Str(inputs, "secretName")}";
                break;
            default:
                throw new NotSupportedException($"the mocks do not know resource type {type} ({name})");
        }

        // An imported resource's id is its import id: the import reads the object by its import id and keeps that id
        // (or the one Read returns) [fact: engine-import-then-update].
        if (KeepImportIds && !string.IsNullOrEmpty(args.Id))
        {
            id = args.Id;
        }

        var result = state.ToImmutable();
        if (Unknown)
        {
            (id, result) = (null, inputs);
        }

        lock (_registrations)
        {
            _registrations.Add(new MockRegistration(type, name, inputs, args.Provider ?? string.Empty, id, result) { ImportId = string.IsNullOrEmpty(args.Id) ? null : args.Id });
        }

        return Task.FromResult<(string?, object)>((id, result));
    }

    /// <summary>
    /// Users whose id is not <see cref="UserId"/>: an account user's numeric id, the one its direct workspace assignment
    /// names as <c>principal_id</c> [fact: sdk-permission-assignments] (the provider's getUsers answers the SCIM id
    /// [fact: data-users]). Answered at
    /// both levels: an identity-federated workspace shows the account user under the account's id.
    /// </summary>
    public IReadOnlyDictionary<string, string> UserIds { get; init; } = new Dictionary<string, string>();

    /// <summary>Answer a resource registered with an import id with that id, as the engine's import does (off: every id is the mocks' own).</summary>
    public bool KeepImportIds { get; init; }

    /// <summary>The metastore assigned to the workspace (getCurrentMetastore).</summary>
    public string MetastoreId { get; set; } = "11111111-2222-3333-4444-555555555555";

    public Task<object> CallAsync(MockCallArgs args)
    {
        var token = args.Token ?? throw new ArgumentException("no token");
        var a = args.Args;
        object result = token switch
        {
            PulumiTypes.GetUsers => Users(Str(a, "filter") ?? throw new ArgumentException("getUsers without filter")),
            // Fails like the provider when nothing matches ("cannot find group") [fact: data-group-not-found]. The program
            // reads only groups a list proved to exist.
            PulumiTypes.GetGroup => MissingGroups.Contains(Str(a, "displayName") ?? "")
                ? throw new InvalidOperationException($"cannot find group: {Str(a, "displayName")}")
                : Group(Str(a, "displayName") ?? throw new ArgumentException("getGroup without displayName")),
            // Every group, no filter: the listed groups, an empty list for none [fact: data-lists].
            PulumiTypes.GetWorkspaceIamGroupsV2 or PulumiTypes.GetAccountIamGroupsV2 => new Dictionary<string, object>
            {
                ["groups"] = LiveGroupNames.Where(n => !MissingGroups.Contains(n)).Distinct(StringComparer.Ordinal)
                    .Select(n => (object)ImmutableDictionary<string, object>.Empty.Add("groupName", n).Add("groupId", $"iamv2-{n}"))
                    .ToImmutableArray(),
            },
            // No display_name_contains: every service principal (the application_ids list, sorted); none only logs
            // [fact: data-lists].
            PulumiTypes.GetServicePrincipals => new Dictionary<string, object>
            {
                ["id"] = "_",
                ["applicationIds"] = LiveApplicationIds.Where(id => !MissingServicePrincipals.Contains(id)).Distinct(StringComparer.OrdinalIgnoreCase)
                    .Order(StringComparer.Ordinal).Select(id => (object)id).ToImmutableArray(),
            },
            // Fails when nothing matches ("cannot find SP with an application ID") [fact: data-group-not-found].
            PulumiTypes.GetServicePrincipal when MissingServicePrincipals.Contains(Str(a, "applicationId") ?? "") =>
                throw new InvalidOperationException($"cannot find SP with an application ID {Str(a, "applicationId")}"),
            PulumiTypes.GetServicePrincipal => new Dictionary<string, object>
            {
                ["id"] = $"scim-lookup-{Str(a, "applicationId")}",
                ["applicationId"] = Str(a, "applicationId") ?? throw new ArgumentException("getServicePrincipal without applicationId"),
            },
            // The warehouse found by name, with its id (the name is matched exactly; none or several fail the lookup)
            // [fact: data-sql-warehouse].
            PulumiTypes.GetSqlWarehouse => new Dictionary<string, object>
            {
                ["id"] = WarehouseId(Str(a, "name") ?? throw new ArgumentException("getSqlWarehouse without name")),
                ["name"] = Str(a, "name")!,
            },
            // The workspace's metastore (id: the summary's metastore_id; "no_metastore" when none is assigned)
            // [fact: data-current-metastore].
            "databricks:index/getCurrentMetastore:getCurrentMetastore" => new Dictionary<string, object>
            {
                ["id"] = MetastoreId,
            },
            PulumiTypes.GetResourceGroup => new Dictionary<string, object>
            {
                ["id"] = $"{SubscriptionPrefix}/{Str(a, "resourceGroupName")}",
                ["name"] = Str(a, "resourceGroupName")!,
                ["location"] = "westeurope",
            },
            _ => throw new NotSupportedException($"the mocks do not know invoke {token}"),
        };

        lock (_calls)
        {
            _calls.Add(new MockCall(token, a, args.Provider ?? string.Empty));
        }

        return Task.FromResult(result);
    }

    /// <summary>The one filter the program sends: <c>userName eq "&lt;email&gt;"</c>; an empty list for a missing user.</summary>
    private Dictionary<string, object> Users(string filter)
    {
        const string Prefix = "userName eq \"";
        if (!filter.StartsWith(Prefix, StringComparison.Ordinal) || !filter.EndsWith('"'))
        {
            throw new ArgumentException($"unexpected getUsers filter {filter}");
        }

        var email = filter[Prefix.Length..^1];
        var users = MissingUsers.Contains(email)
            ? ImmutableArray<object>.Empty
            : [ImmutableDictionary<string, object>.Empty.Add("id", UserIds.GetValueOrDefault(email) ?? UserId(email)).Add("userName", email)];
        return new Dictionary<string, object> { ["filter"] = filter, ["users"] = users };
    }

    private Dictionary<string, object> Group(string displayName)
    {
        var members = LiveMembers(displayName);
        return new Dictionary<string, object>
        {
            ["id"] = GroupLookupId(displayName),
            ["displayName"] = displayName,
            ["members"] = members,
            ["users"] = members.Where(m => m.StartsWith("user-", StringComparison.Ordinal)).ToImmutableArray(),
        };
    }

    private static string? Str(ImmutableDictionary<string, object> values, string key) =>
        values.TryGetValue(key, out var v) ? v as string : null;
}
