namespace DatabricksAccess.Live;

/// <summary>Reads the live state a declaration needs (GET only) and compares it with the declaration.</summary>
public static class Auditor
{
    /// <summary>The note of an audit that read only the workspace of a stack with account-level identities.</summary>
    public const string WorkspaceOnlyNote =
        "account roles not read (--workspace-only: this identity holds no account role); the prod deploy job's audit reads them";

    public static async Task<AuditReport> RunAsync(Declaration declaration, LiveTarget target, DatabricksClient client, CancellationToken cancellationToken)
    {
        var live = await new LiveReader(client).ReadAsync(declaration, target, cancellationToken).ConfigureAwait(false);
        var report = Comparison.Compare(declaration, live);
        return target.WorkspaceOnly && declaration.Principals.Any(p => p.AccountLevel)
            ? report with { Notes = [.. report.Notes, WorkspaceOnlyNote] }
            : report;
    }
}
