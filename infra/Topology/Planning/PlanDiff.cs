using DatabricksAccess.Topology.Model;

namespace DatabricksAccess.Topology.Planning;

/// <summary>A change a reviewer must see besides access: what the stack may revoke, and how credentials rotate.</summary>
/// <param name="Subject">The resource or credential it is about (a stable name).</param>
/// <param name="Text">Review language, one line.</param>
public sealed record PlanChange(string Kind, string Subject, string Text)
{
    /// <summary>A policy change that lets more through (a reviewer with the policy's owners must approve it).</summary>
    public bool Loosens { get; init; }
}

/// <summary>Changes of authority (and of resource options that decide what a delete or replacement does) between two plans.</summary>
public static class PlanDiff
{
    public const string AuthorityKind = "authority";
    public const string RotationKind = "rotation";
    public const string UnsafeKind = "unsafe";
    public const string KeptKind = "kept";

    /// <summary>
    /// Transitions an apply cannot make without revoking declared access: toggling <c>authoritativeGrants</c> for a
    /// securable. Grant to Grants creates the Grants, then deletes each Grant, and a Grant's delete revokes that
    /// principal's privileges [fact: grant-principal-authoritative]; Grants to Grant deletes the Grants, which revokes
    /// every grant on the securable [fact: grants-securable-authoritative]. Each line gives the
    /// safe two-step procedure; none for securables the head lists in <c>intendedMigrations</c>.
    /// </summary>
    public static IReadOnlyList<PlanChange> Unsafe(ResourcePlan before, ResourcePlan after, TopologyModel head, string stack)
    {
        static string Urn(string stack, string type, string name) =>
            $"urn:pulumi:{stack}::databricks-access::{PulumiTypes.GrantsComponent}${type}::{name}";
        var was = before.Grants?.Securables.ToDictionary(s => s.On) ?? [];
        var changes = new List<PlanChange>();
        foreach (var now in after.Grants?.Securables ?? [])
        {
            if (!was.TryGetValue(now.On, out var old) || old.Authoritative == now.Authoritative || head.IntendedMigrations.Contains(now.On))
            {
                continue;
            }

            var path = "topology.authoritativeGrants";
            if (now.Authoritative)
            {
                var forget = string.Join(" && ", old.Grants.Select(g => $"pulumi state delete --stack {stack} --yes '{Urn(stack, PulumiTypes.Grant, old.PrincipalResource(g))}'"));
                changes.Add(new(UnsafeKind, now.On.ToString(),
                    $"{path}: making {now.On} authoritative in one step revokes the declared privileges (the new Grants is created, then each old Grant is deleted, and a Grant's delete revokes its principal's privileges there); " +
                    $"do it in two steps: 1) before merging, forget the Grant resources without revoking: {forget}; 2) merge and run pulumi up (the protected Grants takes over); " +
                    $"or list {now.On} in topology.intendedMigrations if the revocation is intended"));
            }
            else
            {
                var urn = Urn(stack, PulumiTypes.Grants, old.ResourceName);
                changes.Add(new(UnsafeKind, now.On.ToString(),
                    $"{path}: removing {now.On} deletes its protected Grants, which revokes every grant on it, the declared ones included; " +
                    $"do it in two steps: 1) before merging, forget it without revoking: pulumi state unprotect --stack {stack} --yes '{urn}' && pulumi state delete --stack {stack} --yes '{urn}'; " +
                    $"2) merge and run pulumi up (one Grant per principal takes over); or list {now.On} in topology.intendedMigrations if the revocation is intended"));
            }
        }

        return changes;
    }

    public static IReadOnlyList<PlanChange> Compute(ResourcePlan before, ResourcePlan after)
    {
        var old = before.AllResources.Select(x => x.Resource).ToDictionary(r => r.Name, StringComparer.Ordinal);
        var changes = new List<PlanChange>();
        foreach (var r in after.AllResources.Select(x => x.Resource))
        {
            old.Remove(r.Name, out var previous);
            if (r.Authority == Authority.Authoritative && previous?.Authority != Authority.Authoritative)
            {
                changes.Add(new(AuthorityKind, r.Name, $"{r.Name} becomes authoritative: an apply revokes {r.Revokes}"));
            }
            else if (r.InBlastRadius && previous?.InBlastRadius != true)
            {
                changes.Add(new(AuthorityKind, r.Name, $"{r.Name} enters the blast radius ({Name(r.Authority)}): an apply revokes {r.Revokes}"));
            }
            else if (previous is not null && previous.Authority != r.Authority)
            {
                changes.Add(new(AuthorityKind, r.Name, $"{r.Name} changes from {Name(previous.Authority)} to {Name(r.Authority)}"));
            }
            else if (previous is not null && previous.RetainOnDelete != r.RetainOnDelete)
            {
                changes.Add(new(AuthorityKind, r.Name, r.RetainOnDelete
                    ? $"{r.Name} is now kept on delete (removing it from config leaves it in place)"
                    : $"{r.Name} is no longer kept on delete (removing it from config deletes it)"));
            }
        }

        foreach (var gone in old.Values.Where(r => r.InBlastRadius))
        {
            changes.Add(new(AuthorityKind, gone.Name, gone.RetainOnDelete
                ? $"{gone.Name} is no longer managed: it was {Name(gone.Authority)}, and is kept as it is (retained on delete)"
                : $"{gone.Name} is no longer managed: it was {Name(gone.Authority)}, and its delete {ResourceTraits.Of(gone.Type).Delete}"));
        }

        changes.AddRange(KeptSecrets(before, after));
        changes.AddRange(Rotations(before, after));
        changes.AddRange(AssignmentLevels(before, after));
        return changes.OrderBy(c => c.Kind, StringComparer.Ordinal).ThenBy(c => c.Subject, StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// A workspace assignment whose level changes (user and admin) is replaced delete-first: the account-level
    /// resource has no Update, so every field forces a replacement [fact: mws-assignment-put]
    /// [fact: tf-no-update-all-forcenew],
    /// and create-first would delete the new assignment (same id, workspace|principal). Between the DELETE and the PUT the
    /// principal has no workspace access: seconds, during the up. Said here so a reviewer can time the change.
    /// </summary>
    private static IEnumerable<PlanChange> AssignmentLevels(ResourcePlan before, ResourcePlan after)
    {
        static Dictionary<string, (PrincipalRef Principal, WorkspaceAccess Level)> Assignments(ResourcePlan plan) =>
            plan.ServicePrincipals.Where(s => s.AssignmentResource is not null).Select(s => (s.AssignmentResource!, s.Spec.Ref, s.Spec.WorkspaceAccess))
                .Concat(plan.Groups.Where(g => g.AssignmentResource is not null).Select(g => (g.AssignmentResource!, g.Spec.Ref, g.Spec.WorkspaceAccess)))
                .Concat(plan.WebApps.Where(w => w.AssignmentResource is not null).Select(w => (w.AssignmentResource!, w.Spec.Ref, w.Spec.WorkspaceAccess)))
                .Concat(plan.UserAssignments.Select(u => (u.ResourceName, u.Spec.Ref, u.Spec.WorkspaceAccess)))
                .ToDictionary(x => x.Item1, x => (x.Item2, x.Item3), StringComparer.Ordinal);

        var was = Assignments(before);
        foreach (var (name, (principal, level)) in Assignments(after).OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            if (was.TryGetValue(name, out var old) && old.Level != level)
            {
                yield return new(AuthorityKind, name,
                    $"{name}: {principal}'s workspace access changes from {Vocabulary.Name(old.Level)} to {Vocabulary.Name(level)} by a delete-first replacement (the assignment has no update): {principal} has no workspace access for the seconds between the two calls during the up");
            }
        }
    }

    /// <summary>
    /// Keys of a Databricks-backed scope the head no longer declares (a secret, or a credential's store, removed or
    /// renamed): their Secret is retained on delete (ScopePlan.DatabricksSecret), so the up forgets it and the key stays
    /// with its last value; no later run deletes it, and the audit reports it (undeclared-secret) until it is deleted
    /// by hand. A key whose whole scope goes is deleted with the scope [fact: secret-scope].
    /// </summary>
    private static IEnumerable<PlanChange> KeptSecrets(ResourcePlan before, ResourcePlan after)
    {
        var scopes = after.Scopes.Select(s => s.Spec.Name).ToHashSet(StringComparer.Ordinal);
        var kept = after.Scopes.SelectMany(s => s.Secrets.Select(x => (s.Spec.Name, x.Secret.Key))).ToHashSet();
        foreach (var scope in before.Scopes.Where(s => s.Spec.Backend == ScopeBackend.Databricks).OrderBy(s => s.Spec.Name, StringComparer.Ordinal))
        {
            foreach (var secret in scope.Secrets.Where(x => !kept.Contains((scope.Spec.Name, x.Secret.Key))).OrderBy(x => x.Secret.Key, StringComparer.Ordinal))
            {
                var (name, key) = (scope.Spec.Name, secret.Secret.Key);
                yield return scopes.Contains(name)
                    ? new(KeptKind, secret.ResourceName,
                        $"{name}/{key} is no longer declared: the key stays in the workspace with its last value (retained on delete), and no run deletes it; the audit reports it until you delete it (databricks secrets delete-secret {name} {key}) once no consumer reads it")
                    : new(KeptKind, secret.ResourceName, $"{name}/{key} is deleted with its scope {name} (the scope is no longer declared)");
            }
        }
    }

    /// <summary>Rotation-policy changes: a credential added or removed, its period, overlap or store changed.</summary>
    private static IEnumerable<PlanChange> Rotations(ResourcePlan before, ResourcePlan after)
    {
        static Dictionary<string, CredentialPlan> ByKey(ResourcePlan plan) =>
            plan.ServicePrincipals.SelectMany(s => s.Credentials).ToDictionary(c => $"{c.Principal} {c.Spec.KindName}", StringComparer.Ordinal);

        static string Policy(CredentialPlan c) =>
            $"every {c.Spec.RotationDays} days with {c.Spec.OverlapDays} days of overlap (each lives {c.Spec.LifetimeDays} days)";

        static string Store(SecretLocation? s) => s is null ? "no store (the stack output only)" : $"store {s}";

        var old = ByKey(before);
        foreach (var (key, c) in ByKey(after))
        {
            var subject = $"{c.Principal} {c.Spec.KindName}";
            if (!old.Remove(key, out var was))
            {
                yield return new(RotationKind, subject, $"{subject} is new: two slots, rotated {Policy(c)}, {Store(c.Spec.Store)}");
                continue;
            }

            if (was.Spec.RotationDays != c.Spec.RotationDays || was.Spec.OverlapDays != c.Spec.OverlapDays)
            {
                // What the program does with the deployed schedule read back: the base's slots continue under the new policy.
                var next = CredentialRotation.Plan(c.Principal, c.Spec, c.Key, c.StoreResource, c.Now, c.Provider, IssuedCredential.Of(was));
                var effect = next.Current.Slot == was.Current.Slot
                    ? $"no credential is replaced by this change: the current slot {was.Current.Slot} (issued {Instants.Format(was.Current.Issued)}, expires {Instants.Format(was.Current.Expires)}) is kept, and the next rotation, at {Instants.Format(next.NextRotation)}, renews slot {next.Previous.Slot} under the new policy"
                    : $"the new policy makes a rotation due now: slot {next.Current.Slot} is renewed, and the current slot {was.Current.Slot} (expires {Instants.Format(was.Current.Expires)}) is kept as the previous one";
                yield return new(RotationKind, subject, $"{subject} rotation changes from {Policy(was)} to {Policy(c)}; {effect}");
            }

            if (was.Spec.Store != c.Spec.Store)
            {
                yield return new(RotationKind, subject, $"{subject} moves from {Store(was.Spec.Store)} to {Store(c.Spec.Store)}");
            }
        }

        foreach (var (key, gone) in old)
        {
            yield return new(RotationKind, key, $"{key} is removed: both slots are deleted, so consumers lose it at once");
        }
    }

    private static string Name(Authority a) => a.Name();
}
