namespace DatabricksAccess.Live;

/// <summary>Where the audit reads: the workspace host, and the account when the stack has one.</summary>
public sealed record LiveTarget(Uri Workspace, AccountTarget? Account)
{
    /// <summary>
    /// The stack has an account, but only the workspace is read (<c>audit --workspace-only</c>, the scheduled audit,
    /// whose identity holds no account role): the workspace's permission assignments come from the workspace's own
    /// API, account groups from the workspace's SCIM view of them, and account roles are not read at all
    /// (<see cref="Account"/> is null; the prod deploy job's audit reads them).
    /// </summary>
    public bool WorkspaceOnly { get; init; }

    /// <summary>
    /// The DNS zones of Azure Databricks, whose workspace (<c>adb-…</c>) and account (<c>accounts.…</c>) hosts are the
    /// only ones a credential is sent to: databricks-sdk-go's <c>envs</c> [fact: sdk-environments], the
    /// Azure entries (public <c>.azuredatabricks.net</c>, its dev and staging zones below it; US Government
    /// <c>.databricks.azure.us</c>; China <c>.databricks.azure.cn</c>), matched by suffix as GetEnvironmentForHostname does.
    /// </summary>
    public static readonly IReadOnlyList<string> AzureDnsZones = [".azuredatabricks.net", ".databricks.azure.us", ".databricks.azure.cn"];

    /// <summary>
    /// <see cref="TryParseHost(string?, IReadOnlyCollection{string}, out Uri, out string)"/> with no other host allowed.
    /// </summary>
    public static bool TryParseHost(string? text, out Uri host, out string error) => TryParseHost(text, [], out host, out error);

    /// <summary>
    /// The scheme and authority of a configured host. https only; plain http only for a loopback address (tests). The
    /// host is an Azure Databricks workspace or account host (<see cref="AzureDnsZones"/>), a loopback address, or one
    /// of <paramref name="allowedHosts"/> (<c>--allow-host</c>): the OAuth secret or token goes to no other host.
    /// </summary>
    public static bool TryParseHost(string? text, IReadOnlyCollection<string> allowedHosts, out Uri host, out string error)
    {
        host = null!;
        if (string.IsNullOrWhiteSpace(text) || !Uri.TryCreate(text.Trim(), UriKind.Absolute, out var uri))
        {
            error = "is not an absolute URL";
            return false;
        }

        if (uri.Scheme != Uri.UriSchemeHttps && !(uri.Scheme == Uri.UriSchemeHttp && uri.IsLoopback))
        {
            error = "must be an https URL (plain http only for a loopback address)";
            return false;
        }

        if (uri.UserInfo.Length > 0 || uri.Query.Length > 0 || uri.Fragment.Length > 0 || uri.AbsolutePath.Trim('/').Length > 0)
        {
            error = "must be a host URL only, without user, path, query or fragment";
            return false;
        }

        if (!uri.IsLoopback && !IsAzureDatabricks(uri) && !allowedHosts.Any(a => string.Equals(a.Trim().TrimEnd('.'), uri.IdnHost.TrimEnd('.'), StringComparison.OrdinalIgnoreCase)))
        {
            error = $"is not an Azure Databricks workspace or account host (*{string.Join(", *", AzureDnsZones)}); credentials are sent to no other host unless --allow-host names it";
            return false;
        }

        host = new Uri(uri.GetLeftPart(UriPartial.Authority) + "/");
        error = string.Empty;
        return true;
    }

    /// <summary>A host name with at least one label before an Azure Databricks zone (compared as IDNA ASCII, trailing dot ignored).</summary>
    private static bool IsAzureDatabricks(Uri uri)
    {
        var name = uri.IdnHost.TrimEnd('.').ToLowerInvariant();
        return uri.HostNameType == UriHostNameType.Dns
            && AzureDnsZones.Any(zone => name.EndsWith(zone, StringComparison.Ordinal) && name.Length > zone.Length);
    }
}

/// <summary>The account host, account id and the workspace's numeric id in that account.</summary>
public sealed record AccountTarget(Uri Host, string AccountId, string WorkspaceId);
