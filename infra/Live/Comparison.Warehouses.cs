using DatabricksAccess.Live.Api;

namespace DatabricksAccess.Live;

public static partial class Comparison
{
    private sealed partial class Comparer
    {
        /// <summary>
        /// The ACL of each declared warehouse against its declaration: the owner (IS_OWNER) must be the declared
        /// <c>owner</c> (another owner is high: a changed owner), every other level must be declared. The deployer's
        /// CAN_MANAGE is the provider's (AddCurrentUserAsManage, the warehouse's updateAclCustomizers
        /// [fact: permissions-caller-manage]), and <c>admins</c> manage every warehouse.
        /// </summary>
        private void Warehouses()
        {
            var admins = LiveKey.Of(PrincipalType.Group, "admins");
            foreach (var w in declaration.Warehouses)
            {
                var obj = $"warehouse:{w.Label}";
                if (!live.Warehouses.TryGetValue(w.Key, out var found))
                {
                    continue;
                }

                if (found.Id is null)
                {
                    Add(FindingKinds.Missing, Severity.Low, null, obj, found.NameMatches == 0 ? "no SQL warehouse has this name" : $"{found.NameMatches} SQL warehouses have this name");
                    continue;
                }

                var suffix = w.Id is null ? $" (id {found.Id})" : string.Empty;
                if (found.Acl is null)
                {
                    Add(FindingKinds.Missing, Severity.Low, null, obj, "the warehouse's permissions are not found (HTTP 404)" + suffix);
                    continue;
                }

                var owner = w.Owner is { } o ? KeyOf(o) : null;
                var entries = new List<(LivePrincipal Principal, string Level)>();
                var owners = new List<LivePrincipal>();
                foreach (var (p, levels) in Direct(found.Acl))
                {
                    var level = levels.OrderByDescending(l => Array.IndexOf(WarehouseLevels, l)).First();
                    if (level == "IS_OWNER")
                    {
                        owners.Add(p);
                    }
                    else
                    {
                        entries.Add((p, level));
                    }
                }

                foreach (var p in owners.Where(p => p.Key != owner))
                {
                    Add(FindingKinds.UndeclaredWarehousePermission, Severity.High, Name(p), obj,
                        w.Owner is null ? $"IS_OWNER of the warehouse without a declaration{suffix}" : $"IS_OWNER of the warehouse; the stack declares {w.Owner} as its owner{suffix}");
                }

                if (w.Owner is { } declaredOwner && owners.Count == 0 && _found.Contains(declaredOwner))
                {
                    Add(FindingKinds.Missing, Severity.Low, declaredOwner, obj, "declared owner (IS_OWNER) is absent" + suffix);
                }

                Levels(FindingKinds.UndeclaredWarehousePermission, obj, "the warehouse", WarehouseLevels,
                    DeclaredKeys(w.Permissions.Select(p => (p.Principal, p.Permission))), w.Permissions, entries,
                    p => p.Key == admins || (p.Key == _deployer && entries.Any(e => e.Principal.Key == p.Key && e.Level == "CAN_MANAGE")), suffix);
            }
        }

        // ---- account rule sets ---------------------------------------------------------------------------------
    }
}
