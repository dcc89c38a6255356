namespace DatabricksAccess.Live;

/// <summary>
/// The audit cannot go on: a call failed (naming the call and its HTTP status), or no token could be had. Its
/// message is one line, shown as is: it never carries a token.
/// </summary>
public sealed class AuditException : Exception
{
    public AuditException(string message)
        : base(message)
    {
    }

    public AuditException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public AuditException()
    {
    }
}
