using System.Text;
using System.Text.Json;
using CsCheck;
using DatabricksAccess.Cli;
using DatabricksAccess.Topology.Config;
using DatabricksAccess.Topology.Evaluation;
using DatabricksAccess.Topology.Model;
using Microsoft.Extensions.Time.Testing;
using static DatabricksAccess.Topology.Tests.TestSupport;

namespace DatabricksAccess.Topology.Tests;

/// <summary>
/// Issue 28, over random topologies (CsCheck): users, nested groups with standing and time-bound memberships, service
/// principals (some workspace admins) whose OAuth secrets are stored in scopes, scope ACLs, and jobs that run as
/// service principals. The closure <c>access</c> reports (through the command, JSON) is the closure the policies
/// judge; <c>access --object</c> agrees with <c>access --principal</c>; the matrix is the closure's own part.
/// </summary>
public sealed class AccessClosureProperties : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("dbx-access-closure-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>Principal indexes: users first, then groups, then service principals.</summary>
    private sealed record Spec(
        int Users,
        int Groups,
        int Sps,
        int Scopes,
        (int Member, int Group, int Expiry)[] Memberships,
        (int Principal, int Scope, int Permission)[] Acls,
        (int Sp, int Scope)[] Stores,
        (int RunAs, int Principal, int Level)[] Jobs,
        int AdminMask)
    {
        public int Count => Users + Groups + Sps;

        public string Name(int i) => i < Users ? $"user:u{i}@contoso.com" : i < Users + Groups ? $"group:g{i - Users}" : $"sp:s{i - Users - Groups}";
    }

    private static readonly Gen<Spec> Specs =
        from users in Gen.Int[1, 4]
        from groups in Gen.Int[1, 4]
        from sps in Gen.Int[1, 4]
        from scopes in Gen.Int[1, 3]
        from memberships in Gen.Select(Gen.Int[0, 11], Gen.Int[0, 3], Gen.Int[0, 3]).Array[0, 10]
        from acls in Gen.Select(Gen.Int[0, 11], Gen.Int[0, 2], Gen.Int[1, 3]).Array[0, 8]
        from stores in Gen.Select(Gen.Int[0, 3], Gen.Int[0, 2]).Array[0, 4]
        from jobs in Gen.Select(Gen.Int[0, 3], Gen.Int[0, 11], Gen.Int[1, 3]).Array[0, 3]
        from admins in Gen.Int[0, 15]
        select new Spec(users, groups, sps, scopes, memberships, acls, stores, jobs, admins);

    private static readonly string[] Expiries = [string.Empty, "2026-11-25T18:00:00Z", "2026-11-28T12:00:00Z", "2026-12-05T00:00:00Z"];

    private static string Yaml(Spec s)
    {
        var b = new StringBuilder();
        b.AppendLine("servicePrincipals:");
        var stored = s.Stores.Where(x => x.Sp < s.Sps && x.Scope < s.Scopes).DistinctBy(x => x.Sp).ToDictionary(x => x.Sp, x => x.Scope);
        for (var i = 0; i < s.Sps; i++)
        {
            b.AppendLine(stored.TryGetValue(i, out var scope)
                ? $"  s{i}: {{ entitlements: [workspace-access], oauthSecret: {{ rotationDays: 30, store: c{scope}/s{i}-oauth }} }}"
                : $"  s{i}: {{ entitlements: [workspace-access] }}");
        }

        var admins = Enumerable.Range(0, s.Sps).Where(i => (s.AdminMask & (1 << i)) != 0).Select(i => $"sp:s{i}").ToList();
        b.AppendLine("groups:");
        if (admins.Count > 0)
        {
            b.AppendLine($"  admins: {{ existing: true, members: [{string.Join(", ", admins)}] }}");
        }

        for (var g = 0; g < s.Groups; g++)
        {
            // A group's members: users, service principals, and groups declared before it (no cycles).
            var members = s.Memberships.Where(m => m.Group == g && m.Member < s.Count && (m.Member < s.Users || m.Member >= s.Users + s.Groups || m.Member - s.Users < g))
                .DistinctBy(m => m.Member)
                .Select(m => m.Expiry == 0 ? s.Name(m.Member) : $"{{ principal: {s.Name(m.Member)}, expires: {Expiries[m.Expiry]}, reason: T-{m.Expiry} }}")
                .ToList();
            b.AppendLine($"  g{g}: {{ entitlements: [databricks-sql-access], members: [{string.Join(", ", members)}] }}");
        }

        b.AppendLine("secretScopes:");
        for (var c = 0; c < s.Scopes; c++)
        {
            var acls = s.Acls.Where(a => a.Scope == c && a.Principal < s.Count).DistinctBy(a => a.Principal)
                .Select(a => $"{s.Name(a.Principal)}: {(a.Permission switch { 1 => "READ", 2 => "WRITE", _ => "MANAGE" })}");
            b.AppendLine($"  c{c}: {{ acls: {{ {string.Join(", ", acls)} }} }}");
        }

        var jobs = s.Jobs.Where(j => j.RunAs < s.Sps && j.Principal < s.Count).ToList();
        if (jobs.Count > 0)
        {
            b.AppendLine("jobs:");
            for (var j = 0; j < jobs.Count; j++)
            {
                var key = jobs[j].Level switch { 1 => "canView", 2 => "canManageRun", _ => "canManage" };
                b.AppendLine($"  j{j}: {{ notebook: /Shared/j{j}, runAs: sp:s{jobs[j].RunAs}, {key}: [{s.Name(jobs[j].Principal)}] }}");
            }
        }

        var text = StackYaml(b.ToString(), policy: admins.Count == 0 ? "maxAdminHours: 12" : $"maxAdminHours: 12\nstandingAdmins: [{string.Join(", ", admins)}]");
        return text;
    }

    private (int Code, JsonElement Json) Access(string file, params string[] args)
    {
        var @out = new StringWriter();
        var err = new StringWriter();
        var code = Program.Run(["access", "--file", file, "--format", "json", .. args], @out, err, new FakeTimeProvider(Now), _dir);
        Assert.True(code is 0 or 1, $"access {string.Join(' ', args)} exited {code}: {err}");
        using var doc = JsonDocument.Parse(@out.ToString());
        return (code, doc.RootElement.Clone());
    }

    private static DateTimeOffset? Until(JsonElement e) =>
        e.TryGetProperty("until", out var u) ? DateTimeOffset.Parse(u.GetString()!, System.Globalization.CultureInfo.InvariantCulture) : null;

    /// <summary>Standing beats every end, a later end beats an earlier one.</summary>
    private static bool Longer(DateTimeOffset? a, DateTimeOffset? b) => b is { } tb && (a is not { } ta || ta > tb);

    [Fact]
    public void The_closure_access_reports_is_the_closure_the_policies_judge()
    {
        var valid = 0;
        var withPaths = 0;
        var judged = new int[2];
        Specs.Sample(spec =>
        {
            // Samples run in parallel: one file each.
            var file = Path.Combine(_dir, $"Pulumi.{Guid.NewGuid():N}.yaml");
            var yaml = Yaml(spec);
            var result = TopologyEvaluator.Evaluate(StackFile.Parse(yaml, file).ToInput(), Now);
            if (!result.IsValid)
            {
                return;
            }

            Interlocked.Increment(ref valid);
            File.WriteAllText(file, yaml);
            var violations = result.Diagnostics.Where(d => d.Severity == Severity.Violation && d.Message.Contains(" can act as ", StringComparison.Ordinal)).ToList();

            // Admin rights of every principal as access reports them: its ADMIN entry on the workspace, if any.
            var adminUntil = new Dictionary<string, DateTimeOffset?>();
            var (_, workspace) = Access(file, "--object", "workspace");
            foreach (var e in workspace.GetProperty("entries").EnumerateArray().Where(e => e.GetProperty("permission").GetString() == "ADMIN"))
            {
                adminUntil[e.GetProperty("principal").GetString()!] = Until(e);
            }

            for (var u = 0; u < spec.Users; u++)
            {
                var user = spec.Name(u);
                if (!result.Graph!.Principals().Contains(PrincipalRef.User($"u{u}@contoso.com")))
                {
                    continue;
                }

                // The longest admin access through acting as: over every principal it can act as that is admin-level,
                // the earlier of the path's end and that principal's own admin end.
                var (_, mine) = Access(file, "--principal", user);
                var found = false;
                DateTimeOffset? best = null;
                foreach (var e in mine.GetProperty("entries").EnumerateArray().Where(e => e.GetProperty("permission").GetString() == "ACT_AS"))
                {
                    Interlocked.Increment(ref withPaths);
                    Assert.Contains(e.GetProperty("path").EnumerateArray(), s => s.GetProperty("kind").GetString() == "acts-as");
                    if (!adminUntil.TryGetValue(e.GetProperty("object").GetString()!, out var targetAdmin))
                    {
                        continue;
                    }

                    var pathUntil = Until(e);
                    var until = targetAdmin is { } ta && (pathUntil is not { } pu || ta < pu) ? targetAdmin : pathUntil;
                    if (!found || Longer(until, best))
                    {
                        best = until;
                    }

                    found = true;
                }

                var standing = violations.Any(d => d.Rule == Vocabulary.Rules.StandingAdmin && d.Message.StartsWith($"{user} ", StringComparison.Ordinal));
                var tooLong = violations.Any(d => d.Rule == Vocabulary.Rules.AdminDuration && d.Message.StartsWith($"{user} ", StringComparison.Ordinal));
                if (standing)
                {
                    Interlocked.Increment(ref judged[0]);
                }
                else if (tooLong)
                {
                    Interlocked.Increment(ref judged[1]);
                }

                Assert.True(standing == (found && best is null), $"{user}: standing-admin {standing}, access says {(found ? best?.ToString() ?? "standing" : "none")}\n{yaml}");
                if (!standing)
                {
                    Assert.True(tooLong == (found && best - Now > TimeSpan.FromHours(12)), $"{user}: admin-duration {tooLong}, access says {best}\n{yaml}");
                }
            }

            var closure = result.Closure!;
            foreach (var p in result.Graph!.Principals())
            {
                // The matrix is the closure's own part: where the closure shows no stronger access by acting as, the
                // very same entry; the same ACT_AS rows; nothing the closure lacks.
                var rows = result.Access.Where(e => e.Principal == p).ToDictionary(e => e.Key);
                var full = closure.Of(p).Select(c => c.Entry).Where(e => e.Kind != AccessKind.Tokens).ToList();
                foreach (var e in full.Where(e => e.Via?.StartsWith("acting as ", StringComparison.Ordinal) != true))
                {
                    Assert.Equal(e, rows.GetValueOrDefault(e.Key));
                }

                Assert.Subset(full.Select(e => e.Key).ToHashSet(), rows.Keys.ToHashSet());
                Assert.Equal(rows.Values.Where(e => e.Kind == AccessKind.ActAs), full.Where(e => e.Kind == AccessKind.ActAs));
            }

            // access --object lists exactly the entries on that object of every principal's whole closure (it works
            // out only that object's entries, and only for the principals that may reach it).
            foreach (var name in Enumerable.Range(0, spec.Scopes).Select(c => $"scope:c{c}").Concat(result.Model.Jobs.Keys.Select(j => $"job:{j}")).Append("workspace").Append("tokens"))
            {
                Assert.True(AccessObject.TryParse(name, result.Model, out var obj, out var error), error);
                var who = closure.Who(obj!).Select(c => (c.Entry, string.Join("|", c.Path))).ToList();
                var all = result.Graph.Principals().SelectMany(p => closure.Of(p).Where(c => obj!.Matches(c.Entry))).Select(c => (c.Entry, string.Join("|", c.Path))).ToList();
                Assert.Equal(all, who);
            }
        }, iter: 800, seed: "0N0XIzNsQ0O2");
        // CsCheck draws new cases after the seed on every run, so each floor below is a bound on a random count and sits
        // far below what 800 draws give: over 45 runs of 800, acting-as paths were 333 to 527 (mean 402, sd 38, so the
        // former floor of 330 would fail about one run in 30; 200 is 5 sd down), standing-admin through acting as 96 to 152, admin-duration 8
        // to 32 (at 120 draws it was seen 0 times once), and every topology was valid.
        Assert.True(valid > 540, $"only {valid} of 800 random topologies were valid");
        Assert.True(withPaths > 200, $"only {withPaths} acting-as paths were exercised");
        Assert.True(judged[0] > 3 && judged[1] > 0, $"standing-admin through acting as {judged[0]} times, admin-duration {judged[1]} times");
    }
}
