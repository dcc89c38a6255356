using DatabricksAccess.Topology.Model;

namespace DatabricksAccess.Topology.Evaluation;

/// <summary>
/// How one principal can act as another: READ or stronger on a secret scope that stores that principal's token or
/// OAuth secret (whoever reads the secret signs in as it), or CAN_MANAGE_RUN / CAN_MANAGE on a job that runs as it
/// (a job is code that runs with its run-as identity; CAN_MANAGE_RUN starts it, CAN_MANAGE also edits what it runs).
/// </summary>
/// <param name="Target">Who the principal can act as.</param>
/// <param name="How">Review language: "READ on scope app, which stores its OAuth secret".</param>
/// <param name="Path">The config entry that opens the path (the ACL or the job).</param>
public sealed record ActAsEdge(PrincipalRef Target, string How, string Path);

/// <summary>The credential stores and run-as identities of one model, indexed for <see cref="EffectiveAccess"/> and the policy.</summary>
public sealed class ActingAs
{
    private readonly Dictionary<string, List<(PrincipalRef Owner, SecretSourceKind Kind)>> _storesByScope = new(StringComparer.Ordinal);
    private readonly TopologyModel _model;

    public ActingAs(TopologyModel model)
    {
        _model = model;
        foreach (var scope in model.SecretScopes.Values)
        {
            // A set beside the list: a scope may store the credentials of hundreds of thousands of principals, and a
            // List.Contains per secret made that quadratic (the hostile token-stores input took minutes). Both sized
            // for the scope's secrets up front: grown step by step, such large arrays were garbage several times over.
            var seen = new HashSet<(PrincipalRef, SecretSourceKind)>(scope.Secrets.Count);
            var stores = new List<(PrincipalRef Owner, SecretSourceKind Kind)>(scope.Secrets.Count);
            foreach (var secret in scope.Secrets)
            {
                if (secret.CredentialOwner is { } owner && secret.Source is SecretSourceKind.Token or SecretSourceKind.OAuthSecret
                    && seen.Add((PrincipalRef.Sp(owner), secret.Source)))
                {
                    stores.Add((PrincipalRef.Sp(owner), secret.Source));
                }
            }

            if (stores.Count > 0)
            {
                _storesByScope[scope.Key] = stores;
            }
        }
    }

    /// <summary>Whether any path to act as another principal exists in the model at all (most stacks: none to look for).</summary>
    public bool Any => _storesByScope.Count > 0 || _model.Jobs.Count > 0;

    private static readonly IReadOnlyList<(PrincipalRef Owner, SecretSourceKind Kind)> None = [];

    /// <summary>The service principals whose token or OAuth secret the scope (by config key) stores.</summary>
    public IReadOnlyList<(PrincipalRef Owner, SecretSourceKind Kind)> StoredIn(string scopeKey) =>
        _storesByScope.TryGetValue(scopeKey, out var list) ? list : None;

    /// <summary>Every principal one of whose credentials some scope stores, or that a job runs as.</summary>
    public IEnumerable<PrincipalRef> Targets() =>
        _storesByScope.Values.SelectMany(l => l.Select(s => s.Owner)).Concat(_model.Jobs.Values.Select(j => j.RunAs)).Distinct();

    /// <summary>
    /// The principals of <see cref="Targets"/> that a grant lets another principal act as: the targets of
    /// <see cref="Grants"/>, the same edges <see cref="ExposuresOf"/> reports.
    /// </summary>
    public HashSet<PrincipalRef> Exposed() => Grants(_ => true).Select(g => g.Target).ToHashSet();

    /// <summary>Scopes (by config key) that store someone's credential.</summary>
    public IEnumerable<string> StoringScopes => _storesByScope.Keys;

    public static string CredentialName(SecretSourceKind kind) => kind == SecretSourceKind.Token ? "token" : "OAuth secret";

    /// <summary>The principals one can act as through the secret-scope and job entries of its effective access.</summary>
    public IEnumerable<(ActAsEdge Edge, AccessEntry Through)> From(PrincipalRef principal, IEnumerable<AccessEntry> entries)
    {
        foreach (var e in entries)
        {
            var via = e.Via is null ? string.Empty : $" through {e.Via}";
            if (e.Kind == AccessKind.SecretScope && _storesByScope.TryGetValue(e.ResourceKey ?? e.Resource, out var stores))
            {
                // READ is the weakest secret permission: every ACL reads.
                foreach (var (owner, kind) in stores.Where(s => s.Owner != principal))
                {
                    var scope = _model.SecretScopes[e.ResourceKey ?? e.Resource];
                    yield return (new ActAsEdge(owner, $"{e.Permission} on scope {scope.Name}{via}, which stores its {CredentialName(kind)}", scope.Path), e);
                }
            }
            else if (e.Kind == AccessKind.Job && e.Permission is "CAN_MANAGE_RUN" or "CAN_MANAGE"
                && _model.Jobs.TryGetValue(e.ResourceKey ?? e.Resource, out var job) && job.RunAs != principal)
            {
                yield return (new ActAsEdge(job.RunAs, $"{e.Permission} on job {job.Name}{via}, which runs as it", job.Path), e);
            }
        }
    }

    /// <summary>
    /// Direct grants that let their holder act as a principal that <paramref name="isAdmin"/>: by holder (the ACL's or
    /// job permission's principal, often a group), each with its edge.
    /// </summary>
    public Dictionary<PrincipalRef, List<ActAsEdge>> ExposuresOf(Func<PrincipalRef, bool> isAdmin)
    {
        var result = new Dictionary<PrincipalRef, List<ActAsEdge>>();
        foreach (var (holder, _, edge) in Grants(isAdmin))
        {
            result.GetOrAdd(holder).Add(edge());
        }

        return result;
    }

    /// <summary>
    /// Every direct grant that lets its holder act as another principal the <paramref name="target"/> filter keeps: an
    /// ACL on a scope that stores the target's credential, CAN_MANAGE_RUN or more on a job that runs as it. The edge is
    /// written only when asked for.
    /// </summary>
    private IEnumerable<(PrincipalRef Holder, PrincipalRef Target, Func<ActAsEdge> Edge)> Grants(Func<PrincipalRef, bool> target)
    {
        foreach (var (scopeKey, stores) in _storesByScope)
        {
            var scope = _model.SecretScopes[scopeKey];
            if (scope.Acls.Count == 0)
            {
                continue;
            }

            foreach (var (owner, kind) in stores.Where(s => target(s.Owner)))
            {
                foreach (var acl in scope.Acls.Where(a => a.Principal != owner))
                {
                    yield return (acl.Principal, owner, () => new ActAsEdge(owner, $"{Vocabulary.Name(acl.Permission)} on scope {scope.Name}, which stores its {CredentialName(kind)}", acl.Path));
                }
            }
        }

        foreach (var job in _model.Jobs.Values.Where(j => target(j.RunAs)))
        {
            foreach (var (p, level) in job.Permissions.Where(x => x.Level >= JobPermission.CanManageRun && x.Principal != job.RunAs))
            {
                yield return (p, job.RunAs, () => new ActAsEdge(job.RunAs, $"{Vocabulary.Name(level)} on job {job.Name}, which runs as it", job.Path));
            }
        }
    }
}
