namespace DatabricksAccess.Topology.Config;

/// <summary>A file that cannot be read or parsed at all: one line naming the file (and line when known).</summary>
public sealed class ConfigLoadException : Exception
{
    public ConfigLoadException(string message)
        : base(message)
    {
    }

    public ConfigLoadException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public ConfigLoadException()
    {
    }
}
