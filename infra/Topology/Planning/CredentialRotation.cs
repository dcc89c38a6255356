using DatabricksAccess.Topology.Model;

namespace DatabricksAccess.Topology.Planning;

/// <summary>
/// One of a credential's two slots: the credential issued at rotation <see cref="Rotation"/>. Slot <c>a</c> holds the
/// even rotations, slot <c>b</c> the odd ones, so each rotation renews one slot and leaves the other alone.
/// </summary>
/// <param name="Issued">The rotation instant this slot's credential belongs to (its keeper: a new instant replaces it).</param>
/// <param name="Expires"><paramref name="Issued"/> + rotationDays + overlapDays.</param>
/// <param name="Current">The newer slot: its value is the one stored where consumers read.</param>
public sealed record CredentialSlot(char Slot, string ResourceName, long Rotation, DateTimeOffset Issued, DateTimeOffset Expires, bool Current)
{
    /// <summary>What forces a new credential in this slot: it changes exactly when the slot's rotation does.</summary>
    public string Keeper => $"slot-{Slot}-{Instants.Format(Issued)}";

    /// <summary>
    /// The program declares the slot: the current one always, the previous one only until its credential expires. The
    /// provider's Read drops an expired token or secret (terraform-provider-databricks v1.128.0 tokens/resource_obo_token.go:87-91,
    /// tokens/resource_service_principal_secret.go:124-133), so a slot still declared after that would be drift on every
    /// refresh and a fresh credential on every <c>up --refresh</c>; undeclared, the expired slot is simply deleted.
    /// </summary>
    public bool Declared { get; init; } = true;
}

/// <summary>A credential's plan at one instant: both slots, where the current value is stored, and the next rotation.</summary>
/// <param name="StoreResource">The secret that holds the current value (Databricks or Key Vault); null without <c>store</c>.</param>
public sealed record CredentialPlan(PrincipalRef Principal, CredentialSpec Spec, CredentialSlot A, CredentialSlot B, string? StoreResource,
    DateTimeOffset NextRotation, ProviderScope Provider)
{
    /// <summary>The slots the program declares (the previous one only while valid, see <see cref="CredentialSlot.Declared"/>).</summary>
    public IReadOnlyList<CredentialSlot> Slots => AllSlots.Where(s => s.Declared).ToList();

    /// <summary>Both slots, declared or not (for the plan's credential listing).</summary>
    public IReadOnlyList<CredentialSlot> AllSlots => [A, B];

    public CredentialSlot Current => A.Current ? A : B;

    public CredentialSlot Previous => A.Current ? B : A;

    public string Type => Spec.Kind == CredentialKind.OAuthSecret ? PulumiTypes.ServicePrincipalSecret : PulumiTypes.OboToken;

    public int LifetimeSeconds => Spec.LifetimeDays * 86_400;
}

/// <summary>
/// Rotation instants are fixed points in time: rotation k of a credential rotated every R days is at
/// <see cref="Epoch"/> + k × R days, the same on every machine and whenever <c>up</c> runs.
/// </summary>
public static class CredentialRotation
{
    public static readonly DateTimeOffset Epoch = DateTimeOffset.UnixEpoch;

    /// <summary>The latest rotation at or before <paramref name="now"/> (floor division, also before the epoch).</summary>
    public static long Index(DateTimeOffset now, int rotationDays)
    {
        var period = TimeSpan.FromDays(rotationDays).Ticks;
        var since = now.UtcTicks - Epoch.UtcTicks;
        var k = since / period;
        return since % period < 0 ? k - 1 : k;
    }

    /// <summary>The instant of rotation <paramref name="k"/>, clamped to the calendar.</summary>
    public static DateTimeOffset At(long k, int rotationDays) => Clamp(Epoch.UtcTicks + ((Int128)k * TimeSpan.FromDays(rotationDays).Ticks));

    public static char SlotOf(long k) => (k % 2 + 2) % 2 == 0 ? 'a' : 'b';

    public static CredentialPlan Plan(PrincipalRef principal, CredentialSpec spec, string resourcePrefix, string? storeResource,
        DateTimeOffset now, ProviderScope provider)
    {
        var k = Index(now, spec.RotationDays);
        CredentialSlot Slot(long rotation)
        {
            var issued = At(rotation, spec.RotationDays);
            var slot = SlotOf(rotation);
            return new CredentialSlot(slot, $"{resourcePrefix}-{slot}", rotation, issued,
                Clamp(issued.UtcTicks + (Int128)TimeSpan.FromDays(spec.LifetimeDays).Ticks), rotation == k);
        }

        var (current, previous) = (Slot(k), Slot(k - 1));
        previous = previous with { Declared = now < previous.Expires };
        var (a, b) = current.Slot == 'a' ? (current, previous) : (previous, current);
        return new CredentialPlan(principal, spec, a, b, storeResource, At(k + 1, spec.RotationDays), provider);
    }

    private static DateTimeOffset Clamp(Int128 ticks) =>
        ticks > DateTimeOffset.MaxValue.UtcTicks ? DateTimeOffset.MaxValue
        : ticks < DateTimeOffset.MinValue.UtcTicks ? DateTimeOffset.MinValue
        : new DateTimeOffset((long)ticks, TimeSpan.Zero);
}
