using DatabricksAccess.Topology.Evaluation;
using DatabricksAccess.Topology.Model;
using DatabricksAccess.Topology.Planning;
using static DatabricksAccess.Topology.Tests.TestSupport;

namespace DatabricksAccess.Topology.Tests;

/// <summary>
/// <c>jobs.&lt;key&gt;.owner</c>: the provider adds the caller as IS_OWNER to a job's ACL without one
/// [fact: permissions-owner-added] (jobs allow IS_OWNER [fact: permissions-object-types]), so an adopted job
/// declares its owner and the plan shows who owns each job and where that came from.
/// </summary>
public class JobOwnerTests
{
    [Fact]
    [Trait("fact", "permissions-owner-added")]
    public void A_declared_owner_is_planned_with_its_source_and_an_undeclared_one_is_the_deployer()
    {
        var result = Evaluate("""
            servicePrincipals: { loader: {} }
            jobs:
              adopted: { notebook: /Shared/a, runAs: sp:loader, owner: user:owner@contoso.com, canView: [user:ann@contoso.com] }
              owned-only: { notebook: /Shared/b, runAs: sp:loader, owner: sp:loader }
              created: { notebook: /Shared/c, runAs: sp:loader, canView: [user:ann@contoso.com] }
              bare: { notebook: /Shared/d, runAs: sp:loader }
            """);
        Assert.True(result.ExitCode == 0, string.Join("\n", Lines(result)));
        var plan = result.Plan!;
        var adopted = plan.Jobs.Single(j => j.Spec.Key == "adopted");
        Assert.Equal(PrincipalRef.User("owner@contoso.com"), adopted.Spec.Owner);
        var permissions = plan.AllResources.Single(r => r.Resource.Name == adopted.PermissionsResource).Resource;
        Assert.Equal(new PlannedOwner("user:owner@contoso.com", "config topology.jobs.adopted.owner"), permissions.Owner);

        // An owner alone is a permission list: the Permissions resource exists, so the import keeps the owner.
        Assert.NotNull(plan.Jobs.Single(j => j.Spec.Key == "owned-only").PermissionsResource);

        var created = plan.Jobs.Single(j => j.Spec.Key == "created");
        Assert.Null(created.Spec.Owner);
        Assert.Equal("the deployer", plan.AllResources.Single(r => r.Resource.Name == created.PermissionsResource).Resource.Owner!.Principal);
        Assert.Null(plan.Jobs.Single(j => j.Spec.Key == "bare").PermissionsResource);
    }

    [Fact]
    public void An_owner_is_a_declared_user_or_service_principal_listed_once()
    {
        var bad = Evaluate("""
            servicePrincipals: { loader: {} }
            groups: { analysts: {} }
            jobs:
              grouped: { notebook: /Shared/a, runAs: sp:loader, owner: group:analysts }
              twice: { notebook: /Shared/b, runAs: sp:loader, owner: user:a@contoso.com, canManage: [user:a@contoso.com] }
              missing: { notebook: /Shared/c, runAs: sp:loader, owner: sp:nobody }
            """);
        var errors = Lines(bad, Severity.Error);
        Assert.Contains(errors, l => l.StartsWith("topology.jobs.grouped.owner: group:analysts cannot own a job", StringComparison.Ordinal));
        Assert.Contains(errors, l => l.StartsWith("topology.jobs.twice.canManage[0]: user:a@contoso.com is given more than one permission", StringComparison.Ordinal));
        Assert.Contains(errors, l => l.StartsWith("topology.jobs.missing.owner: job owner sp:nobody is not declared", StringComparison.Ordinal));
    }
}
