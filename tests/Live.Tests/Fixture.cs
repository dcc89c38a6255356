using DatabricksAccess.Cli;
using Microsoft.Extensions.Time.Testing;

namespace DatabricksAccess.Live.Tests;

/// <summary>
/// A stack file and a fake workspace + account that match it exactly (a clean audit), and what the tests need to
/// run <c>audit --file</c> against it fast: a token, small pages, short timeouts and recorded (not slept) waits.
/// </summary>
public sealed class Fixture : IDisposable
{
    public static readonly DateTimeOffset Now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);
    public const string Deployer = "99999999-0000-4000-8000-000000000001";
    public const string EtlApp = "11111111-0000-4000-8000-000000000002";
    public const string Token = "test-token";

    private readonly string _dir = Directory.CreateTempSubdirectory("dbx-audit-").FullName;

    public Fixture()
    {
        Fake = new FakeDatabricks();
        Alice = new FakeUser("u1", "alice@contoso.com", "Alice");
        Bob = new FakeUser("u2", "bob@contoso.com", "Bob");
        Lead = new FakeUser("u3", "lead@contoso.com", "Lead");
        Mallory = new FakeUser("u4", "mallory@contoso.com", "Mallory");
        Eve = new FakeUser("u5", "eve@contoso.com", "Eve");
        Fake.Users.AddRange([Alice, Bob, Lead, Mallory, Eve]);
        Fake.AccountUsers.AddRange(Fake.Users); // identity federation: the workspace's users are the account's, same ids

        DeployerSp = new FakeSp("s1", Deployer, "ci-deployer");
        Etl = new FakeSp("s2", EtlApp, "ETL runner");
        Fake.Sps.AddRange([DeployerSp, Etl]);
        Fake.AccountSps.AddRange([DeployerSp, Etl]);

        Admins = new FakeGroup("g1", "admins", [FakeDatabricks.UserRef(Lead), FakeDatabricks.SpRef(DeployerSp)]);
        Fake.Groups.AddRange([Admins, new FakeGroup("g2", "users", [FakeDatabricks.UserRef(Alice), FakeDatabricks.UserRef(Bob)])]);
        Analysts = new FakeGroup("ag1", "Analysts", [FakeDatabricks.UserRef(Alice)]);
        Contractors = new FakeGroup("ag2", "contractors", []);
        Fake.AccountGroups.AddRange([Analysts, Contractors]);

        Fake.Assignments.AddRange(
        [
            new FakeAssignment(101, null, "Analysts", null, "Analysts", ["USER"]),
            new FakeAssignment(102, null, null, EtlApp, "ETL runner", ["USER"]),
            new FakeAssignment(103, null, null, Deployer, "ci-deployer", ["ADMIN"]),
        ]);

        Fake.Scopes["app-secrets"] = [new("Analysts", "READ"), new(EtlApp, "WRITE"), new(Deployer, "MANAGE")];
        Fake.Scopes["someone-elses"] = [new("mallory@contoso.com", "MANAGE")];

        Fake.Jobs.AddRange(
        [
            new FakeJob(7, "unrelated-1", []),
            new FakeJob(42, "nightly", [
                new(null, null, Deployer, "IS_OWNER"),
                new(null, "Analysts", null, "CAN_MANAGE_RUN"),
                new(null, "admins", null, "CAN_MANAGE", Inherited: true),
            ]) { RunAs = EtlApp, Notebook = "/Shared/nightly" },
            new FakeJob(9, "unrelated-2", [new("mallory@contoso.com", null, null, "IS_OWNER")]) { Creator = "mallory@contoso.com" },
        ]);

        Fake.Grants["schema/main.sales"] = [new("Analysts", ["USE_SCHEMA", "SELECT"])];

        // etl-runner's account rule set as the stack PUTs it (infra/Infra/Components/Identity.cs GrantDeployerUse): the
        // stack creates it and the deployer runs nightly as it, so the deployer manages and uses it.
        Fake.RuleSets[$"accounts/{FakeDatabricks.AccountId}/servicePrincipals/{EtlApp}/ruleSets/default"] =
        [
            new FakeRule("roles/servicePrincipal.manager", $"servicePrincipals/{Deployer}"),
            new FakeRule("roles/servicePrincipal.user", $"servicePrincipals/{Deployer}"),
        ];
    }

    public FakeDatabricks Fake { get; }

    public FakeUser Alice { get; }

    public FakeUser Bob { get; }

    public FakeUser Lead { get; }

    public FakeUser Mallory { get; }

    public FakeUser Eve { get; }

    public FakeSp DeployerSp { get; }

    public FakeSp Etl { get; }

    public FakeGroup Admins { get; }

    public FakeGroup Analysts { get; }

    public FakeGroup Contractors { get; }

    public List<TimeSpan> Waits { get; } = [];

    /// <summary>The clients' clock: only recorded waits move it.</summary>
    public FakeTimeProvider Clock { get; } = new(Now);

    public string StackYaml(string? extraTopology = null) => $$"""
        config:
          databricks:host: {{Fake.Url}}
          databricks-access:deployer:
            applicationId: {{Deployer}}
          databricks-access:account:
            id: {{FakeDatabricks.AccountId}}
            host: {{Fake.Url}}
            workspaceId: "{{FakeDatabricks.WorkspaceId}}"
          databricks-access:topology:
            servicePrincipals:
              etl-runner:
                displayName: ETL runner
            groups:
              analysts:
                displayName: Analysts
                members:
                  - user:alice@contoso.com
                  - principal: user:bob@contoso.com
                    expires: 2026-11-01T00:00:00Z
                    reason: INC-1
              admins:
                existing: true
                members:
                  - user:lead@contoso.com
            secretScopes:
              app-secrets:
                acls:
                  group:analysts: READ
                  sp:etl-runner: WRITE
            catalogGrants:
              - on: schema:main.sales
                to: group:analysts
                privileges: [USE_SCHEMA, SELECT]
            jobs:
              nightly:
                notebook: /Shared/nightly
                runAs: sp:etl-runner
                canManageRun: [group:analysts]
        {{extraTopology}}
        """;

    public string WriteStack(string? yaml = null)
    {
        var path = Path.Combine(_dir, "Pulumi.fixture.yaml");
        File.WriteAllText(path, yaml ?? StackYaml());
        return path;
    }

    /// <summary>OAuth client credentials by default (both hosts); <paramref name="oauth"/> false: only the PAT, if any.</summary>
    public AuditEnvironment Environment(ClientOptions? options = null, string? token = Token, bool oauth = true) => new()
    {
        Variables = name => name switch
        {
            TokenSources.TokenVariable => token,
            TokenSources.ClientIdVariable when oauth => FakeDatabricks.ClientId,
            TokenSources.ClientSecretVariable when oauth => FakeDatabricks.ClientSecret,
            _ => null,
        },
        AzureTokens = () => new UnavailableEntra(),
        Client = options ?? Options(),
    };

    /// <summary>No Microsoft Entra login on this machine (DefaultAzureCredential's CredentialUnavailableException).</summary>
    public sealed class UnavailableEntra : ITokenSource
    {
        public ValueTask<string> GetTokenAsync(CancellationToken cancellationToken) =>
            throw new AuditException("cannot get a Microsoft Entra ID token for Azure Databricks (DefaultAzureCredential): no login");
    }

    public ClientOptions Options(TimeSpan? timeout = null, int attempts = 3) => new()
    {
        // Generous: loopback answers in milliseconds, but CI shares two cores with parallel tests and builds.
        CallTimeout = timeout ?? TimeSpan.FromSeconds(60),
        MaxAttempts = attempts,
        BaseDelay = TimeSpan.FromMilliseconds(250),
        MaxDelay = TimeSpan.FromSeconds(30),
        Jitter = () => TimeSpan.Zero,
        Time = Clock,
        ScimPageSize = 2,
        JobsPageSize = 2,
        Delay = (wait, _) =>
        {
            lock (Waits)
            {
                Waits.Add(wait);
                Clock.Advance(wait); // the retry window is measured on this clock: a recorded wait is time spent
            }

            return Task.CompletedTask;
        },
    };

    /// <summary>Publishes the fake's state and runs <c>audit --file</c> on the stack file.</summary>
    public (int Code, string Out, string Err) Audit(string format = "text", AuditEnvironment? environment = null, string? stack = null, params string[] options)
    {
        Fake.Publish();
        var @out = new StringWriter();
        var err = new StringWriter();
        var path = stack ?? WriteStack();
        var code = Program.Run(["audit", "--file", path, "--now", "2026-11-25T12:00:00Z", "--format", format, .. options], @out, err,
            new FakeTimeProvider(Now), _dir, environment ?? Environment());
        return (code, @out.ToString(), err.ToString());
    }

    public void Dispose()
    {
        Fake.Dispose();
        Directory.Delete(_dir, recursive: true);
    }
}
