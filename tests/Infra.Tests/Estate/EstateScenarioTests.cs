using System.Collections.Immutable;
using DatabricksAccess.Topology.Config;
using DatabricksAccess.Topology.Model;
using DatabricksAccess.Topology.Planning;
using Pulumi;

namespace DatabricksAccess.Infra.Tests.Estate;

/// <summary>
/// What an apply does to a populated, shared estate: the program's registrations (Pulumi mocks) applied with the
/// provider's Create/Update/Delete semantics (<see cref="Estate"/>) through a model of the engine (<see cref="Engine"/>).
/// </summary>
public sealed class EstateScenarioTests
{
    private const string Ana = "ana@contoso.com";

    /// <summary>Prod, plus a grant to a user (a principal the stack does not create) on catalog:main.</summary>
    private static StackFile Prod(Func<string, string>? edit = null) => StackRun.Load("prod", text =>
    {
        text = text.Edit("    catalogGrants:\n", $"    catalogGrants:\n      - on: catalog:main\n        to: user:{Ana}\n        privileges: [USE_CATALOG]\n");
        return edit is null ? text : edit(text);
    });

    private static async Task<Deployed> RunAsync(StackFile file) =>
        await Deployed.FromAsync(await StackRun.RunAsync("prod", file, StackRun.Now, new AccessMocks(), key => Output.Create(StackRun.ConfigValue(key))));

    private static (ImmutableSortedSet<string> Facts, Estate Estate) Apply(Estate estate, Deployed old, Deployed next, int? failAfter = null,
        Action<int, Step, Estate>? after = null)
    {
        var steps = Engine.Plan(old, next);
        Engine.Apply(estate, steps, (i, s) => after?.Invoke(i, s, estate), failAfter);
        return (estate.Facts(), estate);
    }

    private static readonly Deployed Nothing = new() { Resources = [] };

    /// <summary>The access <paramref name="program"/> declares: what applying it to an empty estate yields.</summary>
    private static ImmutableSortedSet<string> Declared(Deployed program) => Apply(new Estate(), Nothing, program).Facts;

    /// <summary>
    /// Fact prefixes an apply may revoke beyond what is declared: those of the plan's blast radius (by resource name,
    /// read from what the program registered for it).
    /// </summary>
    private static List<string> RevocableBy(ResourcePlan plan, Deployed program)
    {
        var prefixes = new List<string>();
        foreach (var (_, r) in plan.BlastRadius)
        {
            var reg = program.Resources.SingleOrDefault(x => x.Name == r.Name);
            if (reg is null)
            {
                continue;
            }

            string In(string k) => reg.Inputs.TryGetValue(k, out var v) ? Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture)! : string.Empty;
            prefixes.Add(reg.Type switch
            {
                PulumiTypes.Grant => $"grant|{Estate.Securable(reg.Inputs)}|{In("principal")}|",
                PulumiTypes.Grants => $"grant|{Estate.Securable(reg.Inputs)}|",
                PulumiTypes.Entitlements => $"entitlement|{new[] { In("groupId"), In("userId"), In("servicePrincipalId") }.First(x => x.Length > 0)}|",
                PulumiTypes.MwsPermissionAssignment => $"assignment|{In("principalId")}|",
                PulumiTypes.SecretAcl => $"acl|{In("scope")}|{In("principal")}|",
                PulumiTypes.Permissions when In("authorization") == "tokens" => "token-use|",
                PulumiTypes.Permissions => $"warehouse|{In("sqlEndpointId")}|",
                PulumiTypes.WorkspaceConf => "workspace-conf|",
                PulumiTypes.ServicePrincipalRole => $"account-role|{In("servicePrincipalId")}|",
                _ => throw new InvalidOperationException(reg.Type),
            });
        }

        return prefixes;
    }

    [Fact]
    public async Task A_first_up_on_a_populated_shared_workspace_revokes_nothing_beyond_the_blast_radius()
    {
        var file = Prod();
        var run = await StackRun.RunAsync("prod", file, StackRun.Now, new AccessMocks(), key => Output.Create(StackRun.ConfigValue(key)));
        var program = await Deployed.FromAsync(run);
        var engineers = AccessMocks.GroupLookupId("data-platform-engineers");

        var estate = new Estate();
        estate.Grant("catalog:main", Ana, "BROWSE");                       // granted by hand before the stack: per-principal Grant replaces it
        estate.Grant("catalog:main", "someone-else@contoso.com", "USE_CATALOG"); // nobody the stack names
        estate.Grant("schema:main.default", "reporting", "SELECT");
        estate.Entitle(engineers, "allow-cluster-create");                    // set by the Entra group's owner
        estate.Assign(engineers, "ADMIN");                                    // assigned admin by someone else
        estate.Acl("other-scope", "group:analysts", "READ");
        var before = estate.Facts();

        var after = Apply(estate, Nothing, program).Facts;
        var lost = before.Except(after);
        var revocable = RevocableBy(run.Plan, program);
        Assert.NotEmpty(lost); // the estate is populated where the stack declares per-principal access
        Assert.All(lost, fact => Assert.True(revocable.Any(p => fact.StartsWith(p, StringComparison.Ordinal)),
            $"{fact} was revoked, but the plan's blast radius does not name its principal and object"));

        // What no resource of the stack names survives.
        Assert.Contains("grant|catalog:main|someone-else@contoso.com|USE_CATALOG", after);
        Assert.Contains("grant|schema:main.default|reporting|SELECT", after);
        Assert.Contains("acl|other-scope|group:analysts|READ", after);
    }

    /// <summary>
    /// Every declared access held before the change, and still declared after it, holds after every step; the credential
    /// consumers read before the change stays valid throughout.
    /// </summary>
    private static async Task AssertNoLossAsync(Func<string, string> change) =>
        AssertNoLoss(await RunAsync(Prod()), await RunAsync(Prod(change)));

    private static void AssertNoLoss(Deployed old, Deployed next, int? failAfter = null)
    {
        var (baseline, estate) = Apply(new Estate(), Nothing, old);
        var keep = baseline.Intersect(Declared(next));
        var stored = estate.StoredCredentials.ToDictionary(k => k, k => estate.Stored(k.Scope, k.Key)!.Value);
        Assert.NotEmpty(stored);

        var steps = Engine.Plan(old, next);
        Engine.Apply(estate, steps, (i, s) =>
        {
            var missing = keep.Except(estate.Facts());
            Assert.True(missing.IsEmpty, $"after step {i} ({s.Op} {s.Resource.Name}: {s.Why}) declared access is missing: {string.Join(", ", missing)}");
            foreach (var (key, credential) in stored)
            {
                Assert.True(estate.IsLive(credential), $"after step {i} ({s.Op} {s.Resource.Name}: {s.Why}) the credential consumers read from {key} was revoked");
            }
        }, failAfter);
    }

    /// <summary>
    /// What the diff says of a level change, on the estate: the principal has no assignment between the assignment's
    /// delete and its create, and only then (the account-level assignment has no Update).
    /// </summary>
    [Fact]
    [Trait("fact", "mws-assignment-put")]
    public async Task A_workspace_access_level_change_leaves_the_principal_unassigned_only_between_the_delete_and_the_create()
    {
        var (old, next) = (await RunAsync(Prod()), await RunAsync(Prod(MakeAdmin)));
        var principal = Convert.ToString(old["sp-ci-deployer-assignment"].Inputs["principalId"], System.Globalization.CultureInfo.InvariantCulture)!;
        var (_, estate) = Apply(new Estate(), Nothing, old);
        var unassigned = new List<string>();
        Engine.Apply(estate, Engine.Plan(old, next), (i, s) =>
        {
            if (!estate.Facts().Any(f => f.StartsWith($"assignment|{principal}|", StringComparison.Ordinal)))
            {
                unassigned.Add($"{s.Op} {s.Resource.Name}");
            }
        });
        Assert.Equal(["delete sp-ci-deployer-assignment"], unassigned);
        Assert.Contains($"assignment|{principal}|ADMIN", estate.Facts());
    }

    [Fact]
    public Task Changing_an_identitys_workspace_access_replaces_only_its_assignment() =>
        // Item 4: the assignment is replaced delete-first; nothing that names the principal may follow it.
        AssertNoLossAsync(MakeAdmin);

    /// <summary>
    /// sp:ci-deployer becomes a workspace admin (a standing admin the policy allows). Its token is stored in app-secrets,
    /// so data-scientists' READ there would let them act as an admin (a standing-admin violation since issue 18), and so
    /// would notebook-runner's READ, which data-scientists reach by running nightly-etl as it (a chain the policies
    /// follow since issue 28): the change drops both ACLs too, as a reviewer would have to.
    /// </summary>
    private static string MakeAdmin(string text) => text
        .Edit("      ci-deployer:\n        level: account\n        workspaceAccess: user\n", "      ci-deployer:\n        level: account\n        workspaceAccess: admin\n")
        .Edit("          group:data-scientists: READ\n          webapp:notebook-runner: READ\n          sp:ci-deployer: WRITE\n", "          sp:ci-deployer: WRITE\n")
        .Edit("standingAdmins: []", "standingAdmins: [sp:ci-deployer]");

    [Fact]
    public Task Changing_a_tokens_overlap_never_replaces_the_current_credential() =>
        // Item 6: a rotation-policy change takes effect at the next rotations.
        AssertNoLossAsync(text => text.Edit("token: { lifetimeDays: 30, rotationDays: 25,", "token: { lifetimeDays: 32, rotationDays: 25,"));

    /// <summary>
    /// Item 6, the rotation period: the program continues the schedule the last deployment recorded (its
    /// credentialSchedule output, read back through a stack reference to itself), so a new rotationDays replaces no
    /// slot when it is made; the new period applies from the next rotation on.
    /// </summary>
    [Theory]
    [InlineData("token: { lifetimeDays: 60, rotationDays: 55,")] // longer: the next rotation comes 55 days after the current slot's, but no later than 5 days before it expires
    [InlineData("token: { lifetimeDays: 20, rotationDays: 15,")] // shorter
    public async Task Changing_a_tokens_rotation_period_replaces_no_slot_when_the_last_schedule_is_read_back(string changed)
    {
        var oldRun = await StackRun.RunAsync("prod", Prod(), StackRun.Now, new AccessMocks(), key => Output.Create(StackRun.ConfigValue(key)));
        var mocks = await ContinuingAsync(oldRun);
        var nextRun = await StackRun.RunAsync("prod", Prod(Period(changed)), StackRun.Now, mocks, key => Output.Create(StackRun.ConfigValue(key)));
        Assert.Contains($"organization/{StackFile.DefaultProject}/prod", mocks.StackReferences);

        var (old, next) = (await Deployed.FromAsync(oldRun), await Deployed.FromAsync(nextRun));
        Assert.DoesNotContain(Engine.Plan(old, next), s => s.Resource.Type == PulumiTypes.OboToken);
        AssertNoLoss(old, next);
    }

    /// <summary>
    /// The scheduled rotation as the hourly run applies it, one run to the next with the recorded schedule read back:
    /// exactly one token slot is renewed (create before delete) and the credential consumers held stays valid at every
    /// step, also when the run stops half-way.
    /// </summary>
    [Fact]
    public async Task A_due_rotation_renews_one_slot_and_never_the_held_credential_even_when_the_run_stops_half_way()
    {
        var oldRun = await StackRun.RunAsync("prod", Prod(), StackRun.Now, new AccessMocks(), key => Output.Create(StackRun.ConfigValue(key)));
        var token = oldRun.Plan.ServicePrincipals.Single(s => s.Spec.Key == "ci-deployer").Token!;
        var mocks = await ContinuingAsync(oldRun);
        var later = token.NextRotation + TimeSpan.FromMinutes(30); // the first hourly run after the rotation instant
        var nextRun = await StackRun.RunAsync("prod", Prod(), later, mocks, key => Output.Create(StackRun.ConfigValue(key)), revocationRun: true);
        Assert.Equal(token.Previous.Slot, nextRun.Plan.ServicePrincipals.Single(s => s.Spec.Key == "ci-deployer").Token!.Current.Slot);

        var (old, next) = (await Deployed.FromAsync(oldRun), await Deployed.FromAsync(nextRun));
        var steps = Engine.Plan(old, next);
        Assert.Equal([("create", token.Previous.ResourceName)],
            steps.Where(s => s.Resource.Type == PulumiTypes.OboToken && s.Op == "create").Select(s => (s.Op, s.Resource.Name)));
        Assert.DoesNotContain(steps, s => s.Resource.Name == token.Current.ResourceName);
        for (var stop = 0; stop <= steps.Count; stop++)
        {
            AssertNoLoss(old, next, stop);
        }
    }

    /// <summary>
    /// Two deploys in a row whose policy asks for more overlap than the held token has life left: each brings the
    /// rotation forward to the deploy itself, so the second renews the slot the first deploy left as previous, which is
    /// the one consumers held before. It must be replaced on the workspace (a new token), not kept under a keeper it
    /// already had while the record says it is new (the rotation was once renewed at the held slot's own instant).
    /// </summary>
    [Fact]
    public async Task Two_rotations_brought_forward_in_a_row_each_mint_a_new_token_and_a_retry_mints_none()
    {
        static StackFile Policy(string? token) => Prod(text =>
        {
            text = text.Edit("tokenPolicy: { maxLifetimeDays: 90 }", "tokenPolicy: { maxLifetimeDays: 400 }")
                .Edit("    standingAdmins: []\n", "    standingAdmins: []\n    maxTokenLifetimeDays: 400\n    maxRotationDays: 400\n");
            return token is null ? text : text.Edit("token: { lifetimeDays: 30, rotationDays: 25,", token);
        });
        Task<StackRun> Run(StackFile file, DateTimeOffset at, AccessMocks mocks) =>
            StackRun.RunAsync("prod", file, at, mocks, key => Output.Create(StackRun.ConfigValue(key)));
        static CredentialPlan Token(StackRun run) => run.Plan.ServicePrincipals.Single(s => s.Spec.Key == "ci-deployer").Token!;

        var run0 = await Run(Policy(null), StackRun.Now, new AccessMocks());
        var run1 = await Run(Policy("token: { lifetimeDays: 80, rotationDays: 45,"), StackRun.Now + TimeSpan.FromDays(1), await ContinuingAsync(run0)); // overlap 35 > 30
        var run2 = await Run(Policy("token: { lifetimeDays: 250, rotationDays: 150,"), StackRun.Now + TimeSpan.FromDays(2), await ContinuingAsync(run1)); // overlap 100 > 80
        Assert.Equal((Token(run0).Previous.Slot, Token(run0).Current.Slot), (Token(run1).Current.Slot, Token(run2).Current.Slot));

        var (d0, d1, d2) = (await Deployed.FromAsync(run0), await Deployed.FromAsync(run1), await Deployed.FromAsync(run2));
        string[] Minted(Deployed old, Deployed next) =>
            [.. Engine.Plan(old, next).Where(s => s.Resource.Type == PulumiTypes.OboToken && s.Op == "create").Select(s => s.Resource.Name)];
        Assert.Equal([Token(run1).Current.ResourceName], Minted(d0, d1));
        Assert.Equal([Token(run2).Current.ResourceName], Minted(d1, d2));
        AssertNoLoss(d0, d1);
        AssertNoLoss(d1, d2);

        // The first deploy failed after its token was minted. An errored update still writes the outputs the program
        // registered, and keeps the old value of any it did not [fact: engine-stack-outputs-at-end]: its retry hours later
        // reads either the failed run's record or the one before it. Either way it plans the same keeper, so the token
        // the failed run minted (whose value may already be stored and read) stays.
        var later = StackRun.Now + TimeSpan.FromDays(1) + TimeSpan.FromHours(5);
        foreach (var record in new[] { run0, run1 })
        {
            var retry = await Run(Policy("token: { lifetimeDays: 80, rotationDays: 45,"), later, await ContinuingAsync(record));
            Assert.Equal(Token(run1).Current.Keeper, Token(retry).Current.Keeper);
            Assert.Empty(Minted(d1, await Deployed.FromAsync(retry)));
        }
    }

    /// <summary>Mocks for the run after <paramref name="previous"/>: its credentialSchedule output is what the program reads back.</summary>
    private static async Task<AccessMocks> ContinuingAsync(StackRun previous) => new()
    {
        PreviousOutputs = ImmutableDictionary<string, object>.Empty.Add(CredentialSchedule.OutputName,
            await previous.OutputAsync<ImmutableDictionary<string, object>>(CredentialSchedule.OutputName)),
    };

    /// <summary>Without the recorded schedule (the program before this fix), the new period re-keys both slots at once.</summary>
    [Fact]
    public async Task Without_the_recorded_schedule_a_new_rotation_period_would_replace_both_slots()
    {
        var oldRun = await StackRun.RunAsync("prod", Prod(), StackRun.Now, new AccessMocks(), key => Output.Create(StackRun.ConfigValue(key)));
        var held = oldRun.Plan.ServicePrincipals.Single(s => s.Spec.Key == "ci-deployer").Token!.Current.ResourceName;
        var (old, next) = (await Deployed.FromAsync(oldRun), await RunAsync(Prod(Period("token: { lifetimeDays: 60, rotationDays: 55,"))));
        Assert.Contains(Engine.Plan(old, next), s => s.Resource.Name == held && s.Op == "create"); // the credential consumers hold is replaced
        // The loss is the credential consumers read being revoked, not any other failure (issue 33).
        var loss = Assert.IsType<Xunit.Sdk.TrueException>(Record.Exception(() => AssertNoLoss(old, next)));
        Assert.Matches(@"^after step \d+ \(\w+ [^:]+: .*\) the credential consumers read from .*ci-token.* was revoked", loss.Message);
    }

    private static Func<string, string> Period(string changed) => text =>
    {
        Assert.Contains("token: { lifetimeDays: 30, rotationDays: 25,", text, StringComparison.Ordinal);
        return text.Edit("token: { lifetimeDays: 30, rotationDays: 25,", changed);
    };

    [Fact]
    public Task Changing_a_tokens_comment_never_replaces_the_current_credential() =>
        AssertNoLossAsync(text => text.Edit("token: { lifetimeDays: 30, rotationDays: 25,", "token: { comment: ci deploys, lifetimeDays: 30, rotationDays: 25,"));

    [Fact]
    public async Task A_partial_failure_half_way_through_a_change_leaves_no_declared_access_revoked()
    {
        var (old, next) = (await RunAsync(Prod()), await RunAsync(Prod(MakeAdmin)));
        var steps = Engine.Plan(old, next);
        Assert.NotEmpty(steps);
        for (var stop = 0; stop <= steps.Count; stop++)
        {
            AssertNoLoss(old, next, stop);
        }
    }

    [Fact]
    [Trait("fact", "engine-dependent-replacements")]
    public async Task The_engine_model_cascades_a_delete_first_replacement_through_property_dependencies()
    {
        // The model itself: a value folded from a replaced resource replaces the dependent delete-first
        // [fact: engine-dependent-replacements]; a DependsOn does not. Built from two runs of the real program.
        var old = await RunAsync(Prod());
        var assignment = old["sp-ci-deployer-assignment"];
        var acl = old["scope-app-secrets-acl-sp-ci-deployer"];
        var folded = acl with { PropertyDependencies = new Dictionary<string, IReadOnlySet<string>> { ["principal"] = new HashSet<string> { assignment.Name } } };
        var oldFolded = new Deployed { Resources = old.Resources.Select(r => r.Name == acl.Name ? folded : r).ToList() };
        var next = new Deployed
        {
            Resources = oldFolded.Resources.Select(r => r.Name == assignment.Name ? r with { Inputs = r.Inputs.SetItem("permissions", ImmutableArray.Create<object>("ADMIN")) } : r).ToList(),
        };

        var steps = Engine.Plan(oldFolded, next);
        Assert.Equal(
            [("delete", acl.Name), ("delete", assignment.Name), ("create", assignment.Name), ("create", acl.Name)],
            steps.Select(s => (s.Op, s.Resource.Name)));
        Assert.Equal([("delete", assignment.Name), ("create", assignment.Name)], Engine.Plan(old, new Deployed
        {
            Resources = old.Resources.Select(r => r.Name == assignment.Name ? r with { Inputs = r.Inputs.SetItem("permissions", ImmutableArray.Create<object>("ADMIN")) } : r).ToList(),
        }).Select(s => (s.Op, s.Resource.Name)));
    }
}
