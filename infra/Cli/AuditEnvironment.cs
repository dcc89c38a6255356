using DatabricksAccess.Live;

namespace DatabricksAccess.Cli;

/// <summary>What the audit takes from its surroundings; tests give a loopback handler, short timeouts and a token.</summary>
public sealed record AuditEnvironment
{
    public static AuditEnvironment Default { get; } = new();

    /// <summary>Environment variables (<c>DATABRICKS_CLIENT_ID</c>, <c>DATABRICKS_CLIENT_SECRET</c>, <c>DATABRICKS_TOKEN</c>).</summary>
    public Func<string, string?> Variables { get; init; } = Environment.GetEnvironmentVariable;

    /// <summary>The HTTP handler; null: a new one that follows no redirects.</summary>
    public HttpMessageHandler? Handler { get; init; }

    public ClientOptions Client { get; init; } = new();

    /// <summary>Write a progress line to stderr (when stderr is a terminal).</summary>
    public bool Progress { get; init; }

    /// <summary>The Microsoft Entra token source, tried when no OAuth client is set (before DATABRICKS_TOKEN).</summary>
    public Func<ITokenSource> AzureTokens { get; init; } = AzureTokenSource.Default;

    /// <summary>The clock OAuth tokens expire by.</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;

    /// <summary>
    /// Hosts beyond Azure Databricks' own (and loopback) that may receive the credential (<c>--allow-host</c>); empty:
    /// none (<see cref="LiveTarget.TryParseHost(string?, IReadOnlyCollection{string}, out Uri, out string)"/>).
    /// </summary>
    public IReadOnlyCollection<string> AllowedHosts { get; init; } = [];

    /// <summary>
    /// <c>--workspace-only</c>: no call to the account host, even for a stack with an account (the scheduled audit,
    /// whose identity holds no account role; <see cref="LiveTarget.WorkspaceOnly"/>).
    /// </summary>
    public bool WorkspaceOnly { get; init; }
}
