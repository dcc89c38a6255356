using DatabricksAccess.Topology.Model;

namespace DatabricksAccess.Topology.Planning;

/// <summary>
/// One of a credential's two slots: the credential issued at one rotation instant. Slot <c>a</c> holds the
/// even rotations, slot <c>b</c> the odd ones, so each rotation renews one slot and leaves the other alone.
/// </summary>
/// <param name="Issued">The rotation instant this slot's credential belongs to (its keeper: a new instant replaces it).</param>
/// <param name="Expires"><paramref name="Issued"/> + the lifetime (rotationDays + overlapDays) in force when it was issued.</param>
/// <param name="Current">The newer slot: its value is the one stored where consumers read.</param>
public sealed record CredentialSlot(char Slot, string ResourceName, DateTimeOffset Issued, DateTimeOffset Expires, bool Current)
{
    /// <summary>What forces a new credential in this slot: it changes exactly when the slot's rotation does.</summary>
    public string Keeper => $"slot-{Slot}-{Instants.FormatToSecond(Issued)}";

    /// <summary>
    /// The program declares the slot: the current one always, the previous one only until its credential expires. The
    /// provider's Read drops an expired token or secret [fact: obo-token-replace] [fact: sp-secret-replace], so a slot still declared after that would be drift on every
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

    /// <summary>The slots' resource-name prefix (<c>sp-&lt;key&gt;-token</c>): the credential's key in <see cref="CredentialSchedule"/>.</summary>
    public string Key => A.ResourceName[..^2];

    /// <summary>Whether the slots continue the last deployment's schedule (<see cref="CredentialSchedule"/>) rather than the fixed grid.</summary>
    public bool Continued { get; init; }

    /// <summary>The instant this plan is for.</summary>
    public DateTimeOffset Now { get; init; }

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

    /// <summary>
    /// The credential's slots at <paramref name="now"/>. Without <paramref name="issued"/> (the last deployment's record of
    /// this credential) they sit on the fixed grid. With it, the recorded slots are kept, so a policy change
    /// (<c>rotationDays</c>, <c>overlapDays</c>, lifetime) replaces no credential: it takes effect slot by slot. The next
    /// rotation is due <c>rotationDays</c> (the new policy) after the current slot was issued, and no later than
    /// <c>overlapDays</c> (the new policy) before the current credential expires (its lifetime is the one it was issued
    /// with), so consumers always get the new overlap. A due rotation renews the other slot only, issued at the latest
    /// due instant at or before <paramref name="now"/> (when the held credential has no more life than the new overlap,
    /// due is one second after the held slot's instant); the current slot becomes the previous one, declared until it
    /// expires. One run never renews both slots, a renewed slot's keeper is always new, and the same record, policy and
    /// period give the same keeper (a retried deploy replaces nothing twice).
    /// </summary>
    public static CredentialPlan Plan(PrincipalRef principal, CredentialSpec spec, string resourcePrefix, string? storeResource,
        DateTimeOffset now, ProviderScope provider, IssuedCredential? issued = null)
    {
        var lifetime = TimeSpan.FromDays(spec.LifetimeDays);
        CredentialSlot Make(char slot, DateTimeOffset at, DateTimeOffset expires, bool current) =>
            new(slot, $"{resourcePrefix}-{slot}", at, expires, current) { Declared = current || now < expires };

        CredentialPlan Of(CredentialSlot current, CredentialSlot previous, DateTimeOffset next, bool continued)
        {
            var (a, b) = current.Slot == 'a' ? (current, previous) : (previous, current);
            return new CredentialPlan(principal, spec, a, b, storeResource, next, provider) { Continued = continued, Now = now };
        }

        if (issued is null)
        {
            var k = Index(now, spec.RotationDays);
            CredentialSlot Slot(long rotation)
            {
                var at = At(rotation, spec.RotationDays);
                return Make(SlotOf(rotation), at, Clamp(at.UtcTicks + (Int128)lifetime.Ticks), rotation == k);
            }

            return Of(Slot(k), Slot(k - 1), At(k + 1, spec.RotationDays), continued: false);
        }

        var (held, other) = (issued.CurrentSlot, issued.PreviousLetter);
        // When the held credential has no more life than the new overlap, the rotation is due at once: at the first instant
        // after the held slot's own (its keeper's second + 1). Not at the held instant itself: two such rotations in a row
        // would give the other slot back the keeper it already has, and nothing would be replaced while the record said
        // so. Not at the deploy's clock either: a retry of a deploy that failed half-way must plan the same keeper, or it
        // would replace again the slot whose value consumers may already have read.
        var due = Max(Add(held.Issued, TimeSpan.FromSeconds(1)),
            Min(Add(held.Issued, TimeSpan.FromDays(spec.RotationDays)), Add(held.Expires, -TimeSpan.FromDays(spec.OverlapDays))));
        var kept = Make(issued.Current, held.Issued, held.Expires, current: now < due);
        if (now < due)
        {
            var previous = issued.PreviousSlot is { } p
                ? Make(other, p.Issued, p.Expires, current: false)
                : Make(other, held.Issued, held.Issued, current: false) with { Declared = false }; // never issued: not declared until its first rotation
            return Of(kept, previous, due, continued: true);
        }

        // Due: the other slot is renewed at the latest due instant (due + n × rotationDays) at or before now.
        var period = TimeSpan.FromDays(spec.RotationDays).Ticks;
        var renewedAt = Clamp(due.UtcTicks + (Int128)((now.UtcTicks - due.UtcTicks) / period * period));
        var renewed = Make(other, renewedAt, Add(renewedAt, lifetime), current: true);
        return Of(renewed, kept, Add(renewedAt, TimeSpan.FromDays(spec.RotationDays)), continued: true);
    }

    private static DateTimeOffset Add(DateTimeOffset t, TimeSpan d) => Clamp(t.UtcTicks + (Int128)d.Ticks);

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    private static DateTimeOffset Clamp(Int128 ticks) =>
        ticks > DateTimeOffset.MaxValue.UtcTicks ? DateTimeOffset.MaxValue
        : ticks < DateTimeOffset.MinValue.UtcTicks ? DateTimeOffset.MinValue
        : new DateTimeOffset((long)ticks, TimeSpan.Zero);
}
