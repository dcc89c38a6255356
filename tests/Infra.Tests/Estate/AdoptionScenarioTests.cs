using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Nodes;
using DatabricksAccess.Adoption;
using DatabricksAccess.Live.Adoption;
using DatabricksAccess.Live.Api;
using DatabricksAccess.Topology;
using DatabricksAccess.Topology.Config;
using DatabricksAccess.Topology.Evaluation;
using DatabricksAccess.Topology.Planning;
using Pulumi;
using LiveEstate = DatabricksAccess.Live.Adoption.Estate;

namespace DatabricksAccess.Infra.Tests.Estate;

/// <summary>
/// Adopt a populated estate, then the first <c>up</c>: a workspace with workspace-level groups and service principals
/// that hold entitlements, an account group and an account service principal assigned to it, grants and secret ACLs.
/// <c>adopt</c>'s own code (<see cref="AdoptedStack.Compose"/>) turns what its reader returns into the stack file; the
/// program registers that file; the simulated engine imports every resource (Read, the imported object becomes the old
/// state, the program is diffed against it) and applies what follows.
/// </summary>
public sealed class AdoptionScenarioTests
{
    private const string WorkspaceId = "123";

    private const string Skeleton = """
        config:
          databricks:host: https://adb-1111111111111111.1.azuredatabricks.net
          databricks-access:deployer:
            applicationId: 99999999-0000-4000-8000-000000000001
          databricks-access:account:
            id: 0d4c6b1e-7f3a-4c2b-9e8d-5a6f7b8c9d0e
            host: https://accounts.azuredatabricks.net
            workspaceId: "123"

        """;

    private const string Deployer = "99999999-0000-4000-8000-000000000001";
    private const string LoaderApp = "44444444-0000-4000-8000-000000000004";
    private const string ReporterApp = "33333333-0000-4000-8000-000000000003";
    private const string EtlApp = "11111111-0000-4000-8000-000000000002";
    private static readonly string Ana = AccessMocks.UserId("ana@contoso.com");
    private static readonly string Bob = AccessMocks.UserId("bob@contoso.com");

    /// <summary>An account user assigned to the workspace directly: its numeric account id is the assignment's principal_id.</summary>
    private const string Carol = "108";

    /// <summary>A group or service principal of the estate, at workspace or account level.</summary>
    private sealed record Principal(string Id, string Name, bool Account, string? AppId = null, string[]? Entitlements = null, string[]? Members = null);

    /// <summary>
    /// The estate. User SCIM ids are the ones the program's user lookups answer (<see cref="AccessMocks.UserId"/>), the
    /// admins group's the one its group lookup answers; account ids are numeric, as account SCIM ids and the
    /// assignments' <c>principal_id</c> are (PrincipalOutput.PrincipalId, an int64 [fact: sdk-permission-assignments]).
    /// </summary>
    private static readonly Principal[] Principals =
    [
        new(AccessMocks.GroupLookupId("admins"), "admins", false, Members: ["ServicePrincipals/sp-deployer"]),
        new("g-eng", "Data Engineers", false, Entitlements: ["allow-cluster-create", "workspace-access"], Members: [$"Users/{Ana}", "ServicePrincipals/s-loader"]),
        new("g-readers", "Readers", false, Entitlements: ["databricks-sql-access"], Members: [$"Users/{Bob}", "Groups/g-eng"]),
        new("s-loader", "Loader", false, LoaderApp, ["databricks-sql-access", "workspace-access"]),
        new("s-reporter", "Reporter", false, ReporterApp),
        new("sp-deployer", "deployer", false, Deployer),
        new("101", "Analysts", true, Members: [$"Users/{Ana}"]),
        new("102", "ETL runner", true, EtlApp),
    ];

    /// <summary>Fills the simulated workspace and account (what each resource's Read and Apply see, Estate.cs).</summary>
    private static Estate Simulated(Action<Estate>? change = null)
    {
        var estate = new Estate { Caller = Deployer };
        foreach (var p in Principals)
        {
            var fields = ImmutableDictionary<string, object>.Empty.Add("displayName", p.Name);
            estate.Plant(p.AppId is null ? PulumiTypes.Group : PulumiTypes.ServicePrincipal, p.Id, p.AppId is null ? fields : fields.Add("applicationId", p.AppId).Add("active", true));
            if (p.Entitlements is { } e)
            {
                estate.Entitle(p.Id, e);
            }

            foreach (var m in p.Members ?? [])
            {
                estate.Member(p.Id, m.Split('/', 2)[1]);
            }
        }

        estate.Assign("101", "USER");
        estate.Assign("102", "USER");
        estate.Assign(Carol, "USER"); // carol, an account user assigned directly (not through a group)
        estate.Grant("catalog:main", "Analysts", "USE_CATALOG");
        estate.Grant("schema:main.sales", "Analysts", "SELECT", "USE_SCHEMA");
        estate.Grant("schema:main.sales", EtlApp, "MODIFY", "SELECT");
        estate.Grant("schema:main.sales", "ana@contoso.com", "SELECT");
        estate.Plant(PulumiTypes.SecretScope, "app-secrets", ImmutableDictionary<string, object>.Empty.Add("name", "app-secrets").Add("backendType", "DATABRICKS"));
        estate.Acl("app-secrets", "Analysts", "READ");
        estate.Acl("app-secrets", "Data Engineers", "WRITE");
        estate.Acl("app-secrets", LoaderApp, "READ");
        estate.Acl("app-secrets", "ana@contoso.com", "MANAGE");
        change?.Invoke(estate);
        return estate;
    }

    /// <summary>
    /// What adopt's reader (infra/Live/Adoption/EstateReader.cs) returns for the same estate, in the shapes of
    /// databricks-sdk-go v0.175.0: workspace SCIM groups with <c>members</c> (ComplexValue <c>value</c>, <c>$ref</c>) and
    /// <c>entitlements</c>, <c>meta.resourceType</c> WorkspaceGroup; account groups without entitlements
    /// [fact: sdk-scim-shapes]; the workspace's permission assignments (principal, permissions
    /// [fact: sdk-permission-assignments]); the scope with its ACLs and secret names [fact: sdk-secrets-api]; the Unity
    /// Catalog privilege assignments [fact: sdk-uc-permissions].
    /// </summary>
    private static LiveEstate Read()
    {
        static IReadOnlyList<EstateValue> Values(string[]? names) => (names ?? []).Select(n => new EstateValue(n, null, null)).ToList();
        static IReadOnlyList<EstateValue> Members(string[]? refs) => (refs ?? []).Select(r => new EstateValue(r.Split('/', 2)[1], null, r)).ToList();

        var groups = Principals.Where(p => p.AppId is null && !p.Account)
            .Select(p => new EstateGroup(p.Id, p.Name, null, Members(p.Members), Values(p.Entitlements), new EstateMeta("WorkspaceGroup"))).ToList();
        var accountGroups = Principals.Where(p => p.AppId is null && p.Account).Select(p => new EstateGroup(p.Id, p.Name, null, Members(p.Members), null, null)).ToList();
        var sps = Principals.Where(p => p.AppId is not null && !p.Account).Select(p => new EstateServicePrincipal(p.Id, p.AppId, p.Name, null, Values(p.Entitlements))).ToList();
        var accountSps = Principals.Where(p => p.AppId is not null && p.Account).Select(p => new EstateServicePrincipal(p.Id, p.AppId, p.Name, null, null)).ToList();
        var users = new[] { "ana@contoso.com", "bob@contoso.com" }.Select(u => new EstateUser(AccessMocks.UserId(u), u)).ToList();
        return new LiveEstate(users, groups, accountGroups,
            [.. groups, new EstateGroup("g-users", "users", null, null, null, new EstateMeta("WorkspaceGroup"))], accountGroups, sps, accountSps,
            [
                new AssignmentItem(new AssignmentPrincipal(101, null, "Analysts", null, "Analysts"), ["USER"], null),
                new AssignmentItem(new AssignmentPrincipal(102, null, null, EtlApp, "ETL runner"), ["USER"], null),
                new AssignmentItem(new AssignmentPrincipal(long.Parse(Carol, System.Globalization.CultureInfo.InvariantCulture), "carol@contoso.com", null, null, "Carol"), ["USER"], null),
            ],
            [new EstateScopeRead(new EstateScope("app-secrets", "DATABRICKS", null),
                [new AclItem("Analysts", "READ"), new AclItem("Data Engineers", "WRITE"), new AclItem(LoaderApp, "READ"), new AclItem("ana@contoso.com", "MANAGE")],
                ["api-key"])],
            [
                new EstateGrants("catalog", "main", [new PrivilegeAssignment("Analysts", ["USE_CATALOG"])]),
                new EstateGrants("schema", "main.sales",
                    [new PrivilegeAssignment("Analysts", ["SELECT", "USE_SCHEMA"]), new PrivilegeAssignment(EtlApp, ["MODIFY", "SELECT"]), new PrivilegeAssignment("ana@contoso.com", ["SELECT"])]),
            ],
            []);
    }

    /// <summary>The stack file adopt writes for <see cref="Read"/>: the skeleton through <see cref="AdoptedStack.Compose"/>.</summary>
    private static StackFile Adopt()
    {
        const string Path = "Pulumi.adopted.yaml";
        var text = StackText.EnsureTopology(Skeleton, Path);
        var stack = StackFile.Parse(text, Path);
        var result = TopologyEvaluator.Evaluate(stack.ToInput(), StackRun.Now, stack.Findings);
        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        var adopted = AdoptedStack.Compose(text, stack, result.Model, Read(), WorkspaceId, new HashSet<(string, string)>(), Path, "the simulated workspace");
        Assert.True(adopted.Errors.Count == 0, string.Join("\n", adopted.Errors));
        Assert.Empty(adopted.Adopter.Report.NotAdopted);
        return StackFile.Parse(adopted.Text, Path);
    }

    private static async Task<(StackRun Run, Deployed Program)> FirstUpAsync(StackFile file)
    {
        var run = await StackRun.RunAsync("adopted", file, StackRun.Now, new AccessMocks { KeepImportIds = true, UserIds = new Dictionary<string, string> { ["carol@contoso.com"] = Carol } }, key => Output.Create(StackRun.ConfigValue(key)));
        return (run, await Deployed.FromAsync(run));
    }

    /// <summary>
    /// The preview of <paramref name="steps"/> in the shape <c>pulumi preview --json</c> prints (PreviewStep: op, urn,
    /// oldState, newState as apitype ResourceV3 with inputs, outputs, importID; diffReasons [fact: preview-json-digest];
    /// detailedDiff with kind <c>add</c> for a property the old state lacks, else <c>update</c> [fact: bridge-import-read]).
    /// </summary>
    internal static string Preview(IEnumerable<Step> steps, IReadOnlyDictionary<string, Registered> imported)
    {
        static JsonObject Props(IReadOnlyDictionary<string, object> values)
        {
            var o = new JsonObject();
            foreach (var (k, v) in values.Where(kv => !kv.Key.StartsWith("__", StringComparison.Ordinal)).OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                o[k] = JsonSerializer.SerializeToNode(v is ImmutableArray<object> a ? a.ToArray() : v);
            }

            return o;
        }

        static JsonObject State(Registered r, IReadOnlyDictionary<string, object> outputs, string? importId) => new()
        {
            ["urn"] = Urn(r),
            ["custom"] = true,
            ["id"] = r.Id,
            ["type"] = r.Type,
            ["inputs"] = Props(r.Inputs),
            ["outputs"] = Props(outputs),
            ["importID"] = importId,
        };

        var list = new JsonArray();
        foreach (var s in steps)
        {
            var step = new JsonObject { ["op"] = s.Op, ["urn"] = Urn(s.Resource) };
            if (s.Op == "update")
            {
                var old = imported[s.Resource.Name];
                step["oldState"] = State(old, old.Outputs, old.ImportId ?? old.Id);
                step["newState"] = State(s.Resource, old.Outputs, s.Resource.ImportId);
                var keys = s.Why.Split(',');
                step["diffReasons"] = new JsonArray(keys.Select(k => (JsonNode)JsonValue.Create(k)!).ToArray());
                step["detailedDiff"] = new JsonObject(keys.Select(k => KeyValuePair.Create(k,
                    (JsonNode?)new JsonObject { ["kind"] = old.Outputs.ContainsKey(k) ? "update" : "add", ["inputDiff"] = false })));
            }
            else
            {
                step["newState"] = State(s.Resource, s.Resource.Outputs, s.Op == "import" ? s.Resource.Id : null);
                step["detailedDiff"] = null;
            }

            list.Add(step);
        }

        return new JsonObject { ["steps"] = list }.ToJsonString(new JsonSerializerOptions { WriteIndented = true, IndentSize = 4 });
    }

    private static string Urn(Registered r) => $"urn:pulumi:adopted::databricks-access::{r.Type}::{r.Name}";

    /// <summary>
    /// The first up imports every adopted object, and the only other steps are the updates of the entitlement fields a
    /// workspace-level principal lacks, from empty to false (the provider's Default after an import that left them
    /// empty [fact: bridge-import-read]), which the guard lets through; the workspace afterwards is the workspace
    /// before, and a refresh then proposes nothing.
    /// </summary>
    [Fact]
    [Trait("fact", "engine-import-then-update")]
    [Trait("fact", "scim-entitlement-fields")]
    public async Task Adopting_a_populated_estate_makes_a_first_up_that_imports_and_changes_no_access()
    {
        var file = Adopt();
        var (run, program) = await FirstUpAsync(file);
        var estate = Simulated();
        var before = estate.Facts();
        Assert.Contains($"entitlement|g-eng|allow-cluster-create", before);
        Assert.Contains($"assignment|101|USER", before);
        Assert.Contains($"assignment|{Carol}|USER", before);
        Assert.Equal($"{WorkspaceId}|{Carol}", program.Resources.Single(r => r.Name == "user-carol@contoso.com-assignment").ImportId);

        var steps = Engine.Plan(LifecycleTests.Nothing, program, estate);
        var databricks = program.Resources.Where(r => r.Type.StartsWith("databricks:index/", StringComparison.Ordinal)).ToList();
        Assert.All(databricks, r => Assert.True(r.ImportId is not null, $"{r.Name} ({r.Type}) is not imported: the first up would create it"));
        Assert.Superset(new HashSet<string> { PulumiTypes.Group, PulumiTypes.ServicePrincipal, PulumiTypes.GroupMember, PulumiTypes.MwsPermissionAssignment, PulumiTypes.Grant, PulumiTypes.SecretScope, PulumiTypes.SecretAcl },
            databricks.Select(r => r.Type).ToHashSet());
        Assert.Equal(databricks.Select(r => r.Name).Order(StringComparer.Ordinal), steps.Where(s => s.Op == "import").Select(s => s.Resource.Name).Order(StringComparer.Ordinal));
        Assert.Empty(steps.Where(s => s.Op is "create" or "delete" or "forget" && s.Resource.Type != PulumiTypes.DatabricksProvider).Select(s => $"{s.Op} {s.Resource.Name}"));

        // The updates: workspace-level principals, entitlement fields only, each empty after the import and planned false.
        var imported = steps.Where(s => s.Op == "import").ToDictionary(s => s.Resource.Name, s => s.Resource, StringComparer.Ordinal);
        var updates = steps.Where(s => s.Op == "update").ToList();
        // Account-level ones too: account SCIM answers no entitlements [fact: sdk-scim-shapes], so their fields are
        // empty after the import as well.
        Assert.Equal(["group-analysts-group", "group-data-engineers-group", "group-readers-group", "sp-etl-runner-sp", "sp-loader-sp", "sp-reporter-sp"],
            updates.Select(s => s.Resource.Name).Order(StringComparer.Ordinal));
        foreach (var u in updates)
        {
            Assert.All(u.Why.Split(','), k =>
            {
                Assert.Contains(k, ProviderSchema.EntitlementField.Values);
                Assert.False(imported[u.Resource.Name].Outputs.ContainsKey(k), $"{u.Resource.Name}.{k} was read");
                Assert.False(u.Resource.Inputs.GetValueOrDefault(k) is true, $"{u.Resource.Name}.{k} planned true");
            });
        }

        // The guard, on the same preview in pulumi preview --json's shape: nothing refused, exactly those updates allowed.
        var allowed = new List<string>();
        Assert.Empty(MigrationGuard.Check(Preview(steps, imported), run.Plan, allowed));
        Assert.Equal(updates.Select(u => u.Resource.Name).Order(StringComparer.Ordinal), allowed.Select(a => a[..a.IndexOf(':')]).Order(StringComparer.Ordinal));

        Engine.Apply(estate, steps);
        Assert.Equal(before, estate.Facts());

        var state = Engine.StateAfter(LifecycleTests.Nothing, program, steps);
        var again = Engine.Plan(Engine.Refresh(state, estate), program, estate);
        Assert.True(again.Count == 0, "after the first up and a refresh: " + string.Join("; ", again.Select(s => $"{s.Op} {s.Resource.Name} ({s.Why})")));
    }

    /// <summary>
    /// Someone gives Readers cluster creation between adopt and the first up: the import reads it true, the program
    /// (adopted before) plans false, so the update would revoke it. The guard refuses that preview, naming the field;
    /// applied anyway, the entitlement is gone.
    /// </summary>
    [Fact]
    public async Task A_change_between_adopt_and_the_first_up_is_refused_by_the_guard_and_would_revoke()
    {
        var file = Adopt();
        var (run, program) = await FirstUpAsync(file);
        var estate = Simulated(e => e.Entitle("g-readers", "allow-cluster-create"));

        var steps = Engine.Plan(LifecycleTests.Nothing, program, estate);
        var imported = steps.Where(s => s.Op == "import").ToDictionary(s => s.Resource.Name, s => s.Resource, StringComparer.Ordinal);
        var findings = MigrationGuard.Check(Preview(steps, imported), run.Plan);
        Assert.Equal(
            ["group-readers-group: imported by this run, and the preview also has update (allowClusterCreate, allowInstancePoolCreate, workspaceAccess, workspaceConsume): the first up of an adopted object must be import-only; declare what the live object has (docs/adoption.md)"],
            findings);

        Engine.Apply(estate, steps);
        Assert.DoesNotContain("entitlement|g-readers|allow-cluster-create", estate.Facts());
    }
}
