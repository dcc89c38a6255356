using System.Text.Json;
using DatabricksAccess.Topology;
using DatabricksAccess.Topology.Evaluation;

namespace DatabricksAccess.Cli;

/// <summary>
/// The <c>access</c> answer: every entry of the closure for one principal or one object, each with its permission, its
/// end (the earliest along the path) and reason, and its complete path. The same entries in every format.
/// </summary>
internal static partial class Reports
{
    public static void Access(TextWriter @out, OutputFormat format, string source, EvaluationResult result, string subject,
        IReadOnlyList<ClosureEntry> entries, string? note)
    {
        switch (format)
        {
            case OutputFormat.Json:
                JsonSerializer.Serialize(new Utf8JsonWriterStream(@out), new
                {
                    source,
                    now = Stamp(result.Model.Now),
                    exitCode = result.ExitCode,
                    subject,
                    note,
                    entries = entries.Select(c => new
                    {
                        principal = c.Entry.Principal.ToString(),
                        @object = c.Object,
                        permission = c.Entry.Permission,
                        via = c.Entry.Via,
                        until = c.Entry.Until is { } u ? Stamp(u) : null,
                        reason = c.Entry.Reason,
                        path = c.Path.Select(s => new { kind = s.Kind, from = s.From, to = s.To, via = s.Via }),
                    }),
                }, Json);
                @out.WriteLine();
                break;
            case OutputFormat.Markdown:
                @out.WriteLine($"### Access: {Escape.Code(subject)} in {Escape.Code(source)} at {Stamp(result.Model.Now)}");
                @out.WriteLine();
                @out.WriteLine($"{entries.Count} entr{(entries.Count == 1 ? "y" : "ies")}; {Verdict(result)}.");
                if (note is not null)
                {
                    @out.WriteLine();
                    @out.WriteLine($"_{Escape.Markdown(note)}_");
                }

                @out.WriteLine();
                @out.WriteLine("| Principal | Object | Permission | Until | Reason | Path |");
                @out.WriteLine("|---|---|---|---|---|---|");
                foreach (var c in entries)
                {
                    var path = string.Join("; ", c.Path.Select(s => $"{Escape.Code(s.From, inTable: true)} {s.Kind} {Escape.Code(s.To, inTable: true)} ({Escape.Markdown(s.Via)})"));
                    @out.WriteLine($"| {Escape.Code(c.Entry.Principal.ToString(), inTable: true)} | {Escape.Code(c.Object, inTable: true)} | {Escape.Markdown(c.Entry.Permission)} | {(c.Entry.Until is { } u ? Stamp(u) : "standing")} | {Escape.Markdown(c.Entry.Reason ?? string.Empty)} | {(path.Length == 0 ? "direct" : path)} |");
                }

                break;
            default:
                @out.WriteLine($"Access: {Escape.Text(subject)} in {Escape.Text(source)} at {Stamp(result.Model.Now)}: {entries.Count} entr{(entries.Count == 1 ? "y" : "ies")}; {Verdict(result)}");
                if (note is not null)
                {
                    @out.WriteLine($"  note: {Escape.Text(note)}");
                }

                foreach (var c in entries)
                {
                    var until = c.Entry.Until is { } u ? $" until {Stamp(u)} (reason: {c.Entry.Reason ?? "-"})" : " standing";
                    @out.WriteLine(Escape.Text($"  {c.Entry.Principal}  {c.Entry.Permission} on {c.Object}{until}"));
                    foreach (var s in c.Path)
                    {
                        @out.WriteLine(Escape.Text($"      {s.Kind,-8} {s.From} -> {s.To}  ({s.Via})"));
                    }
                }

                break;
        }
    }
}
