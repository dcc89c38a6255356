using System.Collections;
using System.Collections.Immutable;
using System.Reflection;
using System.Text;
using DatabricksAccess.Topology.Planning;
using Pulumi;
using Pulumi.Utilities;

namespace DatabricksAccess.Infra.Tests.Estate;

/// <summary>The options of a registration that decide what the engine does with it.</summary>
public sealed record EngineOptions(bool Protect, bool RetainOnDelete, bool DeleteBeforeReplace, IReadOnlyList<string> IgnoreChanges, string? ReplacementTrigger);

/// <summary>
/// One resource as the program registered it under the mocks: inputs on the wire, the mocks' outputs, options, and the
/// resources each input property depends on (the property dependencies the engine records in the state).
/// </summary>
public sealed record Registered(string Type, string Name, ImmutableDictionary<string, object> Inputs, ImmutableDictionary<string, object> Outputs,
    EngineOptions Options, IReadOnlyDictionary<string, IReadOnlySet<string>> PropertyDependencies);

/// <summary>A step of an update: <c>create</c>, <c>update</c>, <c>delete</c> (also of a replacement), in execution order.</summary>
public sealed record Step(string Op, Registered Resource, string Why);

/// <summary>What one program run registers, in registration order.</summary>
public sealed class Deployed
{
    public required IReadOnlyList<Registered> Resources { get; init; }

    public Registered this[string name] => Resources.Single(r => r.Name == name);

    /// <summary>Reads a mock run: wire inputs from the mocks, options and property dependencies from the constructed resources.</summary>
    public static async Task<Deployed> FromAsync(StackRun run)
    {
        var list = new List<Registered>();
        foreach (var registration in run.Mocks.Registrations.Where(r => !r.Type.StartsWith("databricks-access:", StringComparison.Ordinal)))
        {
            var observed = run.ObservedNamed(registration.Name);
            var o = (CustomResourceOptions)observed.Options;
            var trigger = o.ReplacementTrigger is { } t ? Convert.ToString(await OutputUtilities.GetValueAsync(t.ToOutput()), System.Globalization.CultureInfo.InvariantCulture) : null;
            var options = new EngineOptions(o.Protect ?? false, o.RetainOnDelete ?? false, o.DeleteBeforeReplace ?? false, [.. o.IgnoreChanges], trigger);
            var outputs = registration.State.SetItem("__name", registration.Name);
            list.Add(new Registered(registration.Type, registration.Name, registration.Inputs, outputs, options, await DependenciesAsync(observed.Args)));
        }

        return new Deployed { Resources = list };
    }

    /// <summary>
    /// The resources each input depends on, as the .NET SDK sends them with the registration (pulumi-dotnet v3.112.1
    /// sdk/Pulumi/Deployment/Deployment_Prepare.cs gathers each property's Output resources). Read from each [Input]
    /// member's Output through <see cref="OutputUtilities.GetDependenciesAsync{T}"/>.
    /// </summary>
    private static async Task<IReadOnlyDictionary<string, IReadOnlySet<string>>> DependenciesAsync(ResourceArgs args)
    {
        var result = new Dictionary<string, IReadOnlySet<string>>(StringComparer.Ordinal);
        var members = args.GetType().GetMembers(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic)
            .Where(m => m is FieldInfo or PropertyInfo);
        foreach (var member in members)
        {
            var attribute = member.GetCustomAttributesData().FirstOrDefault(a => a.AttributeType == typeof(InputAttribute));
            if (attribute is null)
            {
                continue;
            }

            var value = member switch { FieldInfo f => f.GetValue(args), PropertyInfo p => p.GetValue(args), _ => null };
            if (value is null)
            {
                continue;
            }

            var name = (string)attribute.ConstructorArguments[0].Value!;
            var set = new HashSet<string>(StringComparer.Ordinal);
            var toOutput = value.GetType().GetMethod("ToOutput", BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic, Type.EmptyTypes)
                ?? value.GetType().GetInterfaces().FirstOrDefault(i => i.Name == "IInput")?.GetMethod("ToOutput");
            if (toOutput?.Invoke(value, null) is { } output)
            {
                var get = typeof(OutputUtilities).GetMethod(nameof(OutputUtilities.GetDependenciesAsync))!.MakeGenericMethod(output.GetType().GetGenericArguments()[0]);
                var resources = await (Task<ImmutableHashSet<Resource>>)get.Invoke(null, [output])!;
                set.UnionWith(resources.Select(r => r.GetResourceName()));
            }

            result[name] = set;
        }

        return result;
    }
}

/// <summary>
/// A small model of the Pulumi engine (pulumi/pulumi v3.258.0 pkg/resource/deploy/step_generator.go): same, update or
/// replace from the ForceNew fields of the provider schema (read from terraform-provider-databricks v1.128.0, not from
/// ResourceTraits) and the replacement trigger; create-before-delete by default, delete-before-replace with the option;
/// dependent replacement through property dependencies; retainOnDelete and protect.
/// </summary>
public static class Engine
{
    /// <summary>Input properties (wire names) whose change forces a replacement, per type, from the provider source.</summary>
    public static readonly IReadOnlyDictionary<string, IReadOnlySet<string>> ForceNew = new Dictionary<string, IReadOnlySet<string>>(StringComparer.Ordinal)
    {
        // catalog/resource_grant.go:142 principal SetForceNew; :153-160 every securable field ForceNew: true.
        [PulumiTypes.Grant] = Set("principal", "metastore", "catalog", "schema", "table", "volume", "function", "externalLocation", "storageCredential"),
        // catalog/resource_grants.go:153-160 every securable field ForceNew: true.
        [PulumiTypes.Grants] = Set("metastore", "catalog", "schema", "table", "volume", "function", "externalLocation", "storageCredential"),
        // scim/resource_entitlement.go:15-17 group_id, user_id, service_principal_id tf:"force_new".
        [PulumiTypes.Entitlements] = Set("groupId", "userId", "servicePrincipalId"),
        // mws/resource_mws_permission_assignment.go defines no Update, so common/resource.go:211-229 makes every field ForceNew.
        [PulumiTypes.MwsPermissionAssignment] = Set("workspaceId", "principalId", "permissions"),
        // secrets/resource_secret_acl.go:26, :31, :36.
        [PulumiTypes.SecretAcl] = Set("scope", "principal", "permission"),
        // secrets/resource_secret.go:46, :53, :59.
        [PulumiTypes.Secret] = Set("scope", "key", "stringValue"),
        // tokens/resource_obo_token.go defines no Update: every field ForceNew (common/resource.go:211-229).
        [PulumiTypes.OboToken] = Set("applicationId", "lifetimeSeconds", "comment"),
        // tokens/resource_service_principal_secret.go:19-20 (service_principal_id, lifetime tf:"force_new"), :34 time_rotating.
        [PulumiTypes.ServicePrincipalSecret] = Set("servicePrincipalId", "lifetime", "timeRotating"),
        // permissions/resource_access_control_rule_set.go:23 name ForceNew.
        [PulumiTypes.AccessControlRuleSet] = Set("name"),
        // permissions/resource_permissions.go:178 the object id fields ForceNew.
        [PulumiTypes.Permissions] = Set("jobId", "authorization", "sqlEndpointId"),
        // workspace/resource_workspace_conf.go:218-257: custom_config updates in place (no ForceNew field).
        [PulumiTypes.WorkspaceConf] = Set(),
        // aws/resource_service_principal_role.go:15 service_principal_id and role, both ForceNew (no Update).
        [PulumiTypes.ServicePrincipalRole] = Set("servicePrincipalId", "role"),
        // scim/resource_group_member.go: a pair id of group_id and member_id (common.NewPairID), both ForceNew.
        [PulumiTypes.GroupMember] = Set("groupId", "memberId"),
    };

    private static HashSet<string> Set(params string[] keys) => new HashSet<string>(keys, StringComparer.Ordinal);

    /// <summary>The steps of an update from the state <paramref name="old"/> to the program <paramref name="next"/>.</summary>
    public static List<Step> Plan(Deployed old, Deployed next)
    {
        var state = old.Resources.ToDictionary(r => r.Name, StringComparer.Ordinal);
        var steps = new List<Step>();
        var deleteAtEnd = new List<Step>();
        var deleted = new HashSet<string>(StringComparer.Ordinal);
        foreach (var r in next.Resources)
        {
            if (deleted.Contains(r.Name) || !state.TryGetValue(r.Name, out var was))
            {
                steps.Add(new Step("create", r, deleted.Contains(r.Name) ? "recreated after a delete-before-replace" : "new"));
                continue;
            }

            // step_generator.go:1267 processIgnoreChanges: ignored properties keep their old values for the diff.
            var inputs = r.Inputs;
            foreach (var key in r.Options.IgnoreChanges)
            {
                inputs = was.Inputs.TryGetValue(key, out var v) ? inputs.SetItem(key, v) : inputs.Remove(key);
            }

            // step_generator.go:1805 and :3626 shouldTriggerReplace: a trigger replaces when both are set and differ.
            var triggered = r.Options.ReplacementTrigger is { } t && was.Options.ReplacementTrigger is { } u && t != u;
            var changed = inputs.Keys.Union(was.Inputs.Keys).Where(k => Canon(inputs.GetValueOrDefault(k)) != Canon(was.Inputs.GetValueOrDefault(k))).ToList();
            var forceNew = ForceNew.GetValueOrDefault(r.Type) ?? new HashSet<string>();
            if (!triggered && !changed.Any(forceNew.Contains))
            {
                if (changed.Count > 0)
                {
                    steps.Add(new Step("update", r, string.Join(",", changed)));
                }

                continue;
            }

            // step_generator.go:1955-1972: a protected resource cannot be replaced.
            if (r.Options.Protect && was.Options.Protect)
            {
                throw new EngineException($"unable to replace resource '{r.Name}' as it is currently marked for protection");
            }

            if (r.Options.DeleteBeforeReplace)
            {
                // step_generator.go:2044-2120: delete first, and first every dependent whose ForceNew input depends on it
                // (calculateDependentReplacements :3220-3330: inputs depending on the replace set become unknown, and the
                // provider's diff replaces on a ForceNew one); a protected dependent stops the update (:2099-2110).
                var chain = Dependents(old, r.Name, state);
                foreach (var dependent in chain.AsEnumerable().Reverse())
                {
                    if (dependent.Options.Protect)
                    {
                        throw new EngineException($"unable to replace resource '{dependent.Name}' as part of replacing '{r.Name}' as it is currently marked for protection");
                    }

                    if (deleted.Add(dependent.Name))
                    {
                        steps.Add(DeleteReplaced(dependent, $"dependent replacement of {r.Name}"));
                    }
                }

                steps.Add(DeleteReplaced(was, "delete-before-replace"));
                deleted.Add(r.Name);
                steps.Add(new Step("create", r, "replacement"));
            }
            else
            {
                // Create before delete: the old one is deleted once everything else is done (step_generator.go:1990-2040).
                steps.Add(new Step("create", r, "replacement"));
                deleteAtEnd.Add(new Step("delete", was, "replaced (create before delete)"));
            }
        }

        var kept = next.Resources.Select(r => r.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var gone in old.Resources.Where(r => !kept.Contains(r.Name) && !deleted.Contains(r.Name)).Reverse())
        {
            if (gone.Options.Protect)
            {
                throw new EngineException($"resource '{gone.Name}' cannot be deleted because it is protected");
            }

            // pkg/resource/deploy/step.go:661: a resource retained on delete is only forgotten.
            deleteAtEnd.Add(new Step(gone.Options.RetainOnDelete ? "forget" : "delete", gone, "removed from the program"));
        }

        steps.AddRange(deleteAtEnd.Select(s => s.Resource.Options.RetainOnDelete ? s with { Op = "forget" } : s));
        return steps;
    }

    /// <summary>
    /// The delete-replaced step of a delete-before-replace, built from the OLD state (step_generator.go:2125, :2145). Its
    /// Apply skips the provider's Delete when that old state has retainOnDelete (pkg/resource/deploy/step.go:626-662
    /// DeleteStep.Apply, "Deleting a 'drop on delete' is a no-op"; the same step serves delete and delete-replaced).
    /// </summary>
    private static Step DeleteReplaced(Registered old, string why) =>
        old.Options.RetainOnDelete ? new Step("forget", old, $"{why}: retained, no Delete call") : new Step("delete", old, why);

    /// <summary>Old resources replaced with <paramref name="root"/>: through property dependencies on ForceNew inputs, transitively.</summary>
    private static List<Registered> Dependents(Deployed old, string root, IReadOnlyDictionary<string, Registered> state)
    {
        var replace = new HashSet<string>(StringComparer.Ordinal) { root };
        var order = new List<Registered>();
        foreach (var r in old.Resources)
        {
            var forceNew = ForceNew.GetValueOrDefault(r.Type) ?? new HashSet<string>();
            if (r.Name != root && r.PropertyDependencies.Any(kv => forceNew.Contains(kv.Key) && kv.Value.Overlaps(replace)))
            {
                replace.Add(r.Name);
                order.Add(r);
            }
        }

        return order;
    }

    /// <summary>Applies <paramref name="steps"/> to <paramref name="estate"/>, calling <paramref name="after"/> after each; stops after <paramref name="failAfter"/> steps.</summary>
    public static void Apply(Estate estate, IReadOnlyList<Step> steps, Action<int, Step>? after = null, int? failAfter = null)
    {
        for (var i = 0; i < steps.Count && (failAfter is null || i < failAfter); i++)
        {
            var s = steps[i];
            if (s.Op != "forget")
            {
                estate.Apply(s.Op == "update" ? "update" : s.Op, s.Resource.Type, s.Resource.Inputs, s.Resource.Outputs);
            }

            after?.Invoke(i, s);
        }
    }

    private static string Canon(object? value)
    {
        var sb = new StringBuilder();
        void Write(object? v)
        {
            switch (v)
            {
                case null: sb.Append("null"); break;
                case string s: sb.Append('"').Append(s).Append('"'); break;
                case IReadOnlyDictionary<string, object?> d:
                    sb.Append('{');
                    foreach (var kv in d.OrderBy(kv => kv.Key, StringComparer.Ordinal)) { sb.Append(kv.Key).Append(':'); Write(kv.Value); sb.Append(','); }
                    sb.Append('}');
                    break;
                case IEnumerable e:
                    sb.Append('[');
                    foreach (var x in e) { Write(x); sb.Append(','); }
                    sb.Append(']');
                    break;
                default: sb.Append(Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture)); break;
            }
        }

        Write(value);
        return sb.ToString();
    }
}

public sealed class EngineException(string message) : Exception(message);
