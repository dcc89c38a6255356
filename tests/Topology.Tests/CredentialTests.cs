using System.Text.Json;
using CsCheck;
using DatabricksAccess.Cli;
using DatabricksAccess.Topology.Evaluation;
using DatabricksAccess.Topology.Model;
using DatabricksAccess.Topology.Planning;
using Microsoft.Extensions.Time.Testing;
using static DatabricksAccess.Topology.Tests.TestSupport;

namespace DatabricksAccess.Topology.Tests;

/// <summary>Two-slot credential rotation: config rules, fixed rotation instants, overlap at every instant, plan and diff.</summary>
public sealed class CredentialTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("dbx-access-cred-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>A project folder holding stack <c>t</c> with this topology, as the CLI finds it.</summary>
    private void Project(string topology)
    {
        File.WriteAllText(Path.Combine(_dir, "Pulumi.yaml"), "name: databricks-access\nruntime: dotnet\n");
        File.WriteAllText(Path.Combine(_dir, "Pulumi.t.yaml"), StackYaml(topology));
    }

    private static CredentialSpec Spec(int rotation, int overlap) =>
        new(CredentialKind.Token, rotation, overlap, new SecretLocation("app", "tok"), null, "p", "p");

    [Fact]
    public void Rotation_instants_are_fixed_points_and_a_slot_changes_exactly_at_its_boundary()
    {
        // 2026-11-27 is day 20,784 since the Unix epoch: rotation 1,299 of a 16-day period, odd, so slot b.
        var boundary = new DateTimeOffset(2026, 11, 27, 0, 0, 0, TimeSpan.Zero);
        var spec = Spec(16, 4);
        var before = CredentialRotation.Plan(PrincipalRef.Sp("ci"), spec, "sp-ci-token", null, boundary - TimeSpan.FromTicks(1), ProviderScope.Workspace);
        var at = CredentialRotation.Plan(PrincipalRef.Sp("ci"), spec, "sp-ci-token", null, boundary, ProviderScope.Workspace);
        var last = CredentialRotation.Plan(PrincipalRef.Sp("ci"), spec, "sp-ci-token", null, boundary + TimeSpan.FromDays(16) - TimeSpan.FromTicks(1), ProviderScope.Workspace);

        Assert.Equal(('a', new DateTimeOffset(2026, 11, 11, 0, 0, 0, TimeSpan.Zero)), (before.Current.Slot, before.Current.Issued));
        Assert.Equal(('b', boundary), (at.Current.Slot, at.Current.Issued));
        Assert.Equal(before.A, at.A with { Current = true });      // slot a is left alone at the switch ...
        Assert.NotEqual(before.B.Keeper, at.B.Keeper);              // ... and only slot b is renewed
        Assert.Equal(at with { A = at.A with { Declared = false }, Now = last.Now }, last); // the previous slot is no longer declared once expired ...
        Assert.True(CredentialRotation.Plan(PrincipalRef.Sp("ci"), spec, "sp-ci-token", null, at.A.Expires - TimeSpan.FromTicks(1), ProviderScope.Workspace).A.Declared);
        Assert.False(CredentialRotation.Plan(PrincipalRef.Sp("ci"), spec, "sp-ci-token", null, at.A.Expires, ProviderScope.Workspace).A.Declared); // ... exactly from its expiry
        Assert.Equal([at.B], last.Slots);
        Assert.Equal(boundary + TimeSpan.FromDays(16), at.NextRotation);
        Assert.Equal(boundary + TimeSpan.FromDays(20), at.B.Expires); // issued + rotation + overlap
        Assert.Equal(boundary + TimeSpan.FromDays(4), at.A.Expires);  // the previous one: valid for the overlap
        Assert.Equal("slot-b-2026-11-27T00:00:00Z", at.B.Keeper);
        Assert.Equal("sp-ci-token-b", at.B.ResourceName);
    }

    [Fact]
    public void Rotation_works_before_the_epoch_and_at_both_ends_of_the_calendar()
    {
        var early = CredentialRotation.Plan(PrincipalRef.Sp("ci"), Spec(30, 7), "r", null, new DateTimeOffset(1969, 12, 31, 23, 0, 0, TimeSpan.Zero), ProviderScope.Workspace);
        Assert.Equal('b', early.Current.Slot); // rotation -1: odd
        Assert.Equal(DateTimeOffset.UnixEpoch - TimeSpan.FromDays(30), early.Current.Issued);

        foreach (var now in new[] { DateTimeOffset.MinValue, DateTimeOffset.MaxValue })
        {
            var plan = CredentialRotation.Plan(PrincipalRef.Sp("ci"), Spec(90, 7), "r", null, now, ProviderScope.Workspace);
            Assert.True(plan.Current.Issued <= now && plan.Current.Expires >= plan.Current.Issued);
        }
    }

    /// <summary>
    /// A simulated estate applies the plan at every step (as the hourly job does): a slot whose keeper changed gets a
    /// new credential created at that moment, living rotation + overlap; the store takes the current slot's value.
    /// </summary>
    private static void Walk(int rotation, int overlap, DateTimeOffset start, TimeSpan step, int steps, IEnumerable<DateTimeOffset>? extra = null)
    {
        var spec = Spec(rotation, overlap);
        var live = new Dictionary<char, (string Keeper, DateTimeOffset Created, DateTimeOffset Expires, int Id)>();
        (char Slot, int Id, DateTimeOffset Expires)? stored = null;
        var nextId = 0;
        var instants = Enumerable.Range(0, steps).Select(i => start + (step * i)).Concat(extra ?? []).Order().Distinct();
        foreach (var t in instants)
        {
            var plan = CredentialRotation.Plan(PrincipalRef.Sp("ci"), spec, "r", "store", t, ProviderScope.Workspace);
            Assert.True(plan.A.Current ^ plan.B.Current, $"{t:O}: exactly one slot is current");
            var current = plan.Current;
            Assert.True(current.Issued <= t && t < current.Issued + TimeSpan.FromDays(rotation), $"{t:O}: the current slot was issued within the last rotation period");

            var replaced = 0;
            foreach (var slot in plan.Slots)
            {
                if (!live.TryGetValue(slot.Slot, out var cred) || cred.Keeper != slot.Keeper)
                {
                    live[slot.Slot] = (slot.Keeper, t, t + TimeSpan.FromDays(spec.LifetimeDays), nextId++);
                    replaced++;
                }
            }

            Assert.True(replaced <= 1 || stored is null, $"{t:O}: a rotation replaces one slot, never both");
            var previous = stored;
            var now = live[current.Slot];
            stored = (current.Slot, now.Id, now.Expires);
            Assert.True(now.Expires - t >= TimeSpan.FromDays(overlap), $"{t:O}: the stored credential has at least the overlap of validity left");
            if (previous is { } p && p.Slot != current.Slot)
            {
                // The switch: the credential consumers held until now stays valid for the overlap after it.
                Assert.True(p.Expires >= current.Issued + TimeSpan.FromDays(overlap), $"{t:O}: the previous credential outlives the switch by the overlap");
                Assert.Equal(p.Id, live[p.Slot].Id);
            }
        }
    }

    [Theory]
    [InlineData(30, 7)]
    [InlineData(25, 5)]
    [InlineData(60, 30)]
    [InlineData(90, 89)]
    [InlineData(2, 1)]
    public void Walking_three_years_hourly_there_is_always_one_current_stored_valid_credential_with_overlap(int rotation, int overlap)
    {
        var start = new DateTimeOffset(2026, 1, 1, 0, 30, 0, TimeSpan.Zero);
        var boundaries = Enumerable.Range(0, (3 * 366 / rotation) + 2)
            .Select(i => CredentialRotation.At(CredentialRotation.Index(start, rotation) + i, rotation))
            .SelectMany(b => new[] { b - TimeSpan.FromTicks(1), b, b + TimeSpan.FromTicks(1) });
        Walk(rotation, overlap, start, TimeSpan.FromHours(1), 3 * 365 * 24, boundaries);
    }

    [Fact]
    public void Walking_three_years_daily_holds_for_any_rotation_and_overlap()
    {
        // The walk starts on a rotation instant, 1 ms either side of one, or anywhere in the day (issue 33: on purpose,
        // not by chance). Rotation instants are the Unix epoch plus whole rotation periods (docs/rotation.md), so a
        // daily walk from one lands on every later one, R steps apart. The instant is found here by day arithmetic:
        // 2025-06-01 is day 20,240 since the epoch.
        var at = new[] { TimeSpan.FromMilliseconds(-1), TimeSpan.Zero, TimeSpan.FromMilliseconds(1) };
        Gen.Select(Gen.Int[2, 120], Gen.Int[0, 10_000], Gen.Int[0, 3])
            .Select((r, o, where) => (Rotation: r, Overlap: 1 + (o % (r - 1)), Offset: where < at.Length ? at[where] : TimeSpan.FromMinutes(o)))
            .Sample(x =>
            {
                var instant = DateTimeOffset.UnixEpoch.AddDays(20_240 / x.Rotation * x.Rotation);
                Walk(x.Rotation, x.Overlap, instant + x.Offset, TimeSpan.FromDays(1), 3 * 365);
            }, iter: 40);
    }

    /// <summary>
    /// Like <see cref="Walk"/>, but each step continues the schedule the step before it recorded (as the program does with
    /// its credentialSchedule output) while the policy may change at any step. At every step: one slot is current; the
    /// slot that was current before the step keeps its credential (no step, policy change or not, replaces the credential
    /// consumers hold); at most one slot is renewed; the stored credential has the current overlap left; at a switch the
    /// previous credential outlives the new slot's issue by the overlap.
    /// </summary>
    private static void WalkContinued(Func<DateTimeOffset, CredentialSpec> specAt, DateTimeOffset start, TimeSpan step, int steps) =>
        WalkContinued(specAt, Enumerable.Range(0, steps).Select(i => start + (step * i)));

    /// <summary>The walk over any increasing deploy instants; <paramref name="readBack"/> is how the next run reads the record.</summary>
    private static void WalkContinued(Func<DateTimeOffset, CredentialSpec> specAt, IEnumerable<DateTimeOffset> instants,
        Func<IssuedCredential, IssuedCredential>? readBack = null)
    {
        var live = new Dictionary<char, (string Keeper, DateTimeOffset Expires, int Id)>();
        var nextId = 0;
        IssuedCredential? record = null;
        CredentialSlot? held = null;
        CredentialSpec? heldSpec = null;
        foreach (var t in instants)
        {
            var spec = specAt(t);
            var plan = CredentialRotation.Plan(PrincipalRef.Sp("ci"), spec, "r", "store", t, ProviderScope.Workspace, record);
            Assert.True(plan.A.Current ^ plan.B.Current, $"{t:O}: exactly one slot is current");
            Assert.Equal(record is not null, plan.Continued);
            var before = live.ToDictionary(kv => kv.Key, kv => kv.Value.Id);
            var renewed = new List<char>();
            foreach (var slot in plan.Slots)
            {
                if (!live.TryGetValue(slot.Slot, out var cred) || cred.Keeper != slot.Keeper)
                {
                    live[slot.Slot] = (slot.Keeper, t + TimeSpan.FromDays(spec.LifetimeDays), nextId++);
                    renewed.Add(slot.Slot);
                }
            }

            if (held is { } h)
            {
                Assert.True(renewed.Count <= 1, $"{t:O}: one slot at most is renewed ({string.Join(", ", renewed)})");
                Assert.True(before[h.Slot] == live[h.Slot].Id, $"{t:O}: slot {h.Slot}, current before this step, was replaced");
                if (plan.Current.Slot != h.Slot)
                {
                    // The credential consumers held outlives the switch by the overlap; after a policy change that asks
                    // for more overlap than it has life left, by all the life it has left (the rotation comes at once).
                    var overlapEnd = plan.Current.Issued + TimeSpan.FromDays(spec.OverlapDays);
                    Assert.True(live[h.Slot].Expires > t, $"{t:O}: the previous credential is valid at the switch");
                    Assert.True(live[h.Slot].Expires >= (heldSpec == spec || overlapEnd < h.Expires ? overlapEnd : h.Expires),
                        $"{t:O}: the previous credential outlives the switch by the overlap");
                }
            }

            Assert.True(live[plan.Current.Slot].Expires - t >= TimeSpan.FromDays(spec.OverlapDays), $"{t:O}: the stored credential has the overlap left");
            if (held is null || held.Slot != plan.Current.Slot)
            {
                heldSpec = spec;
            }

            held = plan.Current;
            record = IssuedCredential.Of(plan);
            record = readBack is null ? record : readBack(record);
        }
    }

    [Fact]
    public void A_continued_schedule_with_an_unchanged_policy_is_the_fixed_grid()
    {
        var spec = Spec(16, 4);
        var start = new DateTimeOffset(2026, 1, 1, 0, 30, 0, TimeSpan.Zero);
        IssuedCredential? record = null;
        for (var t = start; t < start + TimeSpan.FromDays(400); t += TimeSpan.FromHours(5))
        {
            var grid = CredentialRotation.Plan(PrincipalRef.Sp("ci"), spec, "r", null, t, ProviderScope.Workspace);
            var continued = CredentialRotation.Plan(PrincipalRef.Sp("ci"), spec, "r", null, t, ProviderScope.Workspace, record);
            Assert.Equal((grid.A, grid.B, grid.NextRotation), (continued.A, continued.B, continued.NextRotation));
            record = IssuedCredential.Of(continued);
        }
    }

    [Theory]
    [InlineData(25, 5, 55, 5)]   // a longer period: due 55 days after the current slot, but no later than 5 days before it expires
    [InlineData(25, 5, 10, 5)]   // a shorter one: due at once when 10 days have passed
    [InlineData(30, 7, 30, 20)]  // a longer overlap: due 20 days before the current credential expires
    [InlineData(90, 7, 2, 1)]    // from the longest to the shortest
    public void A_policy_change_replaces_no_credential_and_applies_from_the_next_rotation(int rotation, int overlap, int newRotation, int newOverlap)
    {
        var change = new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);
        var (old, @new) = (Spec(rotation, overlap), Spec(newRotation, newOverlap));
        var before = CredentialRotation.Plan(PrincipalRef.Sp("ci"), old, "r", null, change - TimeSpan.FromHours(1), ProviderScope.Workspace);
        var record = IssuedCredential.Of(before);
        var after = CredentialRotation.Plan(PrincipalRef.Sp("ci"), @new, "r", null, change, ProviderScope.Workspace, record);

        Assert.Equal(before.Current with { Current = after.Current.Slot == before.Current.Slot }, after.AllSlots.Single(s => s.Slot == before.Current.Slot));
        var due = Max(before.Current.Issued, Min(before.Current.Issued + TimeSpan.FromDays(newRotation), before.Current.Expires - TimeSpan.FromDays(newOverlap)));
        if (change < due)
        {
            Assert.Equal((before.Current.Slot, before.Previous.Keeper, due), (after.Current.Slot, after.Previous.Keeper, after.NextRotation));
        }
        else
        {
            Assert.Equal(before.Previous.Slot, after.Current.Slot);
            Assert.True(after.Current.Issued <= change && after.Current.Issued >= due && after.Current.Issued > change - TimeSpan.FromDays(newRotation)); // the latest due instant
            Assert.Equal(after.Current.Issued + TimeSpan.FromDays(newRotation + newOverlap), after.Current.Expires);
        }

        WalkContinued(t => t < change ? old : @new, change - TimeSpan.FromDays(100), TimeSpan.FromHours(1), 400 * 24);

        static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;
        static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;
    }

    [Fact]
    public void Any_sequence_of_policy_changes_keeps_the_held_credential_and_the_overlap()
    {
        var start = new DateTimeOffset(2025, 6, 1, 0, 0, 0, TimeSpan.Zero);
        var policy = Gen.Int[2, 120].SelectMany(r => Gen.Int[1, r - 1].Select(o => (R: r, O: o)));
        Gen.Select(policy.Array[2, 5], Gen.Int[1, 200].Array[4])
            .Sample((policies, gaps) =>
            {
                var changes = gaps.Take(policies.Length - 1).Select((g, i) => start + TimeSpan.FromDays(gaps.Take(i + 1).Sum())).ToArray();
                WalkContinued(t =>
                {
                    var i = changes.Count(c => c <= t);
                    return Spec(policies[i].R, policies[i].O);
                }, start, TimeSpan.FromHours(6), 4 * 365 * 2);
            }, iter: 400);
    }

    /// <summary>
    /// Deploys at irregular instants (sub-second, back to back or up to the smallest overlap apart) under up to five
    /// policies, the record read back through the stack output's value at every step as the program reads it
    /// (CredentialSchedule.ToOutputValue, FromOutputValue): the walk's guarantees hold at every deploy.
    /// </summary>
    [Fact]
    public void Irregular_deploys_reading_the_record_back_through_the_output_keep_the_held_credential_and_the_overlap()
    {
        var start = new DateTimeOffset(2025, 6, 1, 0, 0, 0, TimeSpan.Zero);
        var policy = Gen.Int[2, 400].SelectMany(r => Gen.Int[1, r - 1].Select(o => (R: r, O: o)));
        Gen.Select(policy.Array[1, 5], Gen.Int[1, 200].Array[4], Gen.Long[0, TimeSpan.TicksPerDay].Array[200, 400])
            .Sample((policies, gaps, deploys) =>
            {
                var changes = gaps.Take(policies.Length - 1).Select((g, i) => start + TimeSpan.FromDays(gaps.Take(i + 1).Sum())).ToArray();
                var smallest = policies.Min(p => p.O);
                var t = start;
                var instants = deploys.Select(d => t += TimeSpan.FromTicks(d % (smallest * TimeSpan.TicksPerDay))).ToList();
                WalkContinued(at => Spec(policies[changes.Count(c => c <= at)].R, policies[changes.Count(c => c <= at)].O), instants, record =>
                {
                    var problems = new List<string>();
                    var value = new CredentialSchedule(new Dictionary<string, IssuedCredential> { ["r"] = record }).ToOutputValue();
                    var back = CredentialSchedule.FromOutputValue(value, problems);
                    Assert.Empty(problems);
                    return back.Credentials["r"];
                });
            }, iter: 200);
    }

    [Fact]
    public void A_rotation_brought_forward_is_due_just_after_the_held_slot_and_always_replaces_the_other_slot()
    {
        // Two policy changes in a row, each asking for more overlap than the held credential has life left. The record is
        // one an earlier deploy left with both slots at one instant (it renewed the first rotation brought forward at the
        // held slot's own instant); renewing at it again gave slot a its recorded keeper back, so a stayed the expired
        // credential while the record said it was renewed (CsCheck seed 0iByMYfi4ZX2 of the property test below).
        var at = new DateTimeOffset(2025, 6, 21, 0, 0, 0, TimeSpan.Zero);
        var record = new IssuedCredential('b', new Dictionary<char, IssuedSlot>
        {
            ['a'] = new(at, at + TimeSpan.FromDays(11)),
            ['b'] = new(at, at + TimeSpan.FromDays(37)),
        });
        var now = new DateTimeOffset(2025, 7, 4, 9, 30, 15, TimeSpan.Zero);
        CredentialPlan PlanAt(DateTimeOffset t) => CredentialRotation.Plan(PrincipalRef.Sp("ci"), Spec(68, 50), "r", null, t, ProviderScope.Workspace, record);
        var plan = PlanAt(now);

        Assert.Equal('a', plan.Current.Slot);
        Assert.Equal(at + TimeSpan.FromSeconds(1), plan.Current.Issued); // the first instant after the held slot's
        Assert.NotEqual(new CredentialSlot('a', "r-a", at, at, false).Keeper, plan.Current.Keeper);
        Assert.Equal(plan.Current.Issued + TimeSpan.FromDays(118), plan.Current.Expires);
        Assert.Equal((at, at + TimeSpan.FromDays(37)), (plan.Previous.Issued, plan.Previous.Expires)); // b, the held one, untouched
        Assert.Equal(plan.Current.Issued + TimeSpan.FromDays(68), plan.NextRotation);

        // A retry of a deploy that failed half-way (the record unchanged), hours later, plans the same keeper: the slot
        // the failed run already replaced is not replaced again.
        Assert.Equal(plan.Current.Keeper, PlanAt(now + TimeSpan.FromHours(5)).Current.Keeper);
        Assert.Equal(plan.Current.Keeper, PlanAt(at + TimeSpan.FromSeconds(1)).Current.Keeper);
        Assert.Equal('b', PlanAt(at + TimeSpan.FromSeconds(1) - TimeSpan.FromTicks(1)).Current.Slot); // not yet due
    }

    [Fact]
    public void The_schedule_round_trips_through_its_output_and_unreadable_entries_fall_back_to_the_grid()
    {
        var result = Evaluate("servicePrincipals: { loader: { token: { rotationDays: 16, overlapDays: 4 }, oauthSecret: { rotationDays: 30 } } }");
        var schedule = CredentialSchedule.FromPlan(result.Plan!);
        Assert.Equal(["sp-loader-oauth-secret", "sp-loader-token"], schedule.Credentials.Keys);
        var problems = new List<string>();
        var back = CredentialSchedule.FromOutputValue(schedule.ToOutputValue(), problems);
        Assert.Empty(problems);
        Assert.Equal(schedule.Credentials.Keys, back.Credentials.Keys);
        foreach (var (key, c) in schedule.Credentials)
        {
            Assert.Equal(c.Current, back.Credentials[key].Current);
            Assert.Equal(c.Slots.OrderBy(s => s.Key), back.Credentials[key].Slots.OrderBy(s => s.Key));
        }

        // From `pulumi stack output --json`: numbers as the engine hands them back (doubles), one entry broken.
        var outputs = $$"""
            { "jobIds": {}, "credentialSchedule": { "version": 1.0, "credentials": {
                "sp-loader-token": { "current": "b", "a": { "issued": "2026-11-11T00:00:00Z", "expires": "2026-12-01T00:00:00Z" }, "b": { "issued": "2026-11-27T00:00:00Z", "expires": "2026-12-17T00:00:00Z" } },
                "sp-loader-oauth-secret": { "current": "c" } } } }
            """;
        var read = CredentialSchedule.FromStackOutputs(outputs, problems);
        Assert.Equal(["credentialSchedule.credentials.sp-loader-oauth-secret: expected current 'a' or 'b'"], problems);
        Assert.Equal(["sp-loader-token"], read.Credentials.Keys);
        Assert.Equal(new IssuedSlot(new DateTimeOffset(2026, 11, 27, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 12, 17, 0, 0, 0, TimeSpan.Zero)), read.Credentials["sp-loader-token"].CurrentSlot);

        problems.Clear();
        Assert.Empty(CredentialSchedule.FromStackOutputs("""{ "credentialSchedule": { "version": 2, "credentials": {} } }""", problems).Credentials);
        Assert.Single(problems);
        Assert.Empty(CredentialSchedule.FromStackOutputs("{}", problems).Credentials); // a stack deployed before the output existed
    }

    [Theory]
    [InlineData("{ rotationDays: 30 }", 30, 7)]
    [InlineData("{ rotationDays: 30, overlapDays: 10 }", 30, 10)]
    [InlineData("{ rotationDays: 25, lifetimeDays: 30 }", 25, 5)]
    [InlineData("{ rotationDays: 25, overlapDays: 5, lifetimeDays: 30 }", 25, 5)]
    public void Overlap_defaults_to_seven_days_or_follows_a_written_lifetime(string credential, int rotation, int overlap)
    {
        var result = Evaluate($"servicePrincipals:\n  ci:\n    oauthSecret: {credential}\n    token: {credential}\n");
        Assert.Equal(0, result.ExitCode);
        var sp = result.Model.ServicePrincipals["ci"];
        Assert.Equal((rotation, overlap, rotation + overlap), (sp.OAuthSecret!.RotationDays, sp.OAuthSecret.OverlapDays, sp.OAuthSecret.LifetimeDays));
        Assert.Equal((rotation, overlap), (sp.Token!.RotationDays, sp.Token.OverlapDays));
    }

    [Theory]
    [InlineData("{ rotationDays: 30, overlapDays: 0 }", "topology.servicePrincipals.ci.token.overlapDays: overlapDays 0 must be more than 0 and less than rotationDays (30)")]
    [InlineData("{ rotationDays: 30, overlapDays: 30 }", "topology.servicePrincipals.ci.token.overlapDays: overlapDays 30 must be more than 0 and less than rotationDays (30)")]
    [InlineData("{ rotationDays: 7 }", "topology.servicePrincipals.ci.token.rotationDays: the default overlap of 7 days must be more than 0 and less than rotationDays (7)")]
    [InlineData("{ rotationDays: 30, lifetimeDays: 30 }", "topology.servicePrincipals.ci.token.lifetimeDays: lifetimeDays 30 gives an overlap of 0 days, which must be more than 0 and less than rotationDays (30)")]
    [InlineData("{ rotationDays: 20, lifetimeDays: 60 }", "topology.servicePrincipals.ci.token.lifetimeDays: lifetimeDays 60 gives an overlap of 40 days, which must be more than 0 and less than rotationDays (20)")]
    [InlineData("{ rotationDays: 20, overlapDays: 5, lifetimeDays: 30 }", "topology.servicePrincipals.ci.token.lifetimeDays: a credential lives exactly rotationDays + overlapDays (20 + 5 = 25 days), not 30; drop lifetimeDays or make it 25")]
    public void Overlap_must_be_positive_and_shorter_than_the_rotation(string credential, string error)
    {
        var result = Evaluate($"servicePrincipals:\n  ci:\n    token: {credential}\n");
        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith(error, Assert.Single(Lines(result, Severity.Error)), StringComparison.Ordinal);
    }

    [Fact]
    public void Token_lifetime_policy_caps_rotation_plus_overlap_and_rotation_policy_caps_both_kinds()
    {
        var result = Evaluate("""
            servicePrincipals:
              ci:
                token: { rotationDays: 80, overlapDays: 20 }
                oauthSecret: { rotationDays: 100, overlapDays: 50 }
            """);
        Assert.Equal(
            [
                "topology.servicePrincipals.ci.oauthSecret.rotationDays: policy rotation-period: OAuth secret rotation every 100 days exceeds maxRotationDays (90)",
                "topology.servicePrincipals.ci.token.overlapDays: policy token-lifetime: token lifetime 100 days (rotationDays 80 + overlapDays 20) exceeds maxTokenLifetimeDays (90)",
            ],
            Lines(result, Severity.Violation).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Stores_go_to_the_scope_backend_and_an_oauth_secret_without_one_is_a_stack_output()
    {
        var result = Evaluate("""
            secretScopes:
              app: {}
              vault:
                backend: azure-keyvault
                keyVault: { resourceId: /subscriptions/s/resourceGroups/rg-kv/providers/Microsoft.KeyVault/vaults/kv-app, dnsName: https://kv-app.vault.azure.net/ }
            servicePrincipals:
              loader: { oauthSecret: { rotationDays: 30, store: vault/loader-oauth } }
              ci: { token: { rotationDays: 30, store: app/ci-token } }
              bare: { oauthSecret: { rotationDays: 30 } }
            """);
        Assert.Equal(0, result.ExitCode);
        var resources = result.Plan!.AllResources.Select(x => x.Resource).ToDictionary(r => r.Name);
        Assert.Equal((PulumiTypes.KeyVaultSecret, Authority.Additive), (resources["scope-vault-secret-loader-oauth"].Type, resources["scope-vault-secret-loader-oauth"].Authority));
        Assert.Equal(PulumiTypes.Secret, resources["scope-app-secret-ci-token"].Type);
        Assert.Equal("scope-vault-secret-loader-oauth", result.Plan.ServicePrincipals.Single(s => s.Spec.Key == "loader").OAuthSecret!.StoreResource);
        Assert.Contains("topology.servicePrincipals.bare.oauthSecret: warning: no store: consumers must read the current OAuth secret of sp:bare from the secret stack output oauthSecrets.bare (pulumi stack output --show-secrets); set store: <scope>/<key> to deliver it where they read",
            Lines(result));
    }

    [Fact]
    public void A_store_key_must_suit_the_scope_backend()
    {
        var result = Evaluate("""
            secretScopes:
              vault:
                backend: azure-keyvault
                keyVault: { resourceId: /subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv, dnsName: https://kv.vault.azure.net/ }
              app: {}
            servicePrincipals:
              a: { oauthSecret: { rotationDays: 30, store: vault/has_underscore } }
              b: { token: { rotationDays: 30, store: "app/has space" } }
              c: { token: { rotationDays: 30, store: missing/key } }
            """);
        Assert.Equal(
            [
                "topology.servicePrincipals.a.oauthSecret.store: 'has_underscore' is not a Key Vault secret name (1-127 letters, digits and '-'); scope 'vault' is Key Vault-backed",
                "topology.servicePrincipals.b.token.store: 'has space' is not a Databricks secret key (1-128 letters, digits, '-', '_' and '.')",
                "topology.servicePrincipals.c.token.store: secret scope 'missing' is not declared in topology.secretScopes",
            ],
            Lines(result, Severity.Error));
    }

    [Fact]
    public void Plan_json_lists_both_slots_of_every_credential()
    {
        Project("""
            secretScopes: { app: {} }
            servicePrincipals:
              loader: { token: { rotationDays: 16, overlapDays: 4, store: app/tok } }
            """);
        var @out = new StringWriter();
        var now = new DateTimeOffset(2026, 11, 27, 0, 0, 0, TimeSpan.Zero);
        Assert.Equal(0, Program.Run(["plan", "--stack", "t", "--format", "json"], @out, new StringWriter(), new FakeTimeProvider(now), _dir));
        using var json = JsonDocument.Parse(@out.ToString());
        var slots = json.RootElement.GetProperty("credentials").EnumerateArray()
            .Select(c => string.Join(' ', "principal kind slot issued expires current store resource".Split(' ').Select(k => c.TryGetProperty(k, out var v) ? v.ToString() : "-")))
            .ToList();
        Assert.Equal(
            [
                "sp:loader token a 2026-11-11T00:00:00Z 2026-12-01T00:00:00Z False - sp-loader-token-a",
                "sp:loader token b 2026-11-27T00:00:00Z 2026-12-17T00:00:00Z True app/tok sp-loader-token-b",
            ],
            slots);

        var text = new StringWriter();
        Assert.Equal(0, Program.Run(["plan", "--stack", "t"], text, new StringWriter(), new FakeTimeProvider(now), _dir));
        Assert.Contains("""
            Credentials (1, two slots each; the store holds the current slot's value):
              sp:loader token: every 16 days, 4 days of overlap; next rotation 2026-12-13T00:00:00Z renews slot a; store app/tok
                slot a  previous  issued 2026-11-11T00:00:00Z  expires 2026-12-01T00:00:00Z  sp-loader-token-a
                slot b  current   issued 2026-11-27T00:00:00Z  expires 2026-12-17T00:00:00Z  sp-loader-token-b
            """.ReplaceLineEndings("\n"), text.ToString().ReplaceLineEndings("\n"), StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_with_the_stack_outputs_continues_the_deployed_schedule_after_a_period_change()
    {
        // Deployed with rotationDays 16 (slot b issued 2026-11-27); the file now says 40.
        Project("""
            secretScopes: { app: {} }
            servicePrincipals:
              loader: { token: { rotationDays: 40, overlapDays: 4, store: app/tok } }
            """);
        File.WriteAllText(Path.Combine(_dir, "outputs.json"), """
            { "credentialSchedule": { "version": 1, "credentials": { "sp-loader-token": { "current": "b",
              "a": { "issued": "2026-11-11T00:00:00Z", "expires": "2026-12-01T00:00:00Z" },
              "b": { "issued": "2026-11-27T00:00:00Z", "expires": "2026-12-17T00:00:00Z" } } } },
              "oauthSecrets": "[secret]" }
            """);
        var now = new DateTimeOffset(2026, 11, 29, 0, 0, 0, TimeSpan.Zero);
        string[] Slots(params string[] extra)
        {
            var @out = new StringWriter();
            Assert.Equal(0, Program.Run(["plan", "--stack", "t", "--format", "json", .. extra], @out, new StringWriter(), new FakeTimeProvider(now), _dir));
            using var json = JsonDocument.Parse(@out.ToString());
            return json.RootElement.GetProperty("credentials").EnumerateArray()
                .Select(c => string.Join(' ', "slot issued expires current nextRotation schedule".Split(' ').Select(k => c.GetProperty(k).ToString())))
                .ToArray();
        }

        // Continued: both slots as deployed; the next rotation is due 40 days after slot b, but no later than 4 days before it expires.
        Assert.Equal(
            [
                "a 2026-11-11T00:00:00Z 2026-12-01T00:00:00Z False 2026-12-13T00:00:00Z continued",
                "b 2026-11-27T00:00:00Z 2026-12-17T00:00:00Z True 2026-12-13T00:00:00Z continued",
            ],
            Slots("--outputs", "outputs.json"));
        // The fixed grid of a 40-day period would put both slots elsewhere (both would be replaced).
        Assert.DoesNotContain(Slots(), s => s.Contains("2026-11-27T00:00:00Z", StringComparison.Ordinal));

        var err = new StringWriter();
        Assert.Equal(2, Program.Run(["plan", "--stack", "t", "--outputs", "missing.json"], new StringWriter(), err, new FakeTimeProvider(now), _dir));
        Assert.Single(err.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("--outputs: missing.json:", err.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void The_diff_reports_a_rotation_policy_change_in_review_language()
    {
        var before = Evaluate("servicePrincipals: { loader: { oauthSecret: { rotationDays: 60, lifetimeDays: 90 } } }");
        var after = Evaluate("""
            secretScopes: { app: {} }
            servicePrincipals: { loader: { oauthSecret: { rotationDays: 30, store: app/oauth } }, ci: { token: { rotationDays: 20 } } }
            """);
        Assert.Equal(
            [
                "sp:ci token is new: two slots, rotated every 20 days with 7 days of overlap (each lives 27 days), no store (the stack output only)",
                "sp:loader oauth-secret rotation changes from every 60 days with 30 days of overlap (each lives 90 days) to every 30 days with 7 days of overlap (each lives 37 days); no credential is replaced by this change: the current slot a (issued 2026-11-03T00:00:00Z, expires 2027-02-01T00:00:00Z) is kept, and the next rotation, at 2026-12-03T00:00:00Z, renews slot b under the new policy",
                "sp:loader oauth-secret moves from no store (the stack output only) to store app/oauth",
            ],
            PlanDiff.Compute(before.Plan!, after.Plan!).Where(c => c.Kind == PlanDiff.RotationKind).Select(c => c.Text));
    }
}
