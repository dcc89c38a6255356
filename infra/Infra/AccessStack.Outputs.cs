using System.Collections.Immutable;
using DatabricksAccess.Infra.Components;
using DatabricksAccess.Topology;
using DatabricksAccess.Topology.Config;
using DatabricksAccess.Topology.Evaluation;
using DatabricksAccess.Topology.Model;
using DatabricksAccess.Topology.Planning;
using Pulumi;
using Dbx = Pulumi.Databricks;
using Resources = Pulumi.AzureNative.Resources;

namespace DatabricksAccess.Infra;

public static partial class AccessStack
{
    private sealed partial class StackBuilder
    {
        private Dictionary<string, object?> Outputs(IReadOnlyList<SecretScopeAccess> scopes, IReadOnlyDictionary<string, NotebookJob> jobs)
        {
            var expiring = plan.ExpiringSoon
                .Select(e => ImmutableDictionary<string, object?>.Empty
                    .Add("group", e.Group)
                    .Add("principal", e.Principal.ToString())
                    .Add("expires", Instants.Format(e.Expires))
                    .Add("reason", e.Reason))
                .ToImmutableArray();
            var unmanaged = MapOf(plan.Groups.Where(g => g.ReportsUnmanagedMembers).Select(g => (g.Spec.Key, _groups[g.Spec.Key].UnmanagedMembers)))
                .Apply(map => map.Where(kv => kv.Value.Length > 0).ToImmutableDictionary(StringComparer.Ordinal));

            return new Dictionary<string, object?>
            {
                ["webAppUrls"] = MapOf(_webApps.Select(kv => (kv.Key, kv.Value.Url))),
                ["webAppIdentityClientIds"] = MapOf(_webApps.Select(kv => (kv.Key, kv.Value.IdentityClientId))),
                ["servicePrincipalApplicationIds"] = MapOf(_sps.Select(kv => (kv.Key, kv.Value.ApplicationId))),
                ["secretScopes"] = Output.All(scopes.Select(s => s.ScopeName)),
                ["jobIds"] = MapOf(jobs.Select(kv => (kv.Key, kv.Value.JobId))),
                ["expiringMemberships"] = Output.Create(expiring),
                ["unmanagedMembers"] = unmanaged,
                // OAuth secrets with no store: consumers read the current one here (a secret output; `check` warns).
                ["oauthSecrets"] = Output.CreateSecret(MapOf(plan.ServicePrincipals.Where(s => s.OAuthSecret is { Spec.Store: null })
                    .Select(s => (s.Spec.Key, _sps[s.Spec.Key].OAuthSecret)))),
                // The slots as this run leaves them: the next run continues from here (ReadPreviousDeploymentAsync).
                [CredentialSchedule.OutputName] = Output.Create(CredentialSchedule.FromPlan(plan).ToOutputValue()),
                // The resources the state holds through an import id: the next run passes none for them (ImportedResources).
                // One imported by this run counts once its id resolved, i.e. once its import is in the state.
                [ImportedResources.OutputName] = Output.All(_providers.Imported.Select(e => e.Id.Apply(_ => e.Name)))
                    .Apply(now => ImportedResources.Record(model.ImportedResources, now, plan.AllResources.Select(r => r.Resource.Name).ToHashSet(StringComparer.Ordinal))),
                // The principals that carry their own entitlements: their old Entitlements resources are registered
                // retained on delete by this run (or were before, or never existed), so the next run leaves them out.
                [EntitlementsHandover.OutputName] = Output.Create(RetiredEntitlements().ToImmutableArray()),
                ["unresolvedPrincipals"] = Output.Create(plan.Unresolved
                    .Select(u => ImmutableDictionary<string, object?>.Empty
                        .Add("principal", u.Principal)
                        .Add("level", u.Scope.ToString().ToLowerInvariant())
                        .Add("skipped", u.Paths.ToImmutableArray()))
                    .ToImmutableArray()),
            };
        }

        private List<string> RetiredEntitlements()
        {
            var carrying = plan.Groups.Where(g => g.CarriesEntitlements && g.Spec.Entitlements.Count > 0).Select(g => $"{g.Name}-entitlements")
                .Concat(plan.ServicePrincipals.Where(s => s.CarriesEntitlements && s.Spec.Entitlements.Count > 0).Select(s => $"{s.Name}-entitlements"))
                .Concat(plan.WebApps.Where(w => w.CarriesEntitlements && w.Spec.Entitlements.Count > 0).Select(w => $"{w.Name}-entitlements"));
            return carrying.Order(StringComparer.Ordinal).ToList();
        }

        private static Output<ImmutableDictionary<string, T>> MapOf<T>(IEnumerable<(string Key, Output<T> Value)> entries)
        {
            var list = entries.ToList();
            return Output.All(list.Select(e => e.Value))
                .Apply(values => list.Select((e, i) => KeyValuePair.Create(e.Key, values[i])).ToImmutableDictionary(StringComparer.Ordinal));
        }
    }
}
