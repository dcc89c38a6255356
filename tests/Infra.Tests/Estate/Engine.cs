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
/// <remarks>
/// <see cref="Outputs"/> is the provider's state of the resource: what the mocks answered (inputs and computed outputs),
/// with every schema Default the program left unset (what Create writes), or what Read filled after an import or a
/// refresh. <c>__name</c> and <c>__id</c> carry the logical name and the provider id.
/// </remarks>
public sealed record Registered(string Type, string Name, ImmutableDictionary<string, object> Inputs, ImmutableDictionary<string, object> Outputs,
    EngineOptions Options, IReadOnlyDictionary<string, IReadOnlySet<string>> PropertyDependencies)
{
    /// <summary>The <c>ImportId</c> option the program registered it with.</summary>
    public string? ImportId { get; init; }

    /// <summary>Registered with the account provider (account-level SCIM, assignments, rule sets).</summary>
    public bool AccountLevel { get; init; }

    public string Id => Outputs.TryGetValue("__id", out var id) ? Convert.ToString(id, System.Globalization.CultureInfo.InvariantCulture)! : string.Empty;
}

/// <summary>A step of an update: <c>import</c>, <c>create</c>, <c>update</c>, <c>delete</c> (also of a replacement), <c>forget</c>, in execution order.</summary>
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
            var outputs = registration.State.SetItem("__name", registration.Name).SetItem("__id", registration.Id ?? string.Empty);
            list.Add(new Registered(registration.Type, registration.Name, registration.Inputs, Engine.WithDefaults(registration.Type, registration.Inputs, outputs),
                options, await DependenciesAsync(observed.Args))
            {
                ImportId = registration.ImportId,
                AccountLevel = registration.Provider.Contains("databricks-account", StringComparison.Ordinal),
            });
        }

        return new Deployed { Resources = list };
    }

    /// <summary>
    /// The resources each input depends on, as the .NET SDK sends them with the registration (it gathers each property's
    /// Output resources [fact: dotnet-input-dependencies]). Read from each [Input]
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
/// A small model of the Pulumi engine (the engine facts of docs/facts.md, pulumi/pulumi v3.258.0): same, update or
/// replace from the provider schema (<see cref="ProviderSchema"/>: Defaults, Computed and ForceNew fields read from
/// terraform-provider-databricks v1.128.0, not from ResourceTraits) and the replacement trigger; create-before-delete by
/// default, delete-before-replace with the option; dependent replacement through property dependencies; retainOnDelete
/// and protect; an import (Read, then a diff against what was read) and a refresh (Read of every resource in the state).
/// </summary>
public static class Engine
{
    /// <summary>Input properties (wire names) whose change forces a replacement, per type, from the provider schema.</summary>
    public static IReadOnlySet<string> ForceNew(string type) => ProviderSchema.Of(type).ForceNew.ToHashSet(StringComparer.Ordinal);

    /// <summary>
    /// What Create writes to the state: the provider's answer with every unset field that has a Default at that Default
    /// (the planned value the SDK applies, terraform-plugin-sdk v2 schema.Default).
    /// </summary>
    public static ImmutableDictionary<string, object> WithDefaults(string type, ImmutableDictionary<string, object> inputs, ImmutableDictionary<string, object> state)
    {
        if (!ProviderSchema.ByType.TryGetValue(type, out var schema))
        {
            return state;
        }

        foreach (var f in schema.Fields.Where(f => f.Default is not null && !inputs.ContainsKey(f.Name)))
        {
            state = state.SetItem(f.Name, f.Default!);
        }

        return state;
    }

    /// <summary>
    /// The fields whose planned value differs from the state, and whether one of them forces a replacement: a field the
    /// program sets is planned at that value; an unset one at its Default; an unset Computed or suppress_diff field keeps
    /// the state's value; any other unset field is planned empty. An input the schema does not classify fails.
    /// </summary>
    public static (List<string> Changed, bool Replace) Diff(Registered goal, ImmutableDictionary<string, object> state, IReadOnlyCollection<string>? ignore = null)
    {
        var schema = ProviderSchema.Of(goal.Type);
        foreach (var key in goal.Inputs.Keys.Where(k => schema[k] is null))
        {
            throw new UnclassifiedException($"{goal.Type} '{goal.Name}': input {key} is not classified in Estate/ProviderSchema.cs");
        }

        var changed = new List<string>();
        foreach (var f in schema.Fields)
        {
            if (ignore?.Contains(f.Name) == true)
            {
                continue;
            }

            object? planned;
            if (goal.Inputs.TryGetValue(f.Name, out var set))
            {
                planned = set;
            }
            else if (f.Default is not null)
            {
                planned = f.Default;
            }
            else if (f.Computed || f.SuppressDiff)
            {
                continue;
            }
            else
            {
                planned = null;
            }

            if (Canon(planned, f.Set) != Canon(state.GetValueOrDefault(f.Name), f.Set))
            {
                changed.Add(f.Name);
            }
        }

        return (changed, changed.Any(c => schema[c]!.ForceNew));
    }

    /// <summary>
    /// The steps of an update from the state <paramref name="old"/> to the program <paramref name="next"/>. A resource with
    /// an <c>ImportId</c> and no state is imported from <paramref name="live"/> first: the provider's Read of that id
    /// becomes the old state and the program is diffed against it (the import step checks no inputs
    /// [fact: engine-import-then-update]), giving an update or a replacement of the imported object.
    /// A replacement of an imported resource fails an <c>up</c> and is a warning in a preview [fact: engine-imported-no-replace].
    /// </summary>
    public static List<Step> Plan(Deployed old, Deployed next, Estate? live = null, bool preview = false, List<string>? warnings = null)
    {
        var state = old.Resources.ToDictionary(r => r.Name, StringComparer.Ordinal);
        var steps = new List<Step>();
        var deleteAtEnd = new List<Step>();
        var deleted = new HashSet<string>(StringComparer.Ordinal);
        foreach (var r in next.Resources)
        {
            var imported = false;
            if (!deleted.Contains(r.Name) && !state.ContainsKey(r.Name) && r.ImportId is { } importId && live is not null)
            {
                var read = live.Read(r.Type, importId, null, r.AccountLevel)
                    ?? throw new EngineException($"resource '{importId}' does not exist (import of {r.Name})");
                var was0 = r with { Outputs = read.SetItem("__name", r.Name).SetItem("__id", importId), Options = r.Options };
                steps.Add(new Step("import", was0, importId));
                state[r.Name] = was0;
                imported = true;
            }

            if (deleted.Contains(r.Name) || !state.TryGetValue(r.Name, out var was))
            {
                steps.Add(new Step("create", r, deleted.Contains(r.Name) ? "recreated after a delete-before-replace" : "new"));
                continue;
            }

            // Ignored properties keep their old values for the diff [fact: engine-ignore-changes].
            // A trigger replaces when both are set and differ [fact: engine-replacement-trigger].
            var triggered = r.Options.ReplacementTrigger is { } t && was.Options.ReplacementTrigger is { } u && t != u && !imported;
            var (changed, replace) = Diff(r, was.Outputs, r.Options.IgnoreChanges);
            if (!triggered && !replace)
            {
                if (changed.Count > 0)
                {
                    steps.Add(new Step("update", r with { Outputs = r.Outputs.SetItem("__id", was.Id) }, string.Join(",", changed)));
                }

                continue;
            }

            if (imported)
            {
                var message = $"inputs to import do not match the existing resource; importing this resource will fail: {r.Name} ({string.Join(",", changed)})";
                if (!preview)
                {
                    throw new EngineException(message);
                }

                warnings?.Add(message);
            }

            // A protected resource cannot be replaced [fact: engine-protect-no-replace].
            if (r.Options.Protect && was.Options.Protect)
            {
                throw new EngineException($"unable to replace resource '{r.Name}' as it is currently marked for protection");
            }

            if (r.Options.DeleteBeforeReplace)
            {
                // Delete first, and first every dependent whose ForceNew input depends on it (inputs depending on the
                // replace set become unknown, and the provider's diff replaces on a ForceNew one); a protected dependent
                // stops the update [fact: engine-dependent-replacements].
                var chain = Dependents(old, r.Name);
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
                // Create before delete: the old one is deleted once everything else is done [fact: engine-replace-order].
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

            // A resource retained on delete is only forgotten [fact: engine-retain-on-delete-old-state].
            deleteAtEnd.Add(new Step(gone.Options.RetainOnDelete ? "forget" : "delete", gone, "removed from the program"));
        }

        steps.AddRange(deleteAtEnd.Select(s => s.Resource.Options.RetainOnDelete ? s with { Op = "forget" } : s));
        return steps;
    }

    /// <summary>
    /// The state a successful update leaves: an imported resource holds what Read filled; a created or updated one what
    /// the program declared (with Defaults); an unchanged one its old state [fact: engine-same-keeps-outputs].
    /// </summary>
    public static Deployed StateAfter(Deployed old, Deployed next, IReadOnlyList<Step> steps)
    {
        var byName = old.Resources.ToDictionary(r => r.Name, StringComparer.Ordinal);
        foreach (var s in steps.Where(s => s.Op == "import"))
        {
            byName[s.Resource.Name] = s.Resource;
        }

        var updated = steps.Where(s => s.Op == "update").Select(s => s.Resource.Name).ToHashSet(StringComparer.Ordinal);
        var created = steps.Where(s => s.Op == "create").Select(s => s.Resource.Name).ToHashSet(StringComparer.Ordinal);
        return new Deployed
        {
            Resources = next.Resources.Select(r =>
                created.Contains(r.Name) || !byName.TryGetValue(r.Name, out var was) ? r
                : updated.Contains(r.Name) ? r with { Outputs = r.Outputs.SetItem("__id", was.Id) }
                : was with { Inputs = r.Inputs, Options = r.Options, PropertyDependencies = r.PropertyDependencies, ImportId = r.ImportId }).ToList(),
        };
    }

    /// <summary>
    /// <c>pulumi refresh</c> (or <c>preview --refresh</c>): every resource's state becomes what its provider's Read returns
    /// from the live estate (Read is called with the old state [fact: engine-refresh-reads]); a resource Read
    /// finds gone is dropped from the state.
    /// </summary>
    public static Deployed Refresh(Deployed state, Estate live) => new()
    {
        Resources = state.Resources
            .Select(r => live.Read(r.Type, r.Id, r.Outputs, r.AccountLevel) is { } read
                ? r with { Outputs = read.SetItem("__name", r.Name).SetItem("__id", r.Id) }
                : null)
            .OfType<Registered>().ToList(),
    };

    /// <summary>
    /// The delete-replaced step of a delete-before-replace, built from the OLD state. Its Apply skips the provider's
    /// Delete when that old state has retainOnDelete ("Deleting a 'drop on delete' is a no-op"; the same step serves
    /// delete and delete-replaced) [fact: engine-retain-on-delete-old-state].
    /// </summary>
    private static Step DeleteReplaced(Registered old, string why) =>
        old.Options.RetainOnDelete ? new Step("forget", old, $"{why}: retained, no Delete call") : new Step("delete", old, why);

    /// <summary>Old resources replaced with <paramref name="root"/>: through property dependencies on ForceNew inputs, transitively.</summary>
    private static List<Registered> Dependents(Deployed old, string root)
    {
        var replace = new HashSet<string>(StringComparer.Ordinal) { root };
        var order = new List<Registered>();
        foreach (var r in old.Resources)
        {
            var forceNew = ForceNew(r.Type);
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
            if (s.Op is not ("forget" or "import"))
            {
                estate.Apply(s.Op, s.Resource.Type, s.Resource.Inputs, s.Resource.Outputs, s.Resource.AccountLevel);
            }

            after?.Invoke(i, s);
        }
    }

    /// <summary>A canonical text of a value: maps by key (empty entries dropped), sets sorted.</summary>
    public static string Canon(object? value, bool set = false)
    {
        string Write(object? v, bool isSet)
        {
            switch (v)
            {
                case null: return "null";
                case string s: return s.Length == 0 ? "null" : $"\"{s}\"";
                case bool b: return b ? "true" : "false";
                case IReadOnlyDictionary<string, object?> d:
                    return "{" + string.Join(",", d.Where(kv => kv.Value is not null && kv.Value is not "")
                        .OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}:{Write(kv.Value, true)}")) + "}";
                case IEnumerable e:
                    var items = e.Cast<object?>().Select(x => Write(x, true)).ToList();
                    if (items.Count == 0)
                    {
                        return "null";
                    }

                    if (isSet)
                    {
                        items.Sort(StringComparer.Ordinal);
                    }

                    return "[" + string.Join(",", items) + "]";
                default: return Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture)!;
            }
        }

        return Write(value, set);
    }
}

public sealed class EngineException(string message) : Exception(message);
