using DatabricksAccess.Live.Adoption;
using DatabricksAccess.Topology.Model;
using static DatabricksAccess.Adoption.StackText;

namespace DatabricksAccess.Adoption;

/// <summary>Secret scopes: each with its ACLs, and its secrets declared existing (values are never read).</summary>
public sealed partial class Adopter
{
    /// <summary>An ACL as the model names its principal, with the live permission.</summary>
    private sealed record LiveAcl(string Ref, string Permission);

    private void AdoptScope(EstateScopeRead read)
    {
        var name = read.Scope.Name!;
        if (input.SecretScopes.Values.Any(s => s.Name == name))
        {
            _report.AlreadyDeclared++;
            return;
        }

        var key = NewKey(name, _scopeKeys, "scope");
        var kv = string.Equals(read.Scope.BackendType, "AZURE_KEYVAULT", StringComparison.OrdinalIgnoreCase);
        var e = Entry("secretScopes", key, $"secret scope '{Comment(name)}'");
        e.Lines.Add($"# adopted {stamp} from the secret scope '{Comment(name)}' ({(kv ? "Azure Key Vault-backed" : "Databricks-backed")})");
        e.Lines.Add($"{Scalar(key)}:");
        if (name != key)
        {
            e.Lines.Add($"  name: {Scalar(name)}");
        }

        if (kv)
        {
            e.Lines.Add("  backend: azure-keyvault");
            e.Lines.Add("  keyVault:");
            e.Lines.Add($"    resourceId: {Scalar(read.Scope.KeyVault?.ResourceId ?? string.Empty)}");
            e.Lines.Add($"    dnsName: {Scalar(read.Scope.KeyVault?.DnsName ?? string.Empty)}");
        }

        var principals = new Dictionary<string, string>(StringComparer.Ordinal);
        var acls = new List<LiveAcl>();
        foreach (var acl in read.Acls.Where(a => a.Principal is { Length: > 0 } && a.Permission is { Length: > 0 }))
        {
            if (input.Deployer?.AdminApplicationIds.Contains(acl.Principal!, StringComparer.OrdinalIgnoreCase) == true)
            {
                continue; // the deployer's MANAGE is declared without a line (docs/audit.md)
            }

            if (Principal(acl.Principal!, $"scope {name}") is { } r && principals.TryAdd(r, acl.Principal!))
            {
                acls.Add(new LiveAcl(r, acl.Permission!.ToUpperInvariant()));
            }
        }

        if (acls.Count > 0)
        {
            e.Lines.Add("  acls:");
            foreach (var (r, permission) in acls.OrderBy(a => a.Ref, StringComparer.Ordinal))
            {
                e.Lines.Add($"    {Scalar(r)}: {permission}");
                e.Acls++;
            }
        }

        var secrets = read.SecretKeys.Where(k => Names.IsKey(k.ToLowerInvariant())).ToList();
        foreach (var bad in read.SecretKeys.Except(secrets))
        {
            Skip($"secret '{Comment(bad)}' of scope {name}: not a key the model accepts");
        }

        if (secrets.Count > 0)
        {
            e.Lines.Add("  # values are not readable: existing: true declares the secret without managing (or ever writing) its value");
            e.Lines.Add("  secrets:");
            foreach (var k in secrets.DistinctBy(k => k.ToLowerInvariant()))
            {
                e.Lines.Add($"    {Scalar(k)}: {{ existing: true }}");
                e.Secrets.Add($"{name}/{k}");
            }
        }

        _ids.Scopes[key] = new AdoptedScopeIds(name, principals);
    }
}
