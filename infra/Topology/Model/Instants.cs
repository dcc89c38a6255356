namespace DatabricksAccess.Topology.Model;

/// <summary>How instants are written everywhere: ISO-8601, UTC, to the second.</summary>
public static class Instants
{
    public static string Format(DateTimeOffset instant) => instant.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'");
}
