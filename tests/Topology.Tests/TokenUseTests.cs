using System.Text.Json;
using DatabricksAccess.Cli;
using DatabricksAccess.Topology.Evaluation;
using DatabricksAccess.Topology.Model;
using Microsoft.Extensions.Time.Testing;
using static DatabricksAccess.Topology.Tests.TestSupport;

namespace DatabricksAccess.Topology.Tests;

/// <summary>
/// Issue 26.3: with <c>tokenUsage</c> the stack's token permission is authoritative, so the access matrix shows who
/// keeps token use: the listed principals and groups, their members (through nesting, until a membership ends), the
/// service principals that hold tokens, and workspace admins (CAN_MANAGE, which the provider always keeps).
/// </summary>
public class TokenUseTests
{
    private const string Stack = """
        tokenUsage: { canUse: [group:engineers, user:lead@contoso.com] }
        groups:
          engineers:
            members:
              - user:ann@contoso.com
              - principal: group:contractors
                expires: 2026-12-10T00:00:00Z
                reason: SOW-7
          contractors:
            members:
              - principal: user:cy@contoso.com
                expires: 2026-12-01T00:00:00Z
                reason: SOW-7a
          others:
            members: [user:dan@contoso.com]
          admins:
            existing: true
            members:
              - { principal: user:root@contoso.com, expires: 2026-11-26T00:00:00Z, reason: CHG-1 }
        servicePrincipals:
          bot: { token: { rotationDays: 30 } }
          plain: {}
        """;

    private static readonly string[] Expected =
    [
        "group:engineers CAN_USE direct standing",
        "user:ann@contoso.com CAN_USE engineers standing",
        "group:contractors CAN_USE engineers 2026-12-10T00:00:00Z",
        "user:cy@contoso.com CAN_USE engineers (through contractors) 2026-12-01T00:00:00Z",
        "user:lead@contoso.com CAN_USE direct standing",
        "sp:bot CAN_USE direct standing",
        "user:root@contoso.com CAN_MANAGE admins 2026-11-26T00:00:00Z",
    ];

    private static string? Optional(JsonElement e, string name) => e.TryGetProperty(name, out var v) ? v.GetString() : null;

    private static string Row(AccessEntry e) =>
        $"{e.Principal} {e.Permission} {e.Via ?? "direct"} {(e.Until is { } u ? u.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture) : "standing")}";

    [Fact]
    public void Every_token_user_is_in_the_matrix_with_the_path_and_end_of_its_use()
    {
        var result = Evaluate(Stack);
        Assert.Equal([], Lines(result, Severity.Error));
        Assert.Equal(0, result.ExitCode);
        var tokens = result.Access.Where(e => e.Kind == AccessKind.Tokens).ToList();
        Assert.All(tokens, e => Assert.Equal("tokens", e.Resource));
        Assert.Equal(Expected.Order(StringComparer.Ordinal), tokens.Select(Row).Order(StringComparer.Ordinal));
        // Not listed, not a member, no token: no token use.
        Assert.DoesNotContain(tokens, e => e.Principal == PrincipalRef.User("dan@contoso.com") || e.Principal == PrincipalRef.Sp("plain") || e.Principal == PrincipalRef.Group("others"));
    }

    [Fact]
    public void Without_token_usage_the_matrix_says_nothing_about_tokens()
    {
        var result = Evaluate(Stack.Edit("tokenUsage: { canUse: [group:engineers, user:lead@contoso.com] }\n", string.Empty));
        Assert.NotEmpty(result.Access);
        Assert.DoesNotContain(result.Access, e => e.Kind == AccessKind.Tokens);
    }

    [Fact]
    public void Token_use_ends_with_the_membership_that_gives_it()
    {
        var cy = PrincipalRef.User("cy@contoso.com");
        var before = Evaluate(Stack, now: new DateTimeOffset(2026, 11, 30, 23, 59, 59, 999, TimeSpan.Zero));
        Assert.Contains(before.Access, e => e.Principal == cy && e.Kind == AccessKind.Tokens);
        var at = Evaluate(Stack, now: new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero));
        Assert.DoesNotContain(at.Access, e => e.Principal == cy && e.Kind == AccessKind.Tokens);
        Assert.Contains(at.Access, e => e.Principal == PrincipalRef.User("ann@contoso.com") && e.Kind == AccessKind.Tokens);
    }

    [Fact]
    public void The_plan_shows_token_use_in_every_format()
    {
        var dir = Directory.CreateTempSubdirectory("dbx-access-tokens-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "Pulumi.yaml"), "name: databricks-access\nruntime: dotnet\n");
            File.WriteAllText(Path.Combine(dir, "Pulumi.t.yaml"), StackYaml(Stack));
            string Run(string format)
            {
                var @out = new StringWriter();
                Assert.Equal(0, Program.Run(["plan", "--stack", "t", "--format", format], @out, new StringWriter(), new FakeTimeProvider(Now), dir));
                return @out.ToString();
            }

            var text = Run("text").Split('\n');
            // Text: a principal's heading, then its rows.
            string? who = null;
            var textRows = new List<string>();
            foreach (var line in text)
            {
                if (line.StartsWith("  ", StringComparison.Ordinal) && !line.StartsWith("    ", StringComparison.Ordinal) && line.Contains(" (", StringComparison.Ordinal))
                {
                    who = line.Trim().Split(' ')[0];
                }
                else if (line.StartsWith("    Tokens ", StringComparison.Ordinal))
                {
                    textRows.Add($"{who} {line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[2]}");
                }
            }

            var byPermission = Expected.Select(e => string.Join(' ', e.Split(' ')[..2])).Order(StringComparer.Ordinal).ToList();
            Assert.Equal(byPermission, textRows.Order(StringComparer.Ordinal));

            var markdown = Run("markdown").Split('\n').Where(l => l.Contains("| Tokens |", StringComparison.Ordinal)).ToList();
            Assert.Equal(Expected.Length, markdown.Count);
            Assert.Contains(markdown, l => l.Contains("`user:cy@contoso.com` | Tokens | tokens | CAN\\_USE | engineers (through contractors) | 2026-12-01T00:00:00Z | SOW-7a |", StringComparison.Ordinal));
            Assert.Contains(markdown, l => l.Contains("`sp:bot` | Tokens | tokens | CAN\\_USE | direct | standing |", StringComparison.Ordinal));

            using var json = JsonDocument.Parse(Run("json"));
            var rows = json.RootElement.GetProperty("access").EnumerateArray().Where(e => e.GetProperty("kind").GetString() == "tokens")
                .Select(e => $"{e.GetProperty("principal").GetString()} {e.GetProperty("permission").GetString()} {Optional(e, "via") ?? "direct"} {Optional(e, "until") ?? "standing"}")
                .Order(StringComparer.Ordinal).ToList();
            Assert.Equal(Expected.Order(StringComparer.Ordinal), rows);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
