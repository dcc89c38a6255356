using DatabricksAccess.Live.Api;

namespace DatabricksAccess.Live;

public static partial class Comparison
{
    private sealed partial class Comparer
    {
        private void Tokens()
        {
            if (declaration.TokenUsers is null || live.TokenAcl is null)
            {
                return;
            }

            const string Tokens = "tokens";
            var admins = LiveKey.Of(PrincipalType.Group, "admins");
            var declared = declaration.TokenUsers.Select(KeyOf).OfType<LiveKey>().ToHashSet();
            var seen = new HashSet<LiveKey>();
            foreach (var (p, levels) in Direct(live.TokenAcl))
            {
                seen.Add(p.Key);
                if (p.Key == _deployer || p.Key == admins)
                {
                    continue;
                }

                var beyond = levels.Where(l => l != "CAN_USE").ToList();
                if (!declared.Contains(p.Key))
                {
                    Add(FindingKinds.TokenUser, Severities.Max(levels), Name(p), Tokens, $"{Join(levels)} on personal access tokens without being declared a token user");
                }
                else if (beyond.Count > 0)
                {
                    Add(FindingKinds.TokenUser, Severities.Max(beyond), Name(p), Tokens, $"declared CAN_USE, live {Join(levels)}");
                }
            }

            foreach (var user in declaration.TokenUsers.Where(u => _found.Contains(u) && KeyOf(u) is { } k && !seen.Contains(k)))
            {
                Add(FindingKinds.Missing, Severity.Low, user, Tokens, "declared token user cannot use tokens");
            }
        }

        // ---- Unity Catalog ---------------------------------------------------------------------------------------

        private void TokenPolicy()
        {
            if (declaration.TokenMaxLifetimeDays is not { } days || live.Tokens is not { } tokens)
            {
                return;
            }

            var allowed = TimeSpan.FromDays(days);
            foreach (var t in tokens)
            {
                var owner = t.CreatedByUsername is { Length: > 0 } creator ? Name(Classify(creator)) : $"user id {t.OwnerId?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?"}";
                var obj = $"token:{t.TokenId ?? "?"}";
                var expiry = t.ExpiryTime ?? 0;
                if (expiry <= 0)
                {
                    // TokenInfo.expiry_time: -1, or absent (0), when it never expires [fact: sdk-tokens-list].
                    Add(FindingKinds.TokenPolicy, Severity.High, owner, obj, $"never expires; the token policy allows {days} days");
                    continue;
                }

                var lifetime = TimeSpan.FromMilliseconds(expiry - (t.CreationTime ?? 0));
                if (lifetime > allowed)
                {
                    Add(FindingKinds.TokenPolicy, Severity.Medium, owner, obj,
                        $"lives {(Math.Ceiling(lifetime.TotalDays * 100) / 100).ToString("0.##", System.Globalization.CultureInfo.InvariantCulture)} days; the token policy allows {days} days");
                }
            }
        }

        /// <summary>
        /// The workspace conf <c>maxTokenLifetimeDays</c> (the longest lifetime of a new personal access token) against
        /// the declared <c>tokenPolicy.maxLifetimeDays</c>: unset (no limit) is high, a longer limit medium, a shorter one low.
        /// </summary>
        private void WorkspaceTokenPolicy()
        {
            if (declaration.TokenMaxLifetimeDays is not { } days || !live.WorkspaceConfRead)
            {
                return;
            }

            var obj = $"workspace-conf:{LiveReader.MaxTokenLifetimeDaysKey}";
            var value = live.MaxTokenLifetimeDays?.Trim();
            if (string.IsNullOrEmpty(value))
            {
                Add(FindingKinds.TokenPolicy, Severity.High, null, obj, $"unset: new personal access tokens may live forever; the stack declares {days} days");
            }
            else if (!int.TryParse(value, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var liveDays))
            {
                Add(FindingKinds.TokenPolicy, Severity.High, null, obj, $"'{value}' is not a number of days; the stack declares {days} days");
            }
            else if (liveDays != days)
            {
                Add(FindingKinds.TokenPolicy, liveDays <= 0 ? Severity.High : liveDays > days ? Severity.Medium : Severity.Low, null, obj,
                    $"{liveDays} days live; the stack declares {days} days");
            }
        }
    }
}
