namespace DatabricksAccess.Topology.Model;

/// <summary>
/// The handover of a workspace-level principal's entitlements from its old <c>Entitlements</c> resource to the
/// principal's own entitlement fields. The principal resource reads and writes those fields itself
/// [fact: scim-entitlement-fields] [fact: scim-principal-writes-entitlements], so a second resource owning them would be
/// undone on every refresh. The old resource cannot simply go: its delete PATCHes "remove" of its entitlements after the
/// principal's update [fact: entitlements-patch-replace], and the principal's Read never notices (readIntoData only sets
/// true). So it
/// is registered once more, unchanged and retained on delete (<see cref="Retiring"/>), and the run records it in the
/// stack output <see cref="OutputName"/>; the next run leaves it out, and the engine only forgets it (its state says
/// retainOnDelete [fact: engine-retain-on-delete-old-state]).
/// </summary>
/// <param name="FirstDeployment">The stack has no deployment yet: there is nothing to hand over.</param>
/// <param name="Retired">Resources the last deployment already registered retained on delete (its <see cref="OutputName"/>).</param>
public sealed record EntitlementsHandover(bool FirstDeployment, IReadOnlySet<string> Retired)
{
    public const string OutputName = "retiredEntitlements";

    /// <summary>Offline, or a deployment that predates the handover: every old resource may still be in the state.</summary>
    public static EntitlementsHandover Unknown { get; } = new(false, new HashSet<string>(StringComparer.Ordinal));

    /// <summary>
    /// Read from the last deployment's outputs (null for an output it does not have): a stack with none of the outputs
    /// every deployment writes (<c>credentialSchedule</c>, <c>servicePrincipalApplicationIds</c>, <c>secretScopes</c>) was
    /// never deployed; one without <see cref="OutputName"/> predates the handover.
    /// </summary>
    public static EntitlementsHandover FromOutputs(Func<string, object?> output)
    {
        if (output(CredentialSchedule.OutputName) is null && output("servicePrincipalApplicationIds") is null && output("secretScopes") is null)
        {
            return new(true, new HashSet<string>(StringComparer.Ordinal));
        }

        return output(OutputName) is System.Collections.IEnumerable names and not string
            ? new(false, names.Cast<object?>().OfType<string>().ToHashSet(StringComparer.Ordinal))
            : Unknown;
    }

    /// <summary>Whether <paramref name="resource"/> is still registered this run (retained on delete).</summary>
    public bool Retiring(string resource) => !FirstDeployment && !Retired.Contains(resource);
}
