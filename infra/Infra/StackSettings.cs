using Pulumi;

namespace DatabricksAccess.Infra;

/// <summary>What the program takes from stack config besides the topology: the standard <c>databricks:</c> keys.</summary>
/// <param name="DatabricksHost">The workspace URL (<c>databricks:host</c>); the web apps get it as DATABRICKS_HOST.</param>
/// <param name="Auth">Azure authentication settings the account provider inherits from the default provider's config.</param>
public sealed record StackSettings(string? DatabricksHost, DatabricksAuthSettings Auth)
{
    public static StackSettings FromConfig(Config databricks) => new(
        databricks.Get("host"),
        new DatabricksAuthSettings(
            databricks.Get("authType"),
            databricks.Get("azureTenantId"),
            databricks.Get("azureClientId"),
            databricks.GetBoolean("azureUseMsi"),
            databricks.Get("azureEnvironment")));
}

/// <summary>
/// Non-secret authentication settings of the <c>databricks:</c> config namespace. The explicit account provider does
/// not read stack config by itself, so these are passed through; credentials never are (the environment supplies them).
/// </summary>
public sealed record DatabricksAuthSettings(
    string? AuthType = null,
    string? AzureTenantId = null,
    string? AzureClientId = null,
    bool? AzureUseMsi = null,
    string? AzureEnvironment = null);

/// <summary>Options of one program run that do not come from config.</summary>
public sealed class BuildOptions
{
    /// <summary>
    /// Transformations applied to every resource the stack registers: components pass them on to their children.
    /// Tests use one to observe the options (parent, provider, protect) each resource is registered with.
    /// </summary>
    public List<ResourceTransformation> ResourceTransformations { get; } = [];

    /// <summary>
    /// The scheduled revocation run (DATABRICKS_ACCESS_RUN=revocation, set only by .github/scripts/rotate-due.sh for its
    /// targeted preview and up): policy violations are logged as warnings instead of failing the run, so a policy that
    /// time alone turned red (an exception that expired) never blocks a rotation; invalid config still fails it.
    /// </summary>
    public bool RevocationRun { get; init; }

    /// <summary>The commit recorded in the <c>deployment</c> output; null: the one the program was built from (<see cref="DeploymentRecord.OwnCommit"/>). Tests set it.</summary>
    public string? OwnCommit { get; init; }
}
