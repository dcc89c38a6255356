using CsCheck;
using DatabricksAccess.Topology.Evaluation;
using DatabricksAccess.Topology.Model;
using DatabricksAccess.Topology.Planning;
using static DatabricksAccess.Topology.Tests.TestSupport;

namespace DatabricksAccess.Topology.Tests;

/// <summary>
/// Issue 33: the closure, expiry and rotation logic against independent oracles written here from the rules, not
/// from the code: a brute-force enumeration of every membership path, and a walk over rotation instants. The
/// generators aim at the boundaries on purpose: expiries at now and 1 ms either side, <c>starts</c> at now and
/// 1 ms either side, equal expiries (a small set of instants, so they repeat), nested groups with expiries, and
/// clocks at a rotation instant and 1 ms either side.
/// </summary>
public class OracleTests
{
    /// <summary>Offsets from now an expiry takes; null is standing. Several are equal on purpose.</summary>
    private static readonly TimeSpan?[] ExpiryOffsets =
    [
        null, null, TimeSpan.FromMilliseconds(-1), TimeSpan.Zero, TimeSpan.FromMilliseconds(1),
        TimeSpan.FromHours(1), TimeSpan.FromHours(1), TimeSpan.FromHours(2), TimeSpan.FromHours(1) + TimeSpan.FromMilliseconds(1),
    ];

    /// <summary>Offsets from now a <c>starts</c> takes; null is none.</summary>
    private static readonly TimeSpan?[] StartOffsets =
        [null, null, null, TimeSpan.FromHours(-3), TimeSpan.FromMilliseconds(-1), TimeSpan.Zero, TimeSpan.FromMilliseconds(1), TimeSpan.FromMinutes(30)];

    private sealed record Edge(string Member, string Group, DateTimeOffset? Starts, DateTimeOffset? Expires);

    [Fact]
    public void Group_closure_and_effective_access_equal_a_brute_force_path_enumeration_property()
    {
        // Groups g0..g(n-1); g_i may be a member of any g_j with j > i (nesting without cycles); two users join groups.
        var edge = Gen.Select(Gen.Int[0, 2], Gen.Int[0, ExpiryOffsets.Length - 1], Gen.Int[0, StartOffsets.Length - 1]);
        Gen.Select(Gen.Int[2, 5], edge.Array[10], edge.Array[6], Gen.Int[0, 4]).Sample((n, groupEdges, userEdges, holder) =>
        {
            var edges = new List<Edge>();
            void Add(string member, string group, (int Present, int Expiry, int Start) e)
            {
                if (e.Present == 0 || edges.Any(x => x.Member == member && x.Group == group))
                {
                    return;
                }

                var expires = ExpiryOffsets[e.Expiry] is { } x ? Now + x : (DateTimeOffset?)null;
                var starts = StartOffsets[e.Start] is { } s ? Now + s : (DateTimeOffset?)null;
                if (starts is { } st && (expires is not { } ex || st >= ex))
                {
                    starts = null; // a starts needs an expires after it
                }

                edges.Add(new Edge(member, group, starts, expires));
            }

            var k = 0;
            for (var i = 0; i < n; i++)
            {
                for (var j = i + 1; j < n && k < groupEdges.Length; j++, k++)
                {
                    Add($"group:g{i}", $"g{j}", groupEdges[k]);
                }
            }

            for (var u = 0; u < userEdges.Length; u++)
            {
                Add($"user:u{u % 2}@contoso.com", $"g{u % n}", userEdges[u]);
            }

            var holderGroup = $"g{holder % n}";
            var result = Evaluate(Config(n, edges, holderGroup), policy: "allowAllUsersAcl: true");
            Assert.True(result.Plan is not null, string.Join("\n", Lines(result)));

            var principals = Enumerable.Range(0, n).Select(i => $"group:g{i}").Concat(["user:u0@contoso.com", "user:u1@contoso.com"]);
            foreach (var principal in principals)
            {
                var expected = Reach(principal, edges);
                var p = PrincipalRef.TryParse(principal, out var parsed, out _) ? parsed : throw new InvalidOperationException(principal);
                var actual = result.Access.Where(e => e.Principal == p && e.Kind == AccessKind.Group).ToDictionary(e => e.Resource, e => e.Until);
                Assert.Equal(expected.OrderBy(x => x.Key, StringComparer.Ordinal), actual.OrderBy(x => x.Key, StringComparer.Ordinal));

                // The scope's READ goes to the holder's members for exactly as long as they reach it.
                var read = result.Access.SingleOrDefault(e => e.Principal == p && e.Kind == AccessKind.SecretScope);
                var holds = principal == $"group:{holderGroup}" ? (true, (DateTimeOffset?)null) : expected.TryGetValue(holderGroup, out var until) ? (true, until) : (false, null);
                Assert.Equal(holds, (read is not null, read?.Until));
            }
        }, iter: 300);
    }

    [Fact]
    public void The_current_rotation_slot_equals_a_walk_over_rotation_instants_property()
    {
        // Clocks at a rotation instant and 1 ms either side, and anywhere in between.
        var near = Gen.Select(Gen.Int[2, 60], Gen.Int[-50, 50], Gen.Int[0, 3], Gen.Long[0, TimeSpan.TicksPerDay * 60]);
        near.Sample((days, step, where, anywhere) =>
        {
            var period = TimeSpan.FromDays(days);
            // A rotation instant near the test's now, found by walking from the epoch (no division).
            var instant = DateTimeOffset.UnixEpoch;
            while (instant + period <= Now)
            {
                instant += period;
            }

            instant += period * step;
            var now = where switch
            {
                0 => instant.AddMilliseconds(-1),
                1 => instant,
                2 => instant.AddMilliseconds(1),
                _ => instant + TimeSpan.FromTicks(anywhere % period.Ticks),
            };

            var result = Evaluate($"servicePrincipals:\n  bot: {{ token: {{ rotationDays: {days}, overlapDays: 1 }} }}\n", policy: "maxRotationDays: 365\nmaxTokenLifetimeDays: 400\n", now: now);
            var token = result.Plan!.ServicePrincipals.Single().Token!;

            // Oracle: the last instant epoch + k·R at or before now, and k's parity names the slot.
            var (issued, index) = (DateTimeOffset.UnixEpoch, 0L);
            var stride = period * 256;
            while (issued + stride <= now)
            {
                (issued, index) = (issued + stride, index + 256);
            }

            while (issued + period <= now)
            {
                (issued, index) = (issued + period, index + 1);
            }

            Assert.Equal((index % 2 == 0 ? 'a' : 'b', issued, issued + TimeSpan.FromDays(days + 1)), (token.Current.Slot, token.Current.Issued, token.Current.Expires));
            Assert.Equal(issued + period, token.NextRotation);
        }, iter: 300);
    }

    /// <summary>
    /// The oracle: every path from <paramref name="principal"/> up the membership edges active now (started at or
    /// before now, expiring after it). A path lasts until the earliest expiry on it; a group is reached for as
    /// long as its longest-lived path (standing is longest).
    /// </summary>
    private static Dictionary<string, DateTimeOffset?> Reach(string principal, List<Edge> edges)
    {
        var active = edges.Where(e => (e.Starts is not { } s || s <= Now) && (e.Expires is not { } x || x > Now)).ToList();
        var best = new Dictionary<string, DateTimeOffset?>(StringComparer.Ordinal);
        void Walk(string from, DateTimeOffset? until, HashSet<string> seen)
        {
            foreach (var e in active.Where(e => e.Member == from && !seen.Contains(e.Group)))
            {
                var end = e.Expires is not { } x ? until : until is not { } u ? x : (x < u ? x : u);
                if (!best.TryGetValue(e.Group, out var have) || (have is { } h && (end is null || end > h)))
                {
                    best[e.Group] = end;
                }

                Walk($"group:{e.Group}", end, [.. seen, e.Group]);
            }
        }

        Walk(principal, null, []);
        return best;
    }

    private static string Config(int n, List<Edge> edges, string holder)
    {
        string Entry(Edge e) => e.Expires is null
            ? $"\"{e.Member}\""
            : $"{{ principal: \"{e.Member}\", expires: \"{Instants.Format(e.Expires.Value)}\"{(e.Starts is { } s ? $", starts: \"{Instants.Format(s)}\"" : "")}, reason: r }}";
        var groups = string.Concat(Enumerable.Range(0, n).Select(i =>
            $"  g{i}:\n    members: [{string.Join(", ", edges.Where(e => e.Group == $"g{i}").Select(Entry))}]\n"));
        return $"groups:\n{groups}secretScopes:\n  s: {{ acls: {{ group:{holder}: READ }} }}\n";
    }
}
