using DatabricksAccess.Topology.Planning;
using Pulumi;

namespace DatabricksAccess.Infra.Components;

/// <summary>
/// The resources a plan decided for one parent (a component, or the stack when the parent is null). Every resource
/// is created through <see cref="Create{T}(string, Func{CustomResourceOptions, T})"/> (or its overload with dependencies), which hands out the options the plan decided (parent, provider by
/// scope, protect, delete-before-replace, retain-on-delete) and checks the type token; <see cref="Complete"/> then checks that nothing planned was left out.
/// Names, providers and protect flags are therefore never decided here, only looked up.
/// </summary>
public sealed class PlannedChildren
{
    private readonly Dictionary<string, PlannedResource> _planned;
    private readonly HashSet<string> _created = new(StringComparer.Ordinal);
    private readonly Resource? _parent;
    private readonly ProviderSet _providers;
    private readonly IReadOnlyList<ResourceTransformation> _transformations;

    public PlannedChildren(IEnumerable<PlannedResource> planned, Resource? parent, ProviderSet providers,
        IReadOnlyList<ResourceTransformation>? transformations = null)
    {
        _planned = planned.ToDictionary(r => r.Name, r => providers.ImportIds.TryGetValue(r.Name, out var id) ? r with { ImportId = id } : r, StringComparer.Ordinal);
        _parent = parent;
        _providers = providers;
        _transformations = transformations ?? [];
    }

    /// <summary>The children of <paramref name="component"/>, which must be the component <paramref name="plan"/> names.</summary>
    public static PlannedChildren Of(ComponentResource component, IComponentPlan plan, ProviderSet providers)
    {
        var name = component.GetResourceName();
        if (plan.Name != name || plan.Type != component.GetResourceType())
        {
            throw new ArgumentException($"component {component.GetResourceType()} '{name}' is given the plan of {plan.Type} '{plan.Name}'", nameof(plan));
        }

        return new PlannedChildren(plan.Resources, component, providers);
    }

    public PlannedResource this[string name] =>
        _planned.TryGetValue(name, out var r)
            ? r
            : throw new InvalidOperationException($"'{name}' is not in the resource plan{(_parent is null ? string.Empty : $" of {_parent.GetResourceName()}")}");

    /// <summary>The options the plan decided for <paramref name="name"/>.</summary>
    public CustomResourceOptions Options(string name)
    {
        var planned = this[name];
        var options = new CustomResourceOptions
        {
            Parent = _parent,
            Provider = _providers.For(planned.Provider),
            Protect = planned.Protect,
            DeleteBeforeReplace = planned.DeleteBeforeReplace,
            RetainOnDelete = planned.RetainOnDelete,

            // An adopted object (topology.imports): the first up imports it. Pulumi does not refuse an import whose
            // declared inputs differ from the live object: it imports and then updates it [fact: engine-import-then-update],
            // which the deploy's migration guard refuses.
            ImportId = planned.ImportId,
        };
        options.ResourceTransformations.AddRange(_transformations);
        return options;
    }

    /// <summary>Options for a data-source lookup made on behalf of this parent.</summary>
    public InvokeOptions Invoke(ProviderScope scope) => new() { Parent = _parent, Provider = _providers.For(scope) };

    /// <summary>Creates the planned resource <paramref name="name"/> with the options the plan decided.</summary>
    public T Create<T>(string name, Func<CustomResourceOptions, T> create)
        where T : CustomResource
        => Create(name, create(Options(name)));

    /// <summary>
    /// Creates the planned resource <paramref name="name"/> after <paramref name="dependsOn"/> (the gates of the principals
    /// it names: their workspace assignment, their rule set). A <c>DependsOn</c> orders the create and never folds an id
    /// into an input, so replacing a gate never replaces this resource (dependent replacements follow property
    /// dependencies only [fact: engine-dependent-replacements]).
    /// </summary>
    public T Create<T>(string name, IEnumerable<Resource> dependsOn, Func<CustomResourceOptions, T> create)
        where T : CustomResource
    {
        var options = Options(name);
        options.DependsOn.AddRange(dependsOn.Distinct().ToList());
        return Create(name, create(options));
    }

    /// <summary>Records a resource created with (a copy of) <see cref="Options"/> and checks its type token.</summary>
    public T Create<T>(string name, T resource)
        where T : CustomResource
    {
        var planned = this[name];
        if (resource.GetResourceName() != name || resource.GetResourceType() != planned.Type)
        {
            throw new InvalidOperationException(
                $"registered {resource.GetResourceType()} '{resource.GetResourceName()}' where the plan has {planned.Type} '{name}'");
        }

        if (!_created.Add(name))
        {
            throw new InvalidOperationException($"'{name}' is registered twice");
        }

        if (planned.ImportId is not null)
        {
            _providers.Imported.Add((name, resource.Id));
        }

        return resource;
    }

    /// <summary>Throws when a planned resource was not registered.</summary>
    public void Complete()
    {
        var missing = _planned.Keys.Where(k => !_created.Contains(k)).Order(StringComparer.Ordinal).ToList();
        if (missing.Count > 0)
        {
            throw new InvalidOperationException($"planned but not registered: {string.Join(", ", missing)}");
        }
    }
}

/// <summary>The Databricks providers by scope: workspace resources use the default provider (null here).</summary>
public sealed class ProviderSet(Pulumi.Databricks.Provider? account)
{
    public static ProviderSet WorkspaceOnly { get; } = new(null);

    /// <summary>The plan's import ids by resource name (<see cref="ResourcePlan.ImportIds"/>), handed to every component with the providers.</summary>
    public IReadOnlyDictionary<string, string> ImportIds { get; init; } = new Dictionary<string, string>();

    /// <summary>The resources registered with an import id in this run, with their ids (the <c>importedResources</c> output).</summary>
    public List<(string Name, Output<string> Id)> Imported { get; } = [];

    public Pulumi.Databricks.Provider? Account => account;

    public ProviderResource? For(ProviderScope scope) => scope switch
    {
        ProviderScope.Account => account
            ?? throw new InvalidOperationException("the plan puts a resource on the account provider, but no account provider exists"),
        _ => null,
    };
}
