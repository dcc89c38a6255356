namespace DatabricksAccess.Topology.Model;

public enum Severity
{
    Warning,
    Violation,
    Error,
}

/// <summary>One finding, always with the config path it is about.</summary>
public sealed record Diagnostic(Severity Severity, string Path, string Message, string? Rule = null)
{
    public override string ToString() => Severity switch
    {
        Severity.Violation => $"{Path}: policy {Rule}: {Message}",
        Severity.Warning => $"{Path}: warning: {Message}",
        _ => $"{Path}: {Message}",
    };
}

public sealed class Diagnostics
{
    private readonly List<Diagnostic> _items = [];

    public IReadOnlyList<Diagnostic> Items => _items;

    public bool HasErrors => _items.Any(d => d.Severity == Severity.Error);

    public void Error(string path, string message) => _items.Add(new(Severity.Error, path, message));

    public void Violation(string path, string rule, string message) => _items.Add(new(Severity.Violation, path, message, rule));

    public void Warning(string path, string message) => _items.Add(new(Severity.Warning, path, message));

    public void AddRange(IEnumerable<Diagnostic> diagnostics) => _items.AddRange(diagnostics);

    /// <summary>0 clean (warnings allowed), 1 policy violations, 2 invalid config.</summary>
    public static int ExitCodeOf(IEnumerable<Diagnostic> diagnostics)
    {
        var code = 0;
        foreach (var d in diagnostics)
        {
            if (d.Severity == Severity.Error)
            {
                return 2;
            }

            if (d.Severity == Severity.Violation)
            {
                code = 1;
            }
        }

        return code;
    }
}
