using DatabricksAccess.Live;
using DatabricksAccess.Live.Adoption;
using DatabricksAccess.Topology;
using DatabricksAccess.Topology.Config;
using DatabricksAccess.Topology.Evaluation;
using DatabricksAccess.Topology.Model;
using Severity = DatabricksAccess.Topology.Model.Severity;

namespace DatabricksAccess.Adoption;

/// <summary>
/// What <c>adopt</c> makes of an estate it has read: the merged text, the adopter (report, ids) and its evaluation, or
/// the errors when the file would not be valid (the command line prints each as <c>&lt;out path&gt;: &lt;diagnostic&gt;</c>).
/// </summary>
public sealed record AdoptedStack(string Text, Adopter Adopter, EvaluationResult Final, IReadOnlyList<Diagnostic> Errors)
{
    /// <summary>
    /// The input text with the adopted entries and their import ids merged in (everything <c>adopt</c> does between the
    /// live read and the write). <paramref name="source"/> names the workspace (and account) in the imports comment.
    /// </summary>
    public static AdoptedStack Compose(string text, StackFile stack, TopologyModel model, Estate estate, string workspaceId,
        IReadOnlySet<(string Type, string Name)> named, string outPath, string source)
    {
        var now = model.Now;
        var stamp = AuditOutput.Stamp(now);
        var adopter = new Adopter(model, estate, workspaceId, stamp);
        adopter.Build(named);

        // An adopted object the model still refuses (a rule the adopter does not foresee) is dropped with the error as
        // its reason, and the rest is planned again; the input's own errors were refused above.
        var firstAdoptedGrant = CountItems(stack, "catalogGrants");
        string merged;
        EvaluationResult first;
        for (var round = 0; ; round++)
        {
            merged = StackText.Merge(text, stack.FilePath, adopter.Sections());
            first = TopologyEvaluator.Evaluate(StackFile.Parse(merged, outPath).ToInput(), now);
            var errorsNow = first.Errors.Where(d => d.Severity == Severity.Error).ToList();
            if (errorsNow.Count == 0)
            {
                break;
            }

            var dropped = round < 10 && errorsNow.Select(d => adopter.Drop(d.Path, d.Message, firstAdoptedGrant)).ToList().Any(x => x);
            if (!dropped)
            {
                return new AdoptedStack(merged, adopter, first, errorsNow);
            }
        }

        // Import ids are keyed by the plan's resource names: plan the merged file, then add them.
        if (first.Plan is { } plan)
        {
            var imports = adopter.Imports(plan);
            var lines = new List<string>
            {
                $"# import ids of the objects adopted {stamp} from {source}: the first",
                "# pulumi up imports these instead of creating them (formats: terraform-provider-databricks import docs)",
            };
            lines.AddRange(imports.Select(kv => $"{StackText.Scalar(kv.Key)}: {StackText.Scalar(kv.Value)}"));
            merged = StackText.Merge(merged, stack.FilePath, [new StackText.Section("imports", imports.Count == 0 ? [] : lines)]);
        }

        var final = TopologyEvaluator.Evaluate(StackFile.Parse(merged, outPath).ToInput(), now);
        return new AdoptedStack(merged, adopter, final, final.IsValid ? [] : final.Errors.Where(d => d.Severity == Severity.Error).ToList());
    }

    /// <summary>How many items the input's <c>topology.{section}</c> list holds (adopted items follow them).</summary>
    private static int CountItems(StackFile stack, string section) =>
        section == "catalogGrants" ? TopologyEvaluator.Evaluate(stack.ToInput(), DateTimeOffset.UnixEpoch).Model.CatalogGrants.Count : 0;
}
