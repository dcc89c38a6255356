using System.Text.Json;
using DatabricksAccess.Cli;
using DatabricksAccess.Topology.Evaluation;
using DatabricksAccess.Topology.Model;
using DatabricksAccess.Topology.Planning;
using Microsoft.Extensions.Time.Testing;
using static DatabricksAccess.Topology.Tests.TestSupport;

namespace DatabricksAccess.Topology.Tests;

/// <summary>
/// Issue 26.5: instants keep sub-second precision end to end (parsing <c>expires</c>/<c>starts</c>, <c>--now</c>, the
/// comparison, the output): an entry is active until the exact instant it expires and expired at it, and what is
/// printed says so. Each boundary is tried 1 ms before, at, and 1 ms after.
/// </summary>
public class SubSecondTests
{
    private const string Expires = "2026-12-01T18:00:00.001Z";
    private static readonly DateTimeOffset E = new(2026, 12, 1, 18, 0, 0, 1, TimeSpan.Zero);

    private const string Starts = "2026-12-01T08:00:00.5Z";
    private static readonly DateTimeOffset S = new(2026, 12, 1, 8, 0, 0, 500, TimeSpan.Zero);

    private static readonly string Stack = $$"""
        groups:
          analysts:
            members:
              - { principal: user:bob@contoso.com, expires: "{{Expires}}", reason: INC-1 }
              - { principal: user:cy@contoso.com, starts: "{{Starts}}", expires: "2026-12-02T00:00:00Z", reason: INC-2 }
        secretScopes:
          s: { acls: { group:analysts: READ } }
        """;

    private static readonly PrincipalRef Bob = PrincipalRef.User("bob@contoso.com");
    private static readonly PrincipalRef Cy = PrincipalRef.User("cy@contoso.com");

    [Theory]
    [InlineData(-1, true)]
    [InlineData(0, false)]
    [InlineData(1, false)]
    public void A_membership_is_active_until_the_exact_instant_it_expires(int ms, bool active)
    {
        var result = Evaluate(Stack, now: E.AddMilliseconds(ms));
        Assert.Equal(0, result.ExitCode);
        Assert.Equal(active, result.Model.Groups["analysts"].Members.Any(m => m.Principal == Bob));
        Assert.Equal(active, result.Access.Any(e => e.Principal == Bob && e.Kind == AccessKind.SecretScope));
        Assert.Equal(!active, result.Plan!.Expired.Any(e => e.Principal == Bob && e.Expires == E));
        if (active)
        {
            Assert.Equal(E, result.Access.Single(e => e.Principal == Bob && e.Kind == AccessKind.SecretScope).Until);
        }
    }

    [Theory]
    [InlineData(-1, true)]
    [InlineData(0, false)]
    [InlineData(1, false)]
    public void A_membership_with_starts_is_pending_until_the_exact_instant_it_starts(int ms, bool pending)
    {
        var result = Evaluate(Stack, now: S.AddMilliseconds(ms));
        Assert.Equal(pending, result.Model.Pending.Any(p => p.Principal == Cy && p.Starts == S));
        Assert.Equal(!pending, result.Access.Any(e => e.Principal == Cy && e.Kind == AccessKind.SecretScope));
    }

    [Theory]
    [InlineData(-1, 0)]
    [InlineData(0, 1)]
    [InlineData(1, 1)]
    public void A_policy_exception_applies_until_the_exact_instant_it_expires(int ms, int exit)
    {
        var result = Evaluate("""
            groups:
              admins:
                existing: true
                members: [user:root@contoso.com]
            """, policy: $"exceptions:\n  - {{ rule: standing-admin, principal: user:root@contoso.com, reason: SEC-1, expires: \"{Expires}\" }}\n", now: E.AddMilliseconds(ms));
        Assert.Equal(exit, result.ExitCode);
    }

    [Theory]
    [InlineData("2026-12-01T18:00:00Z", "2026-12-01T18:00:00Z", false)]
    [InlineData("2026-12-01T18:00:00.001Z", "2026-12-01T18:00:00.001Z", true)]
    [InlineData("2026-12-01T19:00:00.0020000+01:00", "2026-12-01T18:00:00.002Z", true)]
    public void The_plan_at_a_sub_second_now_prints_the_instants_it_compared(string now, string printed, bool expired)
    {
        var dir = Directory.CreateTempSubdirectory("dbx-access-ms-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "Pulumi.yaml"), "name: databricks-access\nruntime: dotnet\n");
            File.WriteAllText(Path.Combine(dir, "Pulumi.t.yaml"), StackYaml(Stack));
            string Run(string format)
            {
                var @out = new StringWriter();
                Assert.Equal(0, Program.Run(["plan", "--stack", "t", "--now", now, "--format", format], @out, new StringWriter(), new FakeTimeProvider(Now), dir));
                return @out.ToString();
            }

            var text = Run("text");
            Assert.Contains($"at {printed}:", text, StringComparison.Ordinal);
            // The expiry is printed with its millisecond, never rounded down to a second that equals (or precedes) now.
            Assert.Contains(Expires, text, StringComparison.Ordinal);
            Assert.DoesNotContain("2026-12-01T18:00:00Z  analysts", text, StringComparison.Ordinal);

            using var json = JsonDocument.Parse(Run("json"));
            var root = json.RootElement;
            var expiredBob = root.GetProperty("expired").EnumerateArray().Where(e => e.GetProperty("principal").GetString() == "user:bob@contoso.com").ToList();
            Assert.Equal(expired ? 1 : 0, expiredBob.Count);
            Assert.All(expiredBob, e => Assert.Equal(Expires, e.GetProperty("expires").GetString()));
            var until = root.GetProperty("access").EnumerateArray()
                .Where(e => e.GetProperty("principal").GetString() == "user:bob@contoso.com" && e.GetProperty("kind").GetString() == "secret-scope")
                .Select(e => e.GetProperty("until").GetString()).ToList();
            Assert.Equal(expired ? [] : [Expires], until);
            Assert.Contains(Run("markdown").Split('\n'), l => l.Contains(Expires, StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Theory]
    [InlineData("2026-12-01T18:00:00Z", "2026-12-01T18:00:00Z")]
    [InlineData("2026-12-01T18:00:00.1Z", "2026-12-01T18:00:00.1Z")]
    [InlineData("2026-12-01T18:00:00.001Z", "2026-12-01T18:00:00.001Z")]
    [InlineData("2026-12-01T18:00:00.0000001Z", "2026-12-01T18:00:00.0000001Z")]
    [InlineData("2026-12-01T20:00:00.250+02:00", "2026-12-01T18:00:00.25Z")]
    public void Parsing_and_formatting_keep_every_tick(string text, string formatted)
    {
        Assert.True(Instants.TryParse(text, out var value, out var error), error);
        Assert.Equal(formatted, Instants.Format(value));
        Assert.True(Instants.TryParse(formatted, out var again, out _));
        Assert.Equal(value, again);
    }

    [Fact]
    public void A_credential_keeper_stays_to_the_second_so_no_deployed_slot_is_replaced_by_the_format()
    {
        var slot = new CredentialSlot('a', "sp-x-token-a", new DateTimeOffset(2026, 11, 1, 0, 0, 0, 250, TimeSpan.Zero), new DateTimeOffset(2026, 12, 8, 0, 0, 0, TimeSpan.Zero), true);
        Assert.Equal("slot-a-2026-11-01T00:00:00Z", slot.Keeper);
    }
}
