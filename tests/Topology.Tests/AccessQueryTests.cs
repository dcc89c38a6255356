using System.Text.Json;
using DatabricksAccess.Cli;
using DatabricksAccess.Topology.Evaluation;
using DatabricksAccess.Topology.Model;
using Microsoft.Extensions.Time.Testing;
using static DatabricksAccess.Topology.Tests.TestSupport;

namespace DatabricksAccess.Topology.Tests;

/// <summary>Issue 28: the <c>access</c> verb, the Acting as section, the diff of a target's own access, multi-hop policy.</summary>
public sealed class AccessQueryTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("dbx-access-query-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    // ann (until Dec 1, INC-1) reads the scope holding reporter's secret; reporter runs the job that runs as loader;
    // loader holds SELECT on the schema main.sales; bob holds the token use.
    private const string Stack = """
        servicePrincipals:
          reporter: { entitlements: [workspace-access], oauthSecret: { rotationDays: 30, store: app/reporter-oauth } }
          loader: { entitlements: [allow-cluster-create] }
        groups:
          analysts:
            members: [{ principal: user:ann@contoso.com, expires: 2026-12-01T00:00:00Z, reason: INC-1 }, user:cy@contoso.com]
          readers:
            members: [group:analysts]
        secretScopes:
          app: { acls: { group:readers: READ } }
        jobs:
          nightly: { notebook: /Shared/n, runAs: sp:loader, canManageRun: [sp:reporter] }
        catalogGrants:
          - { on: "schema:main.sales", to: sp:loader, privileges: [USE_SCHEMA, SELECT] }
          - { on: "catalog:main", to: sp:loader, privileges: [USE_CATALOG] }
        tokenUsage: { canUse: [user:bob@contoso.com] }
        """;

    private string Write(string name, string topology, string? policy = null)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, StackYaml(topology, policy));
        return path;
    }

    private (int Code, string Out, string Err) Run(params string[] args)
    {
        var @out = new StringWriter();
        var err = new StringWriter();
        var code = Program.Run(args, @out, err, new FakeTimeProvider(Now), _dir);
        return (code, @out.ToString(), err.ToString());
    }

    [Fact]
    public void Who_can_read_a_table_names_every_principal_with_its_path_expiry_and_reason()
    {
        var file = Write("Pulumi.q.yaml", Stack);
        var (code, json, err) = Run("access", "--file", file, "--object", "table:main.sales.orders", "--format", "json");
        Assert.True(code == 0, err);
        using var doc = JsonDocument.Parse(json);
        Assert.Equal("table:main.sales.orders", doc.RootElement.GetProperty("subject").GetString());
        var entries = doc.RootElement.GetProperty("entries").EnumerateArray().ToList();

        // ann: through analysts (until Dec 1) in readers, READ on app storing reporter's secret, reporter runs the job as loader.
        var ann = Assert.Single(entries, e => e.GetProperty("principal").GetString() == "user:ann@contoso.com" && e.GetProperty("permission").GetString() == "SELECT");
        Assert.Equal(("schema:main.sales", "2026-12-01T00:00:00Z", "INC-1"),
            (ann.GetProperty("object").GetString(), ann.GetProperty("until").GetString(), ann.GetProperty("reason").GetString()));
        Assert.Equal(
            [
                "member user:ann@contoso.com group:analysts",
                "nested group:analysts group:readers",
                "acts-as user:ann@contoso.com sp:reporter",
                "acts-as sp:reporter sp:loader",
                "grant sp:loader schema:main.sales",
                "inherits schema:main.sales table:main.sales.orders",
            ],
            ann.GetProperty("path").EnumerateArray().Select(s => $"{s.GetProperty("kind").GetString()} {s.GetProperty("from").GetString()} {s.GetProperty("to").GetString()}"));
        Assert.Equal("READ on scope app, which stores its OAuth secret (topology.secretScopes.app.acls[\"group:readers\"])", ann.GetProperty("path")[2].GetProperty("via").GetString());
        Assert.Equal("CAN_MANAGE_RUN on job nightly, which runs as it (topology.jobs.nightly)", ann.GetProperty("path")[3].GetProperty("via").GetString());

        // cy: the same, standing; loader itself directly; bob holds only token use; USE_CATALOG comes from the catalog.
        Assert.False(Assert.Single(entries, e => e.GetProperty("principal").GetString() == "user:cy@contoso.com" && e.GetProperty("permission").GetString() == "SELECT").TryGetProperty("until", out _));
        Assert.Contains(entries, e => e.GetProperty("principal").GetString() == "sp:loader" && e.GetProperty("object").GetString() == "catalog:main" && e.GetProperty("permission").GetString() == "USE_CATALOG");
        Assert.DoesNotContain(entries, e => e.GetProperty("principal").GetString() == "user:bob@contoso.com");
    }

    [Fact]
    public void Every_format_lists_the_same_entries_and_the_principal_query_agrees_with_the_object_query()
    {
        var file = Write("Pulumi.q.yaml", Stack);
        var json = Run("access", "--file", file, "--object", "scope:app", "--format", "json").Out;
        var text = Run("access", "--file", file, "--object", "scope:app").Out;
        var markdown = Run("access", "--file", file, "--object", "scope:app", "--format", "markdown").Out;
        using var doc = JsonDocument.Parse(json);
        var entries = doc.RootElement.GetProperty("entries").EnumerateArray()
            .Select(e => (Principal: e.GetProperty("principal").GetString()!, Permission: e.GetProperty("permission").GetString()!)).ToList();
        Assert.Equal(["group:analysts", "group:readers", "user:ann@contoso.com", "user:cy@contoso.com"], entries.Select(e => e.Principal).Order(StringComparer.Ordinal));
        Assert.StartsWith($"Access: scope:app in {file} at 2026-11-25T12:00:00Z: {entries.Count} entries", text, StringComparison.Ordinal);
        Assert.Contains($"{entries.Count} entries", markdown, StringComparison.Ordinal);
        foreach (var (principal, permission) in entries)
        {
            Assert.Contains($"  {principal}  {permission} on scope:app", text, StringComparison.Ordinal);
            Assert.Contains($"| {Escape.Code(principal, inTable: true)} | `scope:app` | {permission} |", markdown, StringComparison.Ordinal);

            // The same entry from the principal's side.
            using var mine = JsonDocument.Parse(Run("access", "--file", file, "--principal", principal, "--format", "json").Out);
            Assert.Contains(mine.RootElement.GetProperty("entries").EnumerateArray(), e => e.GetProperty("object").GetString() == "scope:app" && e.GetProperty("permission").GetString() == permission);
        }
    }

    [Fact]
    public void Tokens_lists_declared_users_and_admins_and_says_when_token_use_is_unmanaged()
    {
        var file = Write("Pulumi.q.yaml", Stack);
        using var doc = JsonDocument.Parse(Run("access", "--file", file, "--object", "tokens", "--format", "json").Out);
        var entries = doc.RootElement.GetProperty("entries").EnumerateArray().Select(e => $"{e.GetProperty("principal").GetString()} {e.GetProperty("permission").GetString()}").ToList();
        Assert.Contains("user:bob@contoso.com CAN_USE", entries);
        Assert.False(doc.RootElement.TryGetProperty("note", out _));

        var unmanaged = Write("Pulumi.u.yaml", Stack.Edit("tokenUsage: { canUse: [user:bob@contoso.com] }", string.Empty));
        var (code, @out, _) = Run("access", "--file", unmanaged, "--object", "tokens");
        Assert.Equal(0, code);
        Assert.Contains("note: token permissions are not managed by this stack", @out, StringComparison.Ordinal);
        Assert.DoesNotContain("user:bob@contoso.com", @out, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--object", "scope:nope", "--object: no secret scope 'nope' in the stack")]
    [InlineData("--object", "table:main.sales", "--object: 'table:main.sales' needs 3 dot-separated name part(s)")]
    [InlineData("--principal", "sp:nobody", "--principal: sp:nobody is not in the stack")]
    [InlineData("--principal", "nobody", "--principal: 'nobody' is not a principal reference")]
    public void An_unknown_object_or_principal_is_one_line_and_exit_two(string option, string value, string message)
    {
        var file = Write("Pulumi.q.yaml", Stack);
        var (code, @out, err) = Run("access", "--file", file, option, value);
        Assert.Equal((2, string.Empty), (code, @out));
        // After the stack's own warnings, one line.
        Assert.StartsWith(message, err.TrimEnd('\n').Split('\n')[^1], StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", err, StringComparison.Ordinal);
        Assert.Equal(2, Run("access", "--file", file).Code);
        Assert.Equal(2, Run("access", "--file", file, "--principal", "sp:loader", "--object", "workspace").Code);
    }

    [Fact]
    public void Access_exits_like_plan_one_on_violations_and_still_answers()
    {
        var file = Write("Pulumi.v.yaml", Stack);
        var violating = Write("Pulumi.w.yaml", Stack.Edit("group:readers: READ", "group:users: READ"));
        Assert.Equal(0, Run("access", "--file", file, "--object", "workspace").Code);
        var (code, @out, err) = Run("access", "--file", violating, "--object", "scope:app");
        Assert.Equal(1, code);
        Assert.Contains("all-users-access", err, StringComparison.Ordinal);
        Assert.Contains("user:ann@contoso.com  READ on scope:app", @out, StringComparison.Ordinal);
        Assert.Equal(2, Run("access", "--file", Write("Pulumi.bad.yaml", "groups: { g: { members: [nobody] } }"), "--object", "workspace").Code);
    }

    [Fact]
    public void A_chain_to_an_admin_level_principal_is_judged_like_a_direct_path()
    {
        // ann reads the scope holding reporter's secret; reporter may run the job that runs as the admin ops.
        var result = Evaluate("""
            servicePrincipals:
              reporter: { oauthSecret: { rotationDays: 30, store: app/reporter-oauth } }
              ops: { entitlements: [workspace-access] }
            groups:
              admins: { existing: true, members: [sp:ops] }
            secretScopes:
              app: { acls: { user:ann@contoso.com: READ } }
            jobs:
              nightly: { notebook: /Shared/n, runAs: sp:ops, canManageRun: [sp:reporter] }
            """, policy: "standingAdmins: [sp:ops]");
        var line = Assert.Single(Lines(result, Severity.Violation));
        Assert.Equal(
            "topology.secretScopes.app.acls[\"user:ann@contoso.com\"]: policy standing-admin: user:ann@contoso.com can act as sp:reporter (READ on scope app, which stores its OAuth secret), which can act as admin-level sp:ops (CAN_MANAGE_RUN on job nightly, which runs as it (sp:ops)) with no expiry: that is standing admin access; remove the path, make it time-bound, or list user:ann@contoso.com in policy.standingAdmins",
            line);
        var admin = Assert.Single(result.Closure!.Of(PrincipalRef.User("ann@contoso.com")), c => c.Entry.Kind == AccessKind.Workspace && c.Entry.Permission == "ADMIN");
        Assert.Equal(("acting as sp:ops", (DateTimeOffset?)null), (admin.Entry.Via, admin.Entry.Until));
    }

    [Fact]
    public void A_targets_own_change_is_one_diff_line_with_how_many_can_act_as_it()
    {
        var before = Write("Pulumi.b.yaml", Stack);
        var after = Write("Pulumi.h.yaml", Stack.Edit("privileges: [USE_SCHEMA, SELECT]", "privileges: [USE_SCHEMA, SELECT, MODIFY]"));
        var (code, @out, err) = Run("diff", "--base", before, "--head", after, "--now", "2026-11-25T12:00:00Z");
        Assert.True(code == 0, err);
        var lines = @out.Split('\n').Where(l => l.StartsWith("  ", StringComparison.Ordinal)).ToList();

        // sp:loader is acted as by ann, cy, analysts, readers and reporter: one line, not five.
        Assert.Equal(["  + sp:loader gains MODIFY on schema:main.sales (5 principal(s) can act as sp:loader: they get it too)"], lines);
        using var doc = JsonDocument.Parse(Run("diff", "--base", before, "--head", after, "--format", "json").Out);
        Assert.Equal(5, Assert.Single(doc.RootElement.GetProperty("changes").EnumerateArray()).GetProperty("actedAsBy").GetInt32());
    }

    [Fact]
    public void The_acting_as_section_says_once_per_target_what_it_reaches_in_every_format()
    {
        var file = Write("Pulumi.q.yaml", Stack);
        var text = Run("plan", "--file", file).Out;
        var markdown = Run("plan", "--file", file, "--format", "markdown").Out;
        using var doc = JsonDocument.Parse(Run("plan", "--file", file, "--format", "json").Out);
        const string Loader = "not admin-level; 1 entitlements, 3 catalog privileges";
        Assert.Contains($"  sp:loader: {Loader}; 5 can act as it:", text, StringComparison.Ordinal);
        Assert.Contains($"- `sp:loader`: {Escape.Markdown(Loader)}; 5 can act as it", markdown, StringComparison.Ordinal);
        var rows = doc.RootElement.GetProperty("actingAs").EnumerateArray().ToList();
        Assert.Equal(5, rows.Count(r => r.GetProperty("actsAs").GetString() == "sp:loader"));
        var target = rows.First(r => r.GetProperty("actsAs").GetString() == "sp:loader").GetProperty("target");
        Assert.Equal((false, 3, Loader), (target.GetProperty("adminLevel").GetBoolean(), target.GetProperty("privileges").GetProperty("catalog privileges").GetInt32(), target.GetProperty("text").GetString()));

        // The matrix holds the edges, not loader's grants in its actors' rows.
        var access = doc.RootElement.GetProperty("access").EnumerateArray().ToList();
        Assert.Contains(access, e => e.GetProperty("principal").GetString() == "user:ann@contoso.com" && e.GetProperty("resource").GetString() == "sp:loader");
        Assert.DoesNotContain(access, e => e.GetProperty("principal").GetString() != "sp:loader" && e.GetProperty("resource").GetString() == "schema:main.sales");
        Assert.Equal(rows.Count, access.Count(e => e.GetProperty("kind").GetString() == "act-as"));
        Assert.Equal(rows.Count, text.Split('\n').Count(l => l.StartsWith("    ", StringComparison.Ordinal) && l.Contains(" can act as ", StringComparison.Ordinal)));
        Assert.Equal(rows.Count, markdown.Split('\n').Count(l => l.StartsWith("  - ", StringComparison.Ordinal) && l.Contains(" can act as ", StringComparison.Ordinal)));
    }
}
