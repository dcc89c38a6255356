using System.Diagnostics;
using System.Globalization;
using System.Text;
using Xunit.Abstractions;

namespace DatabricksAccess.Live.Tests;

/// <summary>
/// The audit of a generated estate against the fake, counting calls and wall time. The normal suite runs a small
/// estate (the call count is exact); <c>AUDIT_SCALE_USERS=5000 AUDIT_SCALE_GROUPS=500</c> runs the figures in docs/audit.md.
/// </summary>
[Trait("Category", "Scale")]
public sealed class ScaleTests(ITestOutputHelper output) : IDisposable
{
    private readonly Fixture _f = new();

    public void Dispose() => _f.Dispose();

    private static int Env(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v > 0 ? v : fallback;

    [Fact]
    public void A_generated_estate_is_read_with_one_GET_per_page_and_per_declared_group()
    {
        var users = Env("AUDIT_SCALE_USERS", 120);
        var groups = Env("AUDIT_SCALE_GROUPS", 12);
        const int MembersPerGroup = 10;
        var fake = _f.Fake;
        fake.Users.Clear();
        fake.AccountUsers.Clear();
        fake.Groups.Clear();
        fake.AccountGroups.Clear();
        fake.Assignments.Clear();
        fake.Scopes.Clear();
        fake.Jobs.Clear();
        fake.Grants.Clear();
        fake.Sps.Remove(_f.Etl);
        fake.AccountSps.Remove(_f.Etl);
        fake.Assignments.Add(new FakeAssignment(103, null, null, Fixture.Deployer, "ci-deployer", ["ADMIN"]));
        for (var i = 0; i < users; i++)
        {
            var u = new FakeUser($"u{i}", $"user{i:D5}@contoso.com") { Entitlements = i % 7 == 0 ? ["allow-cluster-create"] : [] };
            fake.Users.Add(u);
            fake.AccountUsers.Add(u);
        }

        fake.Groups.Add(new FakeGroup("g-admins", "admins", [FakeDatabricks.SpRef(_f.DeployerSp)]));
        fake.Groups.Add(new FakeGroup("g-users", "users", fake.Users.Select(FakeDatabricks.UserRef).ToList()));
        var yaml = new StringBuilder();
        yaml.Append(CultureInfo.InvariantCulture, $$"""
            config:
              databricks:host: {{fake.Url}}
              databricks-access:deployer:
                applicationId: {{Fixture.Deployer}}
              databricks-access:account:
                id: {{FakeDatabricks.AccountId}}
                host: {{fake.Url}}
                workspaceId: "{{FakeDatabricks.WorkspaceId}}"
              databricks-access:topology:
                groups:
                  admins:
                    existing: true

            """);
        for (var g = 0; g < groups; g++)
        {
            var members = Enumerable.Range(0, MembersPerGroup).Select(m => fake.Users[((g * MembersPerGroup) + m) % users]).ToList();
            fake.AccountGroups.Add(new FakeGroup($"ag{g}", $"team-{g:D3}", members.Select(FakeDatabricks.UserRef).ToList()));
            fake.Assignments.Add(new FakeAssignment(1000 + g, null, $"team-{g:D3}", null, $"team-{g:D3}", ["USER"]));
            yaml.Append(CultureInfo.InvariantCulture, $"      team-{g:D3}:\n        members:\n");
            foreach (var m in members)
            {
                yaml.Append(CultureInfo.InvariantCulture, $"          - user:{m.UserName}\n");
            }
        }

        var stack = _f.WriteStack(yaml.ToString());
        var options = _f.Options() with { ScimPageSize = 100, JobsPageSize = 100 }; // the defaults
        var clock = Stopwatch.StartNew();
        var (code, @out, err) = _f.Audit(environment: _f.Environment(options), stack: stack);
        var elapsed = clock.Elapsed;
        Assert.True(code == 0, @out + err);

        var pages = (users + 99) / 100;
        var expected = 2 // token POSTs
            + pages + 1 + 1 + 1       // workspace users, groups (admins, users), GET admins, service principals
            + pages + ((groups + 99) / 100) + groups + 1 // account users, groups, GET of each declared group, SPs
            + 1 + 1                   // permission assignments, scopes list
            + 1;                      // the jobs list (undeclared jobs running as a declared principal): no job here
        Assert.Equal(expected, fake.Requests.Count);
        output.WriteLine($"{users} users, {groups} groups: {fake.Requests.Count} calls, {elapsed.TotalSeconds:0.00} s");
    }
}
