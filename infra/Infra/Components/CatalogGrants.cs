using System.Collections.Immutable;
using DatabricksAccess.Topology.Model;
using DatabricksAccess.Topology.Planning;
using Pulumi;
using Dbx = Pulumi.Databricks;

namespace DatabricksAccess.Infra.Components;

public sealed class CatalogGrantsArgs
{
    public required CatalogGrantsPlan Plan { get; init; }

    public required ProviderSet Providers { get; init; }

    public required IPrincipalResolver Principals { get; init; }
}

/// <summary>
/// Unity Catalog grants. Per principal by default: one <c>Grant</c> per (securable, principal), which makes that
/// principal's privileges there exactly the declared list and revokes all of them on delete
/// [fact: grant-principal-authoritative]. On a securable the stack opted in with
/// <c>topology.authoritativeGrants</c>: one protected <c>Grants</c> that makes the declared grants the whole truth.
/// </summary>
public sealed class CatalogGrants : ComponentResource
{
    public CatalogGrants(string name, CatalogGrantsArgs args, ComponentResourceOptions? options = null)
        : base(PulumiTypes.GrantsComponent, name, options)
    {
        var plan = args.Plan;

        var children = PlannedChildren.Of(this, plan, args.Providers);
        foreach (var securable in plan.Securables)
        {
            if (securable.Authoritative)
            {
                var grantsArgs = new Dbx.GrantsArgs();
                On(securable.On, children, v => grantsArgs.Metastore = v, n => Set(grantsArgs, securable.On.Kind, n));
                foreach (var grant in securable.Grants)
                {
                    grantsArgs.GrantDetails.Add(new Dbx.Inputs.GrantsGrantArgs
                    {
                        Principal = args.Principals.AccessName(grant.Principal),
                        Privileges = grant.Privileges.ToList(),
                    });
                }

                children.Create(securable.ResourceName, securable.Grants.SelectMany(g => args.Principals.Gates(g.Principal)),
                    o => new Dbx.Grants(securable.ResourceName, grantsArgs, o));
                continue;
            }

            foreach (var grant in securable.Grants)
            {
                var resourceName = securable.PrincipalResource(grant);
                var grantArgs = new Dbx.GrantArgs
                {
                    Principal = args.Principals.AccessName(grant.Principal),
                    Privileges = grant.Privileges.ToList(),
                };
                On(securable.On, children, v => grantArgs.Metastore = v, n => Set(grantArgs, securable.On.Kind, n));
                children.Create(resourceName, args.Principals.Gates(grant.Principal), o => new Dbx.Grant(resourceName, grantArgs, o));
            }
        }

        children.Complete();
        Securables = Output.Create(plan.Securables.Select(s => s.On.ToString()).ToImmutableArray());
        RegisterOutputs();
    }

    /// <summary>The securables granted on, as config names them (<c>catalog:main</c>).</summary>
    [Output("securables")]
    public Output<ImmutableArray<string>> Securables { get; private set; }

    private static void On(Securable on, PlannedChildren children, Action<Input<string>> metastore, Action<string> named)
    {
        if (on.Kind == SecurableKind.Metastore)
        {
            // The metastore has no name in config: grant on the one assigned to this workspace.
            metastore(Dbx.GetCurrentMetastore.Invoke(null, children.Invoke(ProviderScope.Workspace)).Apply(m => m.Id));
        }
        else
        {
            named(on.Name);
        }
    }

    private static void Set(Dbx.GrantsArgs args, SecurableKind kind, string name)
    {
        switch (kind)
        {
            case SecurableKind.Catalog: args.Catalog = name; break;
            case SecurableKind.Schema: args.Schema = name; break;
            case SecurableKind.Table: args.Table = name; break;
            case SecurableKind.Volume: args.Volume = name; break;
            case SecurableKind.Function: args.Function = name; break;
            case SecurableKind.ExternalLocation: args.ExternalLocation = name; break;
            case SecurableKind.StorageCredential: args.StorageCredential = name; break;
            default: throw new InvalidOperationException($"unknown securable kind {kind}");
        }
    }

    private static void Set(Dbx.GrantArgs args, SecurableKind kind, string name)
    {
        switch (kind)
        {
            case SecurableKind.Catalog: args.Catalog = name; break;
            case SecurableKind.Schema: args.Schema = name; break;
            case SecurableKind.Table: args.Table = name; break;
            case SecurableKind.Volume: args.Volume = name; break;
            case SecurableKind.Function: args.Function = name; break;
            case SecurableKind.ExternalLocation: args.ExternalLocation = name; break;
            case SecurableKind.StorageCredential: args.StorageCredential = name; break;
            default: throw new InvalidOperationException($"unknown securable kind {kind}");
        }
    }
}
