namespace DatabricksAccess.Live;

/// <summary>Reads the live state a declaration needs (GET only) and compares it with the declaration.</summary>
public static class Auditor
{
    public static async Task<AuditReport> RunAsync(Declaration declaration, LiveTarget target, DatabricksClient client, CancellationToken cancellationToken)
    {
        var live = await new LiveReader(client).ReadAsync(declaration, target, cancellationToken).ConfigureAwait(false);
        return Comparison.Compare(declaration, live);
    }
}
