using System.Collections.Immutable;
using DatabricksAccess.Topology.Model;

namespace DatabricksAccess.Topology.Planning;

/// <summary>
/// What a plan leaves behind once applied: the records (<see cref="CredentialSchedule"/>) the next run continues from.
/// The records are model types (the last deployment is an input of the model); making them from a plan is planning.
/// </summary>
public static class IssuedCredentialRecords
{
    extension(IssuedCredential)
    {
        /// <summary>What a credential's plan leaves behind once applied: the record the next run continues from.</summary>
        public static IssuedCredential Of(CredentialPlan plan) =>
            new(plan.Current.Slot, plan.AllSlots.ToDictionary(s => s.Slot, s => new IssuedSlot(s.Issued, s.Expires)));
    }
}

/// <summary>The schedule a whole plan leaves behind (<see cref="IssuedCredentialRecords"/>).</summary>
public static class CredentialScheduleRecords
{
    extension(CredentialSchedule)
    {
        /// <summary>What a plan leaves behind once applied: the schedule the next run continues from.</summary>
        public static CredentialSchedule FromPlan(ResourcePlan plan) => new(plan.ServicePrincipals
            .SelectMany(s => s.Credentials)
            .ToImmutableSortedDictionary(c => c.Key, IssuedCredential.Of, StringComparer.Ordinal));
    }
}
