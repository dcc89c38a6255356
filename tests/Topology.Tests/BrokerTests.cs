using System.Text.Json;
using DatabricksAccess.Cli;
using DatabricksAccess.Topology.Evaluation;
using DatabricksAccess.Topology.Model;
using DatabricksAccess.Topology.Planning;
using Microsoft.Extensions.Time.Testing;
using static DatabricksAccess.Topology.Tests.TestSupport;

namespace DatabricksAccess.Topology.Tests;

/// <summary>
/// Issue 21: an external JIT broker (Apono: account admin, manager role, JSON credentials, delegated members),
/// the workspace token policy, SQL warehouse permissions and the web app runtime, from config to plan and reports.
/// </summary>
public class BrokerTests
{
    private const string Apono = """
        servicePrincipals:
          apono:
            displayName: Apono integration
            level: account
            workspaceAccess: user
            accountRoles: [account_admin]
            managers: [user:owner@contoso.com, group:platform-owners]
            oauthSecret: { rotationDays: 30, store: { secret: vault/apono-credentials, format: json } }
        groups:
          platform-owners: { level: account }
          analysts-jit:
            level: account
            entitlements: [workspace-access, databricks-sql-access]
            members: { managedBy: apono }
        secretScopes:
          vault: { acls: { group:platform-owners: READ } }
          reports: { acls: { group:analysts-jit: READ } }
        """;

    private const string AponoException = """
        exceptions:
          - { rule: standing-admin, principal: sp:apono, reason: "Apono JIT integration, SEC-812", expires: 2026-12-20T00:00:00Z }
        """;

    [Fact]
    public void An_account_role_is_its_own_additive_resource_on_the_account_provider_and_in_the_blast_radius()
    {
        var result = Evaluate(Apono, policy: AponoException, account: Account);
        Assert.Equal(0, result.ExitCode);
        var sp = result.Plan!.ServicePrincipals.Single();
        var role = sp.Resources.Single(r => r.Type == PulumiTypes.ServicePrincipalRole);
        Assert.Equal(("sp-apono-account-role-account-admin", ProviderScope.Account, Authority.Additive), (role.Name, role.Provider, role.Authority));
        // id "<sp id>|<role>": a create-then-delete replacement would remove the role it just added.
        Assert.True(role.DeleteBeforeReplace);
        Assert.Contains("account admin role", role.Confers, StringComparison.Ordinal);
        Assert.Contains(result.Plan.BlastRadius, x => x.Resource.Name == role.Name);
        // check's shortcut plans the same blast radius as the full plan
        Assert.Equal(result.Plan.BlastRadius.Select(x => x.Resource.Name), Planner.BlastRadius(result.Model).Select(x => x.Resource.Name));
    }

    [Fact]
    public void A_standing_account_admin_is_a_violation_unless_an_exception_with_an_expiry_covers_it()
    {
        var standing = Evaluate(Apono, account: Account);
        Assert.Equal(1, standing.ExitCode);
        Assert.Contains(Lines(standing, Severity.Violation), l => l.Contains("topology.servicePrincipals.apono.accountRoles", StringComparison.Ordinal)
            && l.Contains("standing account admin", StringComparison.Ordinal));

        // standingAdmins speaks for this workspace only: it does not waive an account admin.
        var listed = Evaluate(Apono, policy: "standingAdmins: [sp:apono]\n", account: Account);
        Assert.Equal(1, listed.ExitCode);

        // An expired exception no longer applies.
        var expired = Evaluate(Apono, policy: AponoException, account: Account, now: new DateTimeOffset(2026, 12, 20, 0, 0, 0, TimeSpan.Zero));
        Assert.Equal(1, expired.ExitCode);
        Assert.Equal(0, Evaluate(Apono, policy: AponoException, account: Account).ExitCode);
    }

    [Fact]
    public void Account_roles_are_checked_where_they_are_declared()
    {
        var result = Evaluate("""
            servicePrincipals:
              a: { level: workspace, accountRoles: [account_admin] }
              b: { accountRoles: [metastore_admin, account_admin, account_admin] }
            """, account: Account);
        Assert.Equal(2, result.ExitCode);
        var errors = Lines(result, Severity.Error);
        Assert.Contains(errors, l => l.StartsWith("topology.servicePrincipals.a.accountRoles: account roles apply to account-level", StringComparison.Ordinal));
        Assert.Contains(errors, l => l.StartsWith("topology.servicePrincipals.b.accountRoles[0]: 'metastore_admin' is not an account role", StringComparison.Ordinal));
        Assert.Contains(errors, l => l.StartsWith("topology.servicePrincipals.b.accountRoles[2]: 'account_admin' is listed twice", StringComparison.Ordinal));
    }

    [Fact]
    public void Managers_go_into_the_principals_rule_set_and_only_for_principals_the_stack_creates()
    {
        var result = Evaluate(Apono, policy: AponoException, account: Account);
        var sp = result.Plan!.ServicePrincipals.Single();
        Assert.Equal("sp-apono-rule-set", sp.RuleSetResource);
        Assert.Equal([PrincipalRef.User("owner@contoso.com"), PrincipalRef.Group("platform-owners")], sp.Spec.Managers);

        var bad = Evaluate("""
            servicePrincipals:
              shared: { existing: true, applicationId: 11111111-2222-3333-4444-555555555555, managers: [user:a@contoso.com] }
              mine: { managers: [group:users, group:local, sp:other] }
              other: {}
            groups:
              local: { level: workspace }
            """, account: Account);
        var errors = Lines(bad, Severity.Error);
        Assert.Contains(errors, l => l.StartsWith("topology.servicePrincipals.shared.managers: applies only to a service principal this stack creates", StringComparison.Ordinal));
        Assert.Contains(errors, l => l.StartsWith("topology.servicePrincipals.mine.managers[0]: group:users is everyone", StringComparison.Ordinal));
        Assert.Contains(errors, l => l.StartsWith("topology.servicePrincipals.mine.managers[1]: group:local is a workspace-local group", StringComparison.Ordinal));
        // sp:other is created by the stack: the rule set names it by the application id its creation returns.
        Assert.DoesNotContain(errors, l => l.Contains("managers[2]", StringComparison.Ordinal));
        Assert.Equal(3, errors.Length);
    }

    [Fact]
    public void A_broker_the_stack_creates_may_manage_itself_and_be_managed_by_another_created_principal()
    {
        // Apono's setup: "Service Principal: Manager" on its own principal, which has no applicationId until created.
        var self = Evaluate("""
            servicePrincipals:
              apono: { level: account, managers: [sp:apono, sp:helper, user:owner@contoso.com] }
              helper: { level: account }
            """, account: Account);
        Assert.Equal(0, self.ExitCode);
        Assert.Empty(Lines(self, Severity.Error));
        var sp = self.Plan!.ServicePrincipals.Single(s => s.Spec.Key == "apono");
        Assert.Equal("sp-apono-rule-set", sp.RuleSetResource);
        Assert.Equal([PrincipalRef.Sp("apono"), PrincipalRef.Sp("helper"), PrincipalRef.User("owner@contoso.com")], sp.Spec.Managers);

        // A principal the stack only looks up is named by the applicationId in config, which a lookup requires anyway.
        var lookedUp = Evaluate("""
            servicePrincipals:
              mine: { managers: [sp:shared] }
              shared: { existing: true }
            """, account: Account);
        Assert.Equal(2, lookedUp.ExitCode);
        Assert.Equal(["topology.servicePrincipals.shared.applicationId: is required for a service principal that is looked up (existing or source: entra)",
                "topology.servicePrincipals.mine.managers[0]: sp:shared has no applicationId in config: a rule set names a service principal by its application id"],
            Lines(lookedUp, Severity.Error));
    }

    [Fact]
    public void A_json_store_keeps_two_slots_and_is_only_for_oauth_secrets()
    {
        var result = Evaluate(Apono, policy: AponoException, account: Account);
        var credential = result.Plan!.ServicePrincipals.Single().OAuthSecret!;
        Assert.Equal(2, credential.AllSlots.Count); // two slots; the previous one is declared only until it expires (issue 20)
        Assert.Equal(StoreFormat.Json, credential.Spec.StoreFormat);
        var stored = result.Model.SecretScopes["vault"].Secrets.Single();
        Assert.Equal(("apono-credentials", SecretSourceKind.OAuthSecret, StoreFormat.Json), (stored.Key, stored.Source, stored.Format));

        var token = Evaluate("""
            servicePrincipals:
              ci: { token: { rotationDays: 20, store: { secret: s/t, format: json } } }
            secretScopes: { s: {} }
            """);
        Assert.Contains(Lines(token, Severity.Error), l => l.StartsWith("topology.servicePrincipals.ci.token.store.format: format: json holds an OAuth client id", StringComparison.Ordinal));
    }

    [Fact]
    public void Delegated_members_plan_no_membership_and_the_policies_say_they_cannot_see_broker_grants()
    {
        var result = Evaluate(Apono, policy: AponoException, account: Account);
        var group = result.Plan!.Groups.Single(g => g.Spec.Key == "analysts-jit");
        Assert.Empty(group.Members);
        Assert.DoesNotContain(group.Resources, r => r.Type == PulumiTypes.GroupMember);
        Assert.Contains(group.Resources, r => r.Type == PulumiTypes.Entitlements);
        Assert.Contains(Lines(result, Severity.Warning), l => l.StartsWith("topology.groups.analysts-jit.members.managedBy: warning: members of 'analysts-jit' are granted by apono", StringComparison.Ordinal)
            && l.Contains("cannot see broker grants", StringComparison.Ordinal));

        // A delegated group that reaches admins: the standing-admin check names the broker.
        var admin = Evaluate("""
            groups:
              jit-admins: { level: account, workspaceAccess: admin, members: { managedBy: apono } }
            """, account: Account);
        Assert.Contains(Lines(admin, Severity.Violation), l => l.Contains("group:jit-admins would be a standing admin group whose members apono grants (this check cannot see broker grants)", StringComparison.Ordinal));

        // Nothing of the stack may join a delegated group, nor an Entra or built-in group be delegated.
        var bad = Evaluate("""
            resourceGroup: rg
            webApps:
              app: { groups: [jit] }
            groups:
              jit: { members: { managedBy: apono } }
              synced: { source: entra, members: { managedBy: apono } }
              admins: { existing: true, members: { managedBy: apono } }
              other: { members: { managedBy: "bad broker" } }
            """);
        var errors = Lines(bad, Severity.Error);
        Assert.Contains(errors, l => l.StartsWith("topology.webApps.app.groups[0]: 'jit' has its members granted by apono", StringComparison.Ordinal));
        Assert.Contains(errors, l => l.StartsWith("topology.groups.synced.members: 'synced' is synced from Entra ID", StringComparison.Ordinal));
        Assert.Contains(errors, l => l.StartsWith("topology.groups.admins.members: 'admins' is a built-in workspace group", StringComparison.Ordinal));
        Assert.Contains(errors, l => l.StartsWith("topology.groups.other.members.managedBy: 'bad broker' is not a broker name", StringComparison.Ordinal));
    }

    [Fact]
    public void An_existing_delegated_group_reports_no_unmanaged_members()
    {
        var result = Evaluate("""
            groups:
              analysts: { existing: true, members: { managedBy: apono } }
              others: { existing: true }
            """);
        Assert.False(result.Plan!.Groups.Single(g => g.Spec.Key == "analysts").ReportsUnmanagedMembers);
        Assert.True(result.Plan.Groups.Single(g => g.Spec.Key == "others").ReportsUnmanagedMembers);
    }

    [Fact]
    public void The_token_policy_is_an_authoritative_protected_workspace_setting_in_the_blast_radius()
    {
        var result = Evaluate("tokenPolicy: { maxLifetimeDays: 90 }\n");
        Assert.Equal(0, result.ExitCode);
        var policy = result.Plan!.StackResources.Single(r => r.Type == PulumiTypes.WorkspaceConf);
        Assert.Equal(("token-policy", Authority.Authoritative, true, true, true), (policy.Name, policy.Authority, policy.Protect, policy.RetainOnDelete, policy.DeleteBeforeReplace));
        Assert.Equal(90, result.Plan.TokenMaxLifetimeDays);
        Assert.Contains(result.BlastRadius!, x => x.Resource.Name == "token-policy");
        Assert.DoesNotContain(Evaluate("groups: {}\n").Plan!.StackResources, r => r.Type == PulumiTypes.WorkspaceConf);

        Assert.Contains(Lines(Evaluate("tokenPolicy: { maxLifetimeDays: 0 }\n"), Severity.Error), l => l.StartsWith("topology.tokenPolicy.maxLifetimeDays:", StringComparison.Ordinal));
        Assert.Contains(Lines(Evaluate("tokenPolicy: {}\n"), Severity.Error), l => l.StartsWith("topology.tokenPolicy.maxLifetimeDays:", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("rotationDays: 30, overlapDays: 10", 35, "topology.servicePrincipals.bot.token.overlapDays", 40, 30, 10)]
    [InlineData("rotationDays: 30, lifetimeDays: 36", 35, "topology.servicePrincipals.bot.token.lifetimeDays", 36, 30, 6)]
    [InlineData("rotationDays: 29", 35, "topology.servicePrincipals.bot.token.rotationDays", 36, 29, 7)]
    public void A_token_longer_than_the_stacks_own_token_policy_is_an_error_naming_both_values_and_paths(
        string token, int max, string tokenPath, int lifetime, int rotation, int overlap)
    {
        var result = Evaluate($$"""
            tokenPolicy: { maxLifetimeDays: {{max}} }
            servicePrincipals:
              bot: { token: { {{token}} } }
            """);
        Assert.Equal(2, result.ExitCode);
        Assert.Null(result.Plan);
        Assert.Equal([$"{tokenPath}: token lifetime {lifetime} days (rotationDays {rotation} + overlapDays {overlap}) exceeds topology.tokenPolicy.maxLifetimeDays {max}: "
                + "the workspace would refuse the token the stack asks for; shorten topology.servicePrincipals.bot.token or raise topology.tokenPolicy.maxLifetimeDays"],
            Lines(result, Severity.Error));

        // One day shorter is exactly the limit: allowed.
        var atLimit = Evaluate($$"""
            tokenPolicy: { maxLifetimeDays: {{lifetime}} }
            servicePrincipals:
              bot: { token: { {{token}} } }
            """);
        Assert.Empty(Lines(atLimit, Severity.Error));
        Assert.Equal(lifetime * 86_400, atLimit.Plan!.ServicePrincipals.Single().Token!.LifetimeSeconds);
    }

    [Fact]
    public void An_oauth_secret_is_no_workspace_token_and_the_token_policy_does_not_limit_it()
    {
        // OAuth secrets are account-level service principal secrets; the workspace conf maxTokenLifetimeDays limits
        // tokens the workspace issues (personal access and on-behalf-of tokens), so only the token is an error here.
        var result = Evaluate("""
            tokenPolicy: { maxLifetimeDays: 35 }
            servicePrincipals:
              bot: { oauthSecret: { rotationDays: 30, overlapDays: 10 }, token: { rotationDays: 30, overlapDays: 5 } }
            """);
        Assert.Empty(Lines(result, Severity.Error));
        Assert.Equal(40 * 86_400, result.Plan!.ServicePrincipals.Single().OAuthSecret!.LifetimeSeconds);
    }

    [Fact]
    public void Warehouse_permissions_are_authoritative_protected_and_guarded()
    {
        var result = Evaluate("""
            servicePrincipals: { akto: {} }
            groups: { analysts: {} }
            warehouses:
              shared: { id: 0123456789abcdef, owner: user:owner@contoso.com, canUse: [sp:akto], canManage: [group:analysts] }
              bi: { name: BI warehouse, owner: sp:akto, canUse: [user:ann@contoso.com] }
            """);
        Assert.Equal(0, result.ExitCode);
        var plan = result.Plan!;
        var shared = plan.StackResources.Single(r => r.Name == "warehouse-shared-permissions");
        Assert.Equal((PulumiTypes.Permissions, Authority.Authoritative, true, true), (shared.Type, shared.Authority, shared.Protect, shared.RetainOnDelete));
        Assert.Contains("every permission on warehouse 0123456789abcdef", shared.Revokes, StringComparison.Ordinal);
        // The owner is declared, with where it came from: the provider would otherwise make the deployer the owner.
        Assert.Equal(new PlannedOwner("user:owner@contoso.com", "config topology.warehouses.shared.owner"), shared.Owner);
        Assert.Equal(["warehouse-bi-permissions", "warehouse-shared-permissions"], plan.BlastRadius.Where(x => x.Resource.Type == PulumiTypes.Permissions).Select(x => x.Resource.Name).Order());
        Assert.Contains(plan.Lookups, l => l.Token == PulumiTypes.GetSqlWarehouse && l.Subject == "BI warehouse");
        Assert.Contains(plan.UserLookups, u => u.Email == "ann@contoso.com");

        var access = result.Access.Where(e => e.Kind == AccessKind.Warehouse).Select(e => $"{e.Principal} {e.Permission} {e.ResourceKey}").ToList();
        Assert.Contains("sp:akto CAN_USE shared", access);
        Assert.Contains("group:analysts CAN_MANAGE shared", access);

        var bad = Evaluate("""
            warehouses:
              none: { id: abc, owner: user:o@contoso.com }
              both: { id: abc, name: x, owner: user:o@contoso.com, canUse: [user:a@contoso.com] }
              twice: { name: y, owner: user:o@contoso.com, canUse: [user:a@contoso.com], canManage: [user:a@contoso.com] }
              nobody: { name: z, owner: user:o@contoso.com, canUse: [sp:missing] }
              ownerless: { name: w, canUse: [user:a@contoso.com] }
              grouped: { name: v, owner: group:users, canUse: [user:a@contoso.com] }
              owner-twice: { name: u, owner: user:a@contoso.com, canUse: [user:a@contoso.com] }
            """);
        var errors = Lines(bad, Severity.Error);
        Assert.Contains(errors, l => l.StartsWith("topology.warehouses.none: declares nobody", StringComparison.Ordinal));
        Assert.Contains(errors, l => l.StartsWith("topology.warehouses.both: give exactly one of id or name", StringComparison.Ordinal));
        Assert.Contains(errors, l => l.StartsWith("topology.warehouses.twice.canManage[0]: user:a@contoso.com is already listed", StringComparison.Ordinal));
        Assert.Contains(errors, l => l.StartsWith("topology.warehouses.nobody.canUse[0]: warehouse permission principal sp:missing is not declared", StringComparison.Ordinal));
        Assert.Contains(errors, l => l.StartsWith("topology.warehouses.ownerless: declares no owner", StringComparison.Ordinal));
        Assert.Contains(errors, l => l.StartsWith("topology.warehouses.grouped.owner: group:users cannot own a warehouse", StringComparison.Ordinal));
        Assert.Contains(errors, l => l.StartsWith("topology.warehouses.owner-twice.canUse[0]: user:a@contoso.com is already listed", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(null, "DOTNETCORE|8.0")]
    [InlineData("PYTHON|3.12", "PYTHON|3.12")]
    [InlineData("python|3.12", "PYTHON|3.12")]
    [InlineData("DOTNETCORE|8.0", "DOTNETCORE|8.0")]
    public void A_web_app_runtime_is_one_app_service_accepts_and_defaults_as_before(string? runtime, string expected)
    {
        var result = Evaluate($"resourceGroup: rg\nwebApps:\n  app: {{ {(runtime is null ? string.Empty : $"runtime: \"{runtime}\"")} }}\n");
        Assert.Equal(0, result.ExitCode);
        Assert.Equal(expected, result.Model.WebApps["app"].Runtime);
    }

    [Theory]
    [InlineData("PYTHON|2.7")]
    [InlineData("PYTHON 3.12")]
    [InlineData("python")]
    public void An_unknown_runtime_is_rejected_naming_the_accepted_ones(string runtime)
    {
        var result = Evaluate($"resourceGroup: rg\nwebApps:\n  app: {{ runtime: \"{runtime}\" }}\n");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(Lines(result, Severity.Error), l => l.StartsWith($"topology.webApps.app.runtime: '{runtime}' is not an App Service runtime; runtimes: DOTNETCORE|8.0", StringComparison.Ordinal));
    }

    [Fact]
    public void Check_and_plan_show_every_item_in_every_format()
    {
        var dir = Directory.CreateTempSubdirectory("dbx-access-broker-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "Pulumi.yaml"), "name: databricks-access\nruntime: dotnet\n");
            File.WriteAllText(Path.Combine(dir, "Pulumi.t.yaml"), StackYaml(Apono + "\n" + """
                tokenPolicy: { maxLifetimeDays: 60 }
                warehouses:
                  shared: { id: abc123, owner: user:owner@contoso.com, canUse: [sp:apono] }
                resourceGroup: rg
                webApps:
                  portal: { runtime: PYTHON|3.12 }
                """, policy: AponoException, account: Account));
            string Run(params string[] args)
            {
                var @out = new StringWriter();
                Assert.Equal(0, Program.Run(args, @out, new StringWriter(), new FakeTimeProvider(Now), dir));
                return @out.ToString();
            }

            foreach (var command in new[] { "check", "plan" })
            {
                foreach (var format in new[] { "text", "markdown" })
                {
                    // Markdown escapes '_' and '|' in values; compare what a reader sees.
                    var text = Run(command, "--stack", "t", "--format", format).Replace("\\", string.Empty, StringComparison.Ordinal);
                    foreach (var expected in new[]
                    {
                        "sp-apono-account-role-account-admin", "grants sp:apono the account admin role", "account_admin",
                        "servicePrincipal.manager for user:owner@contoso.com, group:platform-owners",
                        "members granted by apono", "maxTokenLifetimeDays 60", "token-policy", "warehouse-shared-permissions",
                        "CAN_USE sp:apono", "PYTHON|3.12",
                    })
                    {
                        Assert.True(text.Contains(expected, StringComparison.Ordinal), $"{command} {format} lacks '{expected}'");
                    }
                }

                using var json = JsonDocument.Parse(Run(command, "--stack", "t", "--format", "json"));
                var settings = json.RootElement.GetProperty("settings");
                Assert.Equal("account_admin", settings.GetProperty("accountRoles")[0].GetProperty("role").GetString());
                Assert.Equal("apono", settings.GetProperty("delegatedGroups")[0].GetProperty("managedBy").GetString());
                Assert.Equal(60, settings.GetProperty("tokenPolicy").GetProperty("maxLifetimeDays").GetInt32());
                Assert.Equal("sp:apono", settings.GetProperty("warehouses")[0].GetProperty("canUse")[0].GetString());
                Assert.Equal("PYTHON|3.12", settings.GetProperty("webApps")[0].GetProperty("runtime").GetString());
                Assert.Equal(2, settings.GetProperty("managers")[0].GetProperty("managers").GetArrayLength());
                var radius = json.RootElement.GetProperty("blastRadius").EnumerateArray().Select(r => r.GetProperty("name").GetString()).ToList();
                Assert.Superset(new HashSet<string?> { "sp-apono-account-role-account-admin", "token-policy", "warehouse-shared-permissions" }, radius.ToHashSet());
            }

            using var plan = JsonDocument.Parse(Run("plan", "--stack", "t", "--format", "json"));
            // One matrix row per access the broker's grant gives, each saying so.
            var delegated = plan.RootElement.GetProperty("access").EnumerateArray().Where(e => e.GetProperty("principal").GetString() == "group:analysts-jit").ToList();
            Assert.Contains(delegated, e => e.GetProperty("kind").GetString() == "secret-scope" && e.GetProperty("resource").GetString() == "reports");
            Assert.All(delegated, e => Assert.Equal("members granted by apono", e.GetProperty("note").GetString()));
            var credential = plan.RootElement.GetProperty("credentials").EnumerateArray().Single(c => c.GetProperty("current").GetBoolean());
            Assert.Equal(("vault/apono-credentials", "json"), (credential.GetProperty("store").GetString(), credential.GetProperty("storeFormat").GetString()));
            Assert.Equal(2, plan.RootElement.GetProperty("credentials").GetArrayLength());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
