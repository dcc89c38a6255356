using DatabricksAccess.Topology.Evaluation;
using DatabricksAccess.Topology.Model;
using static DatabricksAccess.Topology.Tests.TestSupport;

namespace DatabricksAccess.Topology.Tests;

public class ValidationTests
{
    [Fact]
    public void Every_error_is_reported_at_once_with_its_config_path()
    {
        var result = Evaluate("""
            groups:
              data-scientists:
                entitlements: [workspace-access, fly-to-the-moon]
                members:
                  - user:alice@contoso.com
                  - root:bob
                  - group:nope
                  - principal: user:carol@contoso.com
                    expires: 2026-12-01
                    reason: INC-1
              Data-Scientists: {}
            secretScopes:
              app:
                acls:
                  sp:ghost: READ
                  group:data-scientists: OWN
            """);

        Assert.False(result.IsValid);
        Assert.Equal(2, result.ExitCode);
        Assert.Equal(
            [
                "topology.groups.data-scientists.entitlements[1]: 'fly-to-the-moon' is not an entitlement; entitlements: workspace-access, databricks-sql-access, allow-cluster-create, allow-instance-pool-create, workspace-consume",
                "topology.groups.data-scientists.members[1]: 'root:bob' has unknown principal kind 'root'; expected user, group, sp or webapp",
                "topology.groups.data-scientists.members[3].expires: '2026-12-01' must be an ISO-8601 timestamp with a time zone, such as 2026-12-01T18:00:00Z",
                "topology.groups.Data-Scientists: duplicate group key 'Data-Scientists' (same as 'data-scientists' after normalisation)",
                "topology.secretScopes.app.acls[\"group:data-scientists\"]: 'OWN' is not a secret permission; use READ, WRITE or MANAGE",
                "topology.groups.data-scientists.members[2]: member group:nope is not declared in topology.groups",
                "topology.secretScopes.app.acls[\"sp:ghost\"]: ACL principal sp:ghost is not declared in topology.servicePrincipals",
            ],
            Lines(result));
    }

    [Theory]
    [InlineData("2026-12-01T18:00:00", false)]
    [InlineData("2026-12-01 18:00", false)]
    [InlineData("2026-12-01T18:00:00Z", true)]
    [InlineData("2026-12-01T19:00:00+01:00", true)]
    public void Timestamps_need_a_time_zone(string expires, bool valid)
    {
        var result = Evaluate($$"""
            groups:
              g:
                members:
                  - { principal: "user:a@contoso.com", expires: "{{expires}}", reason: r }
            """);
        Assert.Equal(valid, result.IsValid);
        if (valid)
        {
            Assert.Equal(new DateTimeOffset(2026, 12, 1, 18, 0, 0, TimeSpan.Zero), result.Model.Groups["g"].Members[0].Expires);
        }
    }

    [Fact]
    public void Secret_values_in_plain_config_are_rejected_and_never_echoed()
    {
        var result = Evaluate("""
            secretScopes:
              app:
                secrets:
                  a: hunter2-plain-text
                  b: { value: hunter3-plain-text }
                  c: { config: fromConfig }
                  d: { generate: 8 }
                  e: { generate: 32, config: both }
            """, extra: "  databricks-access:fromConfig: plain-text-hunter4\n");

        var lines = Lines(result);
        Assert.Equal(
            [
                "topology.secretScopes.app.secrets.a: secret values must not be written in plain config; use { config: <secret config key> } or { generate: <length> }",
                "topology.secretScopes.app.secrets.b.value: secret values must not be written in plain config; use { config: <secret config key> } and `pulumi config set --secret`",
                "topology.secretScopes.app.secrets.d.generate: 8 is out of range (16 to 128)",
                "topology.secretScopes.app.secrets.e: give exactly one of config (a secret stack config key) or generate (a length)",
                "topology.secretScopes.app.secrets.c.config: config key 'fromConfig' holds a secret value in plain text; set it with `pulumi config set --secret fromConfig <value>`",
            ],
            lines);
        Assert.DoesNotContain(lines, l => l.Contains("hunter", StringComparison.Ordinal));
    }

    [Fact]
    public void A_secret_config_key_must_be_set_and_secure()
    {
        var missing = Evaluate("""
            secretScopes:
              app:
                secrets:
                  api: { config: apiToken }
            """);
        Assert.Equal(["topology.secretScopes.app.secrets.api.config: config key 'apiToken' is not set; run `pulumi config set --secret apiToken <value>`"], Lines(missing));

        var secure = Evaluate("""
            secretScopes:
              app:
                secrets:
                  api: { config: apiToken }
            """, extra: "  databricks-access:apiToken:\n    secure: AAABAJ5=\n");
        Assert.True(secure.IsValid);
    }

    [Fact]
    public void Token_store_must_name_a_declared_databricks_scope_and_a_free_key()
    {
        var result = Evaluate("""
            servicePrincipals:
              ci:
                token: { lifetimeDays: 30, rotationDays: 25, store: nowhere/ci-token }
              ci2:
                token: { rotationDays: 20, store: app/taken }
            secretScopes:
              app:
                secrets:
                  taken: { generate: 32 }
            """);
        Assert.Equal(
            [
                "topology.servicePrincipals.ci.token.store: secret scope 'nowhere' is not declared in topology.secretScopes",
                "topology.servicePrincipals.ci2.token.store: secret 'taken' in scope 'app' is already declared at topology.secretScopes.app.secrets.taken",
            ],
            Lines(result, Severity.Error));
    }

    [Fact]
    public void Privileges_must_exist_and_apply_to_the_securable_kind()
    {
        var result = Evaluate("""
            servicePrincipals:
              conn: {}
            catalogGrants:
              - on: schema:main.default
                to: sp:conn
                privileges: [USE_SCHEMA, USE_CATALOG, TELEPORT]
              - on: table:main.default
                to: sp:conn
                privileges: [SELECT]
              - on: warehouse:x
                to: sp:conn
                privileges: [SELECT]
            """);
        var lines = Lines(result);
        Assert.Equal(4, lines.Length);
        Assert.StartsWith("topology.catalogGrants[0].privileges[1]: privilege 'USE_CATALOG' does not apply to a schema; it takes: ALL_PRIVILEGES, ", lines[0], StringComparison.Ordinal);
        Assert.Equal("topology.catalogGrants[0].privileges[2]: 'TELEPORT' is not a Unity Catalog privilege", lines[1]);
        Assert.Equal("topology.catalogGrants[1].on: 'table:main.default': a table name has 3 dot-separated part(s)", lines[2]);
        Assert.StartsWith("topology.catalogGrants[2].on: 'warehouse:x' is not a securable", lines[3], StringComparison.Ordinal);
    }

    [Fact]
    public void Group_nesting_cycles_are_errors_naming_the_cycle()
    {
        var result = Evaluate("""
            groups:
              a: { members: [group:b] }
              b: { members: [group:c] }
              c: { members: [group:a] }
              d: { members: [group:d] }
            """);
        Assert.Equal(
            [
                "topology.groups.c.members[0]: group nesting cycle: a -> c -> b -> a",
                "topology.groups.d.members[0]: group 'd' cannot be a member of itself",
            ],
            Lines(result).OrderBy(l => l, StringComparer.Ordinal).ToArray());
    }

    [Fact]
    public void Unknown_keys_and_wrong_shapes_are_errors()
    {
        var result = Evaluate("""
            groups:
              g:
                membrs: [user:a@contoso.com]
            jobs:
              j:
                notebook: relative/path
                runAs: group:g
            webApps: [not-a-map]
            """);
        Assert.Equal(
            [
                "topology.groups.g.membrs: unknown key 'membrs'; did you mean 'members'?; allowed keys: displayName, existing, source, level, workspaceAccess, entitlements, members",
                "topology.jobs.j.notebook: 'relative/path' must be an absolute workspace path such as /Shared/etl/nightly (no '.' or '..' parts)",
                "topology.jobs.j.runAs: a job runs as a user or a service principal, not a group",
                "topology.webApps: expected a map, found a list",
            ],
            Lines(result).OrderBy(l => l, StringComparer.Ordinal).ToArray());
    }

    [Fact]
    public void Built_in_groups_are_only_looked_up()
    {
        var result = Evaluate("""
            groups:
              admins:
                members: [user:a@contoso.com]
            """);
        Assert.Contains("topology.groups.admins.existing: 'admins' is a built-in workspace group: it is looked up, never created or deleted; set existing: true", Lines(result));
    }

    [Fact]
    public void A_missing_topology_is_an_error()
    {
        var result = TopologyEvaluator.Evaluate(Config.StackFile.Parse("config: {}\n", "x.yaml").ToInput(), Now);
        Assert.Equal(["topology: is required"], Lines(result));
    }
}
