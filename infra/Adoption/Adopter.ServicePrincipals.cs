using DatabricksAccess.Live.Adoption;
using DatabricksAccess.Live.Api;
using DatabricksAccess.Topology.Model;
using static DatabricksAccess.Adoption.StackText;

namespace DatabricksAccess.Adoption;

/// <summary>Service principals: their keys (members, ACLs, grants and jobs refer to them), then each one.</summary>
public sealed partial class Adopter
{
    /// <summary>A live service principal to adopt under its new key, with its account-level assignment's principal id and access, if any.</summary>
    private sealed record ServicePrincipalToAdopt(EstateServicePrincipal Sp, bool Account, string Key, long? AssignmentId, string? Access);

    /// <summary>
    /// Keys every service principal of the workspace, and each account one assigned to it, once by application id:
    /// not the deployer or an automation identity, and not one the input declares.
    /// </summary>
    private List<ServicePrincipalToAdopt> KeyServicePrincipals(List<AssignmentItem> assignments, Dictionary<string, EstateServicePrincipal> accountSpIds)
    {
        var deployer = input.Deployer?.AdminApplicationIds.ToHashSet(StringComparer.OrdinalIgnoreCase) ?? [];
        var sps = new List<ServicePrincipalToAdopt>();
        var seenApps = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var assignedSps = assignments.Where(a => a.Principal!.ServicePrincipalName is not null)
            .ToDictionary(a => a.Principal!.ServicePrincipalName!, StringComparer.OrdinalIgnoreCase);
        var candidates = estate.WorkspaceSps.Concat(estate.AccountSps.Where(s => s.ApplicationId is not null && assignedSps.ContainsKey(s.ApplicationId)));
        foreach (var s in candidates.Where(s => s.Id is not null && s.ApplicationId is not null))
        {
            if (!seenApps.Add(s.ApplicationId!) || deployer.Contains(s.ApplicationId!))
            {
                continue;
            }

            if (_spRefByAppId.ContainsKey(s.ApplicationId!))
            {
                _report.AlreadyDeclared++;
                continue;
            }

            var isAccount = _account && accountSpIds.ContainsKey(s.ApplicationId!);
            var key = NewKey(s.DisplayName ?? s.ApplicationId!, _spKeys, "sp");
            _spRefByAppId[s.ApplicationId!] = $"sp:{key}";
            var assignment = isAccount && assignedSps.TryGetValue(s.ApplicationId!, out var a) ? a : null;
            sps.Add(new ServicePrincipalToAdopt(s, isAccount, key, assignment?.Principal?.PrincipalId, Access(assignment)));
        }

        return sps;
    }

    private void AdoptSp(ServicePrincipalToAdopt adopt, Dictionary<string, EstateServicePrincipal> accountSps)
    {
        var (s, isAccount, key, assignmentId, access) = adopt;
        var name = s.DisplayName ?? s.ApplicationId!;
        var entra = !string.IsNullOrEmpty(s.ExternalId);
        var e = Entry("servicePrincipals", key, $"service principal '{Comment(name)}' ({Comment(s.ApplicationId!)})");
        e.Lines.Add($"# adopted {stamp} from the {(isAccount ? "account" : "workspace")} service principal '{Comment(name)}' (SCIM id {Comment(s.Id!)})");
        e.Lines.Add($"{Scalar(key)}:");
        if (name != key)
        {
            e.Lines.Add($"  displayName: {Scalar(name)}");
        }

        e.Lines.Add($"  applicationId: {Scalar(s.ApplicationId!)}");
        if (entra)
        {
            e.Lines.Add("  source: entra");
        }

        if (_account && !isAccount)
        {
            e.Lines.Add("  level: workspace");
        }
        else if (isAccount && (access ?? "none") != "user")
        {
            e.Lines.Add($"  workspaceAccess: {access ?? "none"}");
        }

        var wsSp = estate.WorkspaceSps.FirstOrDefault(w => string.Equals(w.ApplicationId, s.ApplicationId, StringComparison.OrdinalIgnoreCase));
        var entitlements = Entitlements(wsSp?.Entitlements);
        if (entitlements.Count > 0)
        {
            e.Lines.Add($"  entitlements: [{string.Join(", ", entitlements)}]");
        }

        var accountId = isAccount && accountSps.TryGetValue(s.ApplicationId!, out var a) ? a.Id! : s.Id!;
        _ids.Sps[key] = new AdoptedServicePrincipalIds(accountId, entitlements.Count > 0 ? wsSp?.Id : null, assignmentId, !entra);
    }
}
