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
/// Unity Catalog grants: one authoritative <c>Grants</c> resource per securable, listing every principal the
/// stack grants on it.
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
            var grantsArgs = new Dbx.GrantsArgs();
            On(grantsArgs, securable.On, children);
            foreach (var grant in securable.Grants)
            {
                grantsArgs.GrantDetails.Add(new Dbx.Inputs.GrantsGrantArgs
                {
                    Principal = args.Principals.AccessName(grant.Principal),
                    Privileges = grant.Privileges.ToList(),
                });
            }

            children.Create(securable.ResourceName, o => new Dbx.Grants(securable.ResourceName, grantsArgs, o));
        }

        children.Complete();
        Securables = Output.Create(plan.Securables.Select(s => s.On.ToString()).ToImmutableArray());
        RegisterOutputs();
    }

    /// <summary>The securables granted on, as config names them (<c>catalog:main</c>).</summary>
    [Output("securables")]
    public Output<ImmutableArray<string>> Securables { get; private set; }

    private static void On(Dbx.GrantsArgs args, Securable on, PlannedChildren children)
    {
        switch (on.Kind)
        {
            case SecurableKind.Metastore:
                // The metastore has no name in config: grant on the one assigned to this workspace.
                args.Metastore = Dbx.GetCurrentMetastore.Invoke(null, children.Invoke(ProviderScope.Workspace)).Apply(m => m.Id);
                break;
            case SecurableKind.Catalog:
                args.Catalog = on.Name;
                break;
            case SecurableKind.Schema:
                args.Schema = on.Name;
                break;
            case SecurableKind.Table:
                args.Table = on.Name;
                break;
            case SecurableKind.Volume:
                args.Volume = on.Name;
                break;
            case SecurableKind.Function:
                args.Function = on.Name;
                break;
            case SecurableKind.ExternalLocation:
                args.ExternalLocation = on.Name;
                break;
            case SecurableKind.StorageCredential:
                args.StorageCredential = on.Name;
                break;
            default:
                throw new InvalidOperationException($"unknown securable kind {on.Kind}");
        }
    }
}
