using System.Collections.Immutable;
using System.Text.Json;
using DatabricksAccess.Topology.Config;
using DatabricksAccess.Topology.Evaluation;
using DatabricksAccess.Topology.Model;
using DatabricksAccess.Topology.Planning;
using Pulumi;

namespace DatabricksAccess.Infra.Tests.Estate;

/// <summary>
/// Issue 30: a key in a Databricks-backed scope is never empty. Each scenario applies two runs of the real program
/// through the engine model (<see cref="Engine"/>) to the workspace model (<see cref="Estate"/>) and reads every key
/// after every step, and after an <c>up</c> stopped after each step: the key exists and holds a valid value (a credential
/// not revoked, or the old or the new value of a <c>config:</c> or <c>generate:</c> secret).
/// </summary>
public sealed class SecretStoreScenarioTests
{
    private static StackFile Prod(Func<string, string>? edit = null) => StackRun.Load("prod", edit);

    private static Task<StackRun> RunAsync(StackFile file, DateTimeOffset now, AccessMocks mocks, string configVersion = "") =>
        StackRun.RunAsync("prod", file, now, mocks, key => Output.Create(StackRun.ConfigValue(key) + configVersion), revocationRun: now != StackRun.Now);

    /// <summary>Mocks for the run after <paramref name="previous"/>: its credentialSchedule output is what the program reads back.</summary>
    private static async Task<AccessMocks> AfterAsync(StackRun previous, int passwordDraw = 0) => new()
    {
        PasswordDraw = passwordDraw,
        PreviousOutputs = ImmutableDictionary<string, object>.Empty.Add(CredentialSchedule.OutputName,
            await previous.OutputAsync<ImmutableDictionary<string, object>>(CredentialSchedule.OutputName)),
    };

    private static readonly Deployed Nothing = new() { Resources = [] };

    private static (string Scope, string Key) KeyOf(Registered secret) =>
        (Convert.ToString(secret.Inputs["scope"], System.Globalization.CultureInfo.InvariantCulture)!,
         Convert.ToString(secret.Inputs["key"], System.Globalization.CultureInfo.InvariantCulture)!);

    private static Dictionary<(string Scope, string Key), string> Values(Deployed program) =>
        program.Resources.Where(r => r.Type == PulumiTypes.Secret)
            .ToDictionary(KeyOf, r => Convert.ToString(r.Inputs["stringValue"], System.Globalization.CultureInfo.InvariantCulture)!);

    /// <summary>
    /// Applies <paramref name="old"/> to an empty workspace, then the update to <paramref name="next"/>, stopped after
    /// <paramref name="failAfter"/> steps; after every step each key declared before and after holds a valid value:
    /// a credential store a live credential, any other key its old or its new value. Returns the workspace and the steps.
    /// </summary>
    private static (Estate Estate, List<Step> Steps) AssertNeverEmpty(Deployed old, Deployed next, int? failAfter = null)
    {
        var estate = new Estate();
        Engine.Apply(estate, Engine.Plan(Nothing, old));
        var (before, after) = (Values(old), Values(next));
        var keys = before.Keys.Intersect(after.Keys).ToList();
        Assert.NotEmpty(keys);
        var credentials = keys.Where(k => estate.HoldsValidCredential(k.Scope, k.Key)).ToHashSet();

        void Check(string when)
        {
            foreach (var key in keys)
            {
                var value = estate.SecretValue(key.Scope, key.Key);
                Assert.True(value is not null, $"{when}: {key.Scope}/{key.Key} is missing");
                Assert.True(credentials.Contains(key) ? estate.HoldsValidCredential(key.Scope, key.Key) : value == before[key] || value == after[key],
                    $"{when}: {key.Scope}/{key.Key} holds no valid value");
            }
        }

        Check("before the up");
        var steps = Engine.Plan(old, next);
        Engine.Apply(estate, steps, (i, s) => Check($"after step {i} ({s.Op} {s.Resource.Name}: {s.Why})"), failAfter);
        return (estate, steps);
    }

    /// <summary>Every stop: after each step, and the whole update (the last).</summary>
    private static (Estate Estate, List<Step> Steps) AssertNeverEmptyAtEveryStop(Deployed old, Deployed next)
    {
        var steps = Engine.Plan(old, next);
        for (var stop = 0; stop < steps.Count; stop++)
        {
            AssertNeverEmpty(old, next, stop);
        }

        return AssertNeverEmpty(old, next);
    }

    /// <summary>The key's replacement: a delete-replaced that does not call Delete (retained), then a PutSecret over it.</summary>
    private static void AssertWrittenInPlace(List<Step> steps, string name) =>
        Assert.Equal([("forget", name), ("create", name)], steps.Where(s => s.Resource.Name == name).Select(s => (s.Op, s.Resource.Name)));

    [Fact]
    public async Task A_rotation_writes_the_new_credential_over_the_old_and_the_store_is_never_empty_even_when_the_up_stops_half_way()
    {
        var first = await RunAsync(Prod(), StackRun.Now, new AccessMocks());
        var token = first.Plan.ServicePrincipals.Single(s => s.Spec.Key == "ci-deployer").Token!;
        var rotated = await RunAsync(Prod(), token.NextRotation + TimeSpan.FromMinutes(30), await AfterAsync(first));
        var (old, next) = (await Deployed.FromAsync(first), await Deployed.FromAsync(rotated));
        Assert.NotEqual(Values(old)[("app-secrets", "ci-token")], Values(next)[("app-secrets", "ci-token")]);

        var (estate, steps) = AssertNeverEmptyAtEveryStop(old, next);
        AssertWrittenInPlace(steps, "scope-app-secrets-secret-ci-token");
        Assert.Equal(Values(next)[("app-secrets", "ci-token")], estate.SecretValue("app-secrets", "ci-token"));
        Assert.True(estate.HoldsValidCredential("app-secrets", "ci-token"));
    }

    [Fact]
    public async Task A_config_value_change_writes_the_new_value_over_the_old_one()
    {
        var first = await RunAsync(Prod(), StackRun.Now, new AccessMocks());
        var changed = await RunAsync(Prod(), StackRun.Now, await AfterAsync(first), configVersion: "-v2");
        var (old, next) = (await Deployed.FromAsync(first), await Deployed.FromAsync(changed));

        var (estate, steps) = AssertNeverEmptyAtEveryStop(old, next);
        AssertWrittenInPlace(steps, "scope-app-secrets-secret-publishing-api");
        Assert.Equal(StackRun.ConfigValue("publishingApiToken") + "-v2", estate.SecretValue("app-secrets", "publishing-api"));
    }

    [Fact]
    public async Task A_generate_length_change_writes_the_new_password_over_the_old_one()
    {
        static string Longer(string text)
        {
            Assert.Contains("db-password: { generate: 48 }", text, StringComparison.Ordinal);
            return text.Edit("db-password: { generate: 48 }", "db-password: { generate: 64 }");
        }

        var first = await RunAsync(Prod(), StackRun.Now, new AccessMocks());
        var changed = await RunAsync(Prod(Longer), StackRun.Now, await AfterAsync(first, passwordDraw: 1));
        var (old, next) = (await Deployed.FromAsync(first), await Deployed.FromAsync(changed));
        Assert.NotEqual(Values(old)[("app-secrets", "db-password")], Values(next)[("app-secrets", "db-password")]);

        var (estate, steps) = AssertNeverEmptyAtEveryStop(old, next);
        AssertWrittenInPlace(steps, "scope-app-secrets-secret-db-password");
        Assert.Equal(Values(next)[("app-secrets", "db-password")], estate.SecretValue("app-secrets", "db-password"));
    }

    /// <summary>
    /// A secret or a credential's store removed from config: the key is forgotten, not deleted, by this run and by every
    /// later one (nothing in the state names it any more). <c>diff</c> lists it and the audit reports it (Topology and Live tests).
    /// </summary>
    [Fact]
    public async Task A_removed_secret_or_store_is_left_in_place_with_its_value_and_no_later_run_deletes_it()
    {
        static string Remove(string text)
        {
            var edited = text
                .Edit("          publishing-api: { config: publishingApiToken }\n", string.Empty)
                .Edit("token: { lifetimeDays: 30, rotationDays: 25, store: app-secrets/ci-token }", "token: { lifetimeDays: 30, rotationDays: 25 }");
            Assert.NotEqual(text.Length, edited.Length);
            return edited;
        }

        var first = await RunAsync(Prod(), StackRun.Now, new AccessMocks());
        var removed = await RunAsync(Prod(Remove), StackRun.Now, await AfterAsync(first));
        var later = await RunAsync(Prod(Remove), StackRun.Now + TimeSpan.FromDays(40), await AfterAsync(removed));
        var (old, next, last) = (await Deployed.FromAsync(first), await Deployed.FromAsync(removed), await Deployed.FromAsync(later));

        var estate = new Estate();
        Engine.Apply(estate, Engine.Plan(Nothing, old));
        var steps = Engine.Plan(old, next);
        Assert.Equal(
            [("forget", "scope-app-secrets-secret-ci-token"), ("forget", "scope-app-secrets-secret-publishing-api")],
            steps.Where(s => s.Resource.Type == PulumiTypes.Secret).Select(s => (s.Op, s.Resource.Name)).Order());
        Engine.Apply(estate, steps);
        Engine.Apply(estate, Engine.Plan(next, last));
        Assert.Equal(Values(old)[("app-secrets", "publishing-api")], estate.SecretValue("app-secrets", "publishing-api"));
        Assert.Equal(Values(old)[("app-secrets", "ci-token")], estate.SecretValue("app-secrets", "ci-token"));
        Assert.DoesNotContain(next.Resources, r => r.Type == PulumiTypes.Secret && KeyOf(r) is ("app-secrets", "publishing-api" or "ci-token"));
    }

    /// <summary>The state a program before this change left: its Databricks secrets registered without retainOnDelete.</summary>
    private static Deployed BeforeThisChange(Deployed program) => new()
    {
        Resources = program.Resources.Select(r => r.Type == PulumiTypes.Secret ? r with { Options = r.Options with { RetainOnDelete = false } } : r).ToList(),
    };

    /// <summary>
    /// The first deploy of this change, in a run that also rotates: the old state has no retainOnDelete, so the key's
    /// delete really deletes (the engine reads the OLD state's flag [fact: engine-retain-on-delete-old-state]). The replacement is delete-first,
    /// so the key is empty only between the delete and the PutSecret, as before this change, and nothing is lost; the
    /// preview shows no create-first replacement of a state without the flag, and the guard passes it. From the next
    /// rotation on the state carries the flag and the key is never empty.
    /// </summary>
    [Fact]
    [Trait("fact", "engine-retain-on-delete-old-state")]
    public async Task The_first_deploy_loses_nothing_and_from_the_next_rotation_the_store_is_never_empty()
    {
        var first = await RunAsync(Prod(), StackRun.Now, new AccessMocks());
        var token = first.Plan.ServicePrincipals.Single(s => s.Spec.Key == "ci-deployer").Token!;
        var rotated = await RunAsync(Prod(), token.NextRotation + TimeSpan.FromMinutes(30), await AfterAsync(first));
        var rotatedToken = rotated.Plan.ServicePrincipals.Single(s => s.Spec.Key == "ci-deployer").Token!;
        var again = await RunAsync(Prod(), rotatedToken.NextRotation + TimeSpan.FromMinutes(30), await AfterAsync(rotated));
        var (old, next, last) = (BeforeThisChange(await Deployed.FromAsync(first)), await Deployed.FromAsync(rotated), await Deployed.FromAsync(again));
        const string store = "scope-app-secrets-secret-ci-token";

        var estate = new Estate();
        Engine.Apply(estate, Engine.Plan(Nothing, old));
        var steps = Engine.Plan(old, next);
        Assert.Equal([("delete", store), ("create", store)], steps.Where(s => s.Resource.Name == store).Select(s => (s.Op, s.Resource.Name)));
        var empty = new List<string>();
        Engine.Apply(estate, steps, (i, s) =>
        {
            if (estate.SecretValue("app-secrets", "ci-token") is null)
            {
                empty.Add($"{s.Op} {s.Resource.Name}");
            }
            else
            {
                Assert.True(estate.HoldsValidCredential("app-secrets", "ci-token"), $"after step {i}: no valid credential");
            }
        });
        Assert.Equal([$"delete {store}"], empty); // only between the delete and the create, as before this change
        Assert.Equal(Values(next)[("app-secrets", "ci-token")], estate.SecretValue("app-secrets", "ci-token"));

        // The preview of that deploy: no create-first replacement of a state without the flag; the guard passes it.
        Assert.Empty(SameIdCreateFirstWithoutFlag(steps));
        Assert.Empty(MigrationGuard.Check(Preview(steps), rotated.Plan));

        // The state that deploy leaves carries the flag (a same step writes option changes [fact: engine-same-keeps-outputs]):
        // the next rotation writes in place, never empty, also stopped half-way.
        Assert.All(next.Resources.Where(r => r.Type == PulumiTypes.Secret), r => Assert.True(r.Options.RetainOnDelete, r.Name));
        var (_, later) = AssertNeverEmptyAtEveryStop(next, last);
        AssertWrittenInPlace(later, store);
    }

    /// <summary>
    /// Why the first deploy must not be create-first: with the old state lacking the flag, the create (PutSecret) is
    /// followed by the old state's Delete of the same id, and the key is gone after the up (pulumi/pulumi-databricks#642).
    /// The guard refuses that preview.
    /// </summary>
    [Fact]
    [Trait("fact", "secret-put-overwrites")]
    public async Task Create_first_on_a_state_without_the_flag_would_delete_the_new_value_and_the_guard_refuses_it()
    {
        var first = await RunAsync(Prod(), StackRun.Now, new AccessMocks());
        var token = first.Plan.ServicePrincipals.Single(s => s.Spec.Key == "ci-deployer").Token!;
        var rotated = await RunAsync(Prod(), token.NextRotation + TimeSpan.FromMinutes(30), await AfterAsync(first));
        var old = BeforeThisChange(await Deployed.FromAsync(first));
        var createFirst = new Deployed
        {
            Resources = (await Deployed.FromAsync(rotated)).Resources
                .Select(r => r.Type == PulumiTypes.Secret ? r with { Options = r.Options with { DeleteBeforeReplace = false } } : r).ToList(),
        };

        var estate = new Estate();
        Engine.Apply(estate, Engine.Plan(Nothing, old));
        var steps = Engine.Plan(old, createFirst);
        Engine.Apply(estate, steps);
        Assert.Null(estate.SecretValue("app-secrets", "ci-token"));

        Assert.Equal(["scope-app-secrets-secret-ci-token"], SameIdCreateFirstWithoutFlag(steps));
        var findings = MigrationGuard.Check(Preview(steps), rotated.Plan);
        Assert.Contains(findings, f => f.StartsWith("scope-app-secrets-secret-ci-token:", StringComparison.Ordinal) && f.Contains("retainOnDelete", StringComparison.Ordinal));
    }

    /// <summary>Replacements of a type whose id survives the replacement, create-first, where the old state lacks retainOnDelete.</summary>
    private static List<string> SameIdCreateFirstWithoutFlag(List<Step> steps) =>
        steps.Select((s, i) => (s, i))
            .Where(x => x.s.Op == "create" && x.s.Why == "replacement" && ResourceTraits.Of(x.s.Resource.Type).IdFromInputs)
            .Where(x => steps.Skip(x.i + 1).Any(d => d.Resource.Name == x.s.Resource.Name && d.Op == "delete"))
            .Select(x => x.s.Resource.Name).ToList();

    /// <summary>
    /// The steps as <c>pulumi preview --json --show-replacement-steps</c> prints them (op, urn, oldState with
    /// retainOnDelete from the old state [fact: preview-json-digest]): a replacement is its create-replacement and
    /// delete-replaced steps in execution order with the logical replace between [fact: preview-hides-replacement-steps],
    /// creates and deletes as they are.
    /// </summary>
    private static string Preview(List<Step> steps)
    {
        var list = new List<object>();
        var replaced = steps.Where(s => s.Why == "replacement").Select(s => s.Resource.Name).ToHashSet(StringComparer.Ordinal);
        var deletedFirst = new HashSet<string>(StringComparer.Ordinal);
        object Old(Registered r)
        {
            var state = new Dictionary<string, object> { ["type"] = r.Type }; // omitempty: false flags are left out
            if (r.Options.Protect)
            {
                state["protect"] = true;
            }

            if (r.Options.RetainOnDelete)
            {
                state["retainOnDelete"] = true;
            }

            return state;
        }

        string Urn(Registered r) => $"urn:pulumi:prod::{StackFile.DefaultProject}::{r.Type}::{r.Name}";
        foreach (var s in steps)
        {
            var name = s.Resource.Name;
            if (s.Op == "create" && replaced.Contains(name) && s.Why == "replacement")
            {
                var ops = deletedFirst.Contains(name) ? new[] { "replace", "create-replacement" } : ["create-replacement", "replace"];
                list.AddRange(ops.Select(op => new Dictionary<string, object?> { ["op"] = op, ["urn"] = Urn(s.Resource), ["oldState"] = OldOf(name) }));
            }
            else if (s.Op is "delete" or "forget" && replaced.Contains(name))
            {
                deletedFirst.Add(name);
                list.Add(new Dictionary<string, object?> { ["op"] = "delete-replaced", ["urn"] = Urn(s.Resource), ["oldState"] = Old(s.Resource) });
            }
            else if (s.Op is "delete" or "forget")
            {
                list.Add(new Dictionary<string, object?> { ["op"] = "delete", ["urn"] = Urn(s.Resource), ["oldState"] = Old(s.Resource) });
            }
            else
            {
                list.Add(new Dictionary<string, object?> { ["op"] = s.Op, ["urn"] = Urn(s.Resource) });
            }
        }

        return JsonSerializer.Serialize(new { steps = list });

        object OldOf(string name) => Old(steps.First(x => x.Resource.Name == name && x.Op is "delete" or "forget" && x.Why != "removed from the program").Resource);
    }
}
