using DatabricksAccess.Topology.Config;
using DatabricksAccess.Topology.Evaluation;
using DatabricksAccess.Topology.Model;
using DatabricksAccess.Topology.Planning;

namespace DatabricksAccess.Topology;

/// <summary>The outcome of reading one stack's config at one instant.</summary>
public sealed class EvaluationResult
{
    private IReadOnlyList<AccessEntry>? _access;
    private readonly Lazy<ResourcePlan?> _plan;
    private IReadOnlyList<(string Component, PlannedResource Resource)>? _blastRadius;

    internal EvaluationResult(TopologyModel model, IReadOnlyList<Diagnostic> diagnostics, AccessGraph? graph, Func<ResourcePlan?> plan)
    {
        Model = model;
        Diagnostics = diagnostics;
        Graph = graph;
        _plan = new Lazy<ResourcePlan?>(plan, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    public TopologyModel Model { get; }

    public IReadOnlyList<Diagnostic> Diagnostics { get; }

    /// <summary>Null when the config is invalid: nothing is planned from a broken model.</summary>
    public AccessGraph? Graph { get; }

    /// <summary>Worked out when first asked for (a check never needs it).</summary>
    public ResourcePlan? Plan => _plan.Value;

    /// <summary>The plan's authoritative resources, worked out without the rest of the plan; null when invalid.</summary>
    public IReadOnlyList<(string Component, PlannedResource Resource)>? BlastRadius =>
        Graph is null ? null : _blastRadius ??= _plan.IsValueCreated ? _plan.Value!.BlastRadius.ToList() : Planner.BlastRadius(Model);

    public bool IsValid => Graph is not null;

    public int ExitCode => global::DatabricksAccess.Topology.Model.Diagnostics.ExitCodeOf(Diagnostics);

    public IEnumerable<Diagnostic> Errors => Diagnostics.Where(d => d.Severity != Severity.Warning);

    /// <summary>The access matrix: own access and one ACT_AS row per principal each can act as (<see cref="EffectiveAccess"/>).</summary>
    public IReadOnlyList<AccessEntry> Access => _access ??= Graph is null ? [] : Matrix!.Matrix().ToList();

    /// <summary><see cref="Access"/> computed as it is read, without holding it (the plan of a large estate).</summary>
    public IEnumerable<AccessEntry> EnumerateAccess() => _access ?? (Graph is null ? [] : Matrix!.Matrix());

    private AccessClosure? _matrix;
    private AccessClosure? _closure;

    /// <summary>The closure behind the matrix (no paths): also what each principal acted as reaches, for the Acting as section.</summary>
    public AccessClosure? Matrix => Graph is null ? null : _matrix ??= new AccessClosure(Graph, paths: false);

    /// <summary>The full closure with paths (the <c>access</c> verb); null when invalid.</summary>
    public AccessClosure? Closure => Graph is null ? null : _closure ??= new AccessClosure(Graph);
}

public static class TopologyEvaluator
{
    public static EvaluationResult Evaluate(StackConfigInput input, TimeProvider clock) => Evaluate(input, clock.GetUtcNow());

    /// <param name="findings">Problems already found in the file around the config (a plain-text provider credential).</param>
    public static EvaluationResult Evaluate(StackConfigInput input, DateTimeOffset now, IEnumerable<Diagnostic>? findings = null)
    {
        var diagnostics = new Diagnostics();
        diagnostics.AddRange(findings ?? []);
        var model = TopologyBinder.Bind(input, now, diagnostics);
        // Every cross reference is checked even when a section had errors: all findings at once.
        new ReferenceChecker(model, diagnostics, input.Keys).Check();
        new OwnershipChecker(model, diagnostics).Check();
        if (diagnostics.HasErrors)
        {
            return new EvaluationResult(model, Sorted(diagnostics), null, () => null);
        }

        var graph = new AccessGraph(model);
        new PolicyChecker(graph, diagnostics).Check();
        new ReviewWarnings(graph, diagnostics).Check();
        if (model.ImportIds.Count > 0)
        {
            // Only the planner names resources: an import id is checked against the plan (planned once, here).
            var plan = Planner.Plan(model);
            CheckImports(model, plan, diagnostics);
            return new EvaluationResult(model, Sorted(diagnostics), graph, () => plan);
        }

        return new EvaluationResult(model, Sorted(diagnostics), graph, () => Planner.Plan(model));
    }

    /// <summary>
    /// An import id for a name the plan does not register as a provider resource is an error: it would import nothing,
    /// and the object it names would be created beside the live one (a key renamed without its import entry, a typo,
    /// a stale entry after its object left the config). The nearest planned name that has no import id yet is
    /// suggested (a rename changes the key part of the name only).
    /// </summary>
    private static void CheckImports(TopologyModel model, ResourcePlan plan, Diagnostics diagnostics)
    {
        var components = plan.Components.Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
        var names = plan.AllResources.Where(r => !components.Contains(r.Resource.Name) && r.Resource.Type != PulumiTypes.RandomPassword)
            .Select(r => r.Resource.Name).ToHashSet(StringComparer.Ordinal);
        var unimported = names.Where(n => !model.ImportIds.ContainsKey(n)).ToList();
        foreach (var name in model.ImportIds.Keys.Where(n => !names.Contains(n)))
        {
            var hint = Suggest.Closest(name, unimported, Math.Max(3, name.Length / 3)) is { } near ? $"; did you mean '{near}'?" : string.Empty;
            diagnostics.Error($"topology.imports.{name}",
                $"names no resource the plan registers: the object it imports would be created again beside the live one{hint} (rename the entry with its key: docs/adoption.md, renaming)");
        }
    }

    /// <summary>Errors first, then violations, then warnings; each in config order (the sort is stable).</summary>
    private static List<Diagnostic> Sorted(Diagnostics diagnostics) => diagnostics.Items.OrderByDescending(d => d.Severity).ToList();
}
