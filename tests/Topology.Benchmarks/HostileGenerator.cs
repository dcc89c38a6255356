using System.Text;

namespace DatabricksAccess.Topology.Benchmarks;

/// <summary>
/// Stack files of a given size shaped to cost the most per byte: what once was quadratic (token stores in one
/// scope, the groups of one web app, policy exceptions against violations, group closures), what builds the most
/// values per byte (flow lists), long keys and wide nesting. measure.sh checks each one against the target: any
/// input under 25 MB is checked in under 10 s and 1 GB.
/// </summary>
public static class HostileGenerator
{
    public static readonly IReadOnlyList<string> Shapes =
        ["members", "token-stores", "webapp-groups", "exceptions", "nesting", "flow-values", "long-keys", "invalid-members"];

    public static string Generate(string shape, long bytes)
    {
        var sb = new StringBuilder((int)Math.Min(bytes + 4096, int.MaxValue));
        sb.Append("config:\n");
        switch (shape)
        {
            case "members":
                // One group with as many distinct members as fit.
                Topology(sb).Append("    groups:\n      crowd:\n        members:\n");
                for (var i = 0; sb.Length < bytes; i++)
                {
                    sb.Append("          - user:u").Append(i).Append("@contoso.com\n");
                }

                break;
            case "token-stores":
                // Every service principal writes its token into the same scope (each once rescanned the scope).
                Topology(sb).Append("    secretScopes:\n      shared: {}\n    servicePrincipals:\n");
                for (var i = 0; sb.Length < bytes; i++)
                {
                    sb.Append("      sp").Append(i).Append(": { token: { lifetimeDays: 30, rotationDays: 25, store: shared/t").Append(i).Append(" } }\n");
                }

                break;
            case "webapp-groups":
                // One web app in every group (each group was once looked up in a list of all of them).
                var count = (int)(bytes / 40);
                Topology(sb).Append("    resourceGroup: rg-hostile\n    groups:\n");
                for (var i = 0; i < count; i++)
                {
                    sb.Append("      g").Append(i).Append(": {}\n");
                }

                sb.Append("    webApps:\n      app:\n        sku: B1\n        groups:\n");
                for (var i = 0; i < count; i++)
                {
                    sb.Append("          - g").Append(i).Append('\n');
                }

                break;
            case "exceptions":
                // As many policy exceptions as standing admins that need them (each violation once scanned them all).
                var admins = (int)(bytes / 142);
                sb.Append("  databricks-access:policy:\n    maxExpiryDays: 30\n    exceptions:\n");
                for (var i = 0; i < admins; i++)
                {
                    sb.Append("      - { rule: standing-admin, principal: user:a").Append(i).Append("@contoso.com, reason: r, expires: \"2026-06-10T00:00:00Z\" }\n");
                }

                Topology(sb).Append("    groups:\n      admins:\n        existing: true\n        members:\n");
                for (var i = 0; i < admins; i++)
                {
                    sb.Append("          - user:a").Append(i).Append("@contoso.com\n");
                }

                break;
            case "nesting":
                // Sixteen levels of groups, every group a member of every group of the next level, users below.
                const int Levels = 16;
                var width = (int)Math.Sqrt(bytes / 15.0 / Levels);
                Topology(sb).Append("    groups:\n");
                for (var level = 0; level < Levels; level++)
                {
                    for (var g = 0; g < width; g++)
                    {
                        sb.Append("      l").Append(level).Append('-').Append(g).Append(":\n        members: [");
                        if (level == 0)
                        {
                            for (var u = 0; u < 8; u++)
                            {
                                sb.Append(u == 0 ? string.Empty : ", ").Append("user:u").Append(g).Append('-').Append(u).Append("@contoso.com");
                            }
                        }
                        else
                        {
                            for (var c = 0; c < width; c++)
                            {
                                sb.Append(c == 0 ? string.Empty : ", ").Append("group:l").Append(level - 1).Append('-').Append(c);
                            }
                        }

                        sb.Append("]\n");
                    }
                }

                sb.Append("      admins:\n        existing: true\n        members:\n");
                for (var g = 0; g < width; g++)
                {
                    sb.Append("          - { principal: group:l").Append(Levels - 1).Append('-').Append(g).Append(", expires: \"2026-06-01T18:00:00Z\", reason: CHG-1 }\n");
                }

                break;
            case "flow-values":
                // The most values per byte: a flow list of one-character scalars.
                Topology(sb).Append("    groups:\n      g:\n        members: [");
                while (sb.Length < bytes)
                {
                    sb.Append("a,");
                }

                sb.Append("a]\n");
                break;
            case "long-keys":
                // Unknown keys of 16,000 characters (explicit keys: a plain key is at most 1,024), each with a nested
                // value: paths must not copy them, and findings quote them shortened.
                Topology(sb).Append("    groups:\n");
                for (var i = 0; sb.Length < bytes; i++)
                {
                    sb.Append("      g").Append(i).Append(":\n        ? ").Append('k', 16_000).Append(i).Append("\n        :\n          x: [1, 2, 3]\n");
                }

                break;
            case "invalid-members":
                // A finding for every line.
                Topology(sb).Append("    groups:\n      g:\n        members:\n");
                for (var i = 0; sb.Length < bytes; i++)
                {
                    sb.Append("          - \"user:not an email ").Append(i).Append("\"\n");
                }

                break;
            default:
                throw new ArgumentException($"unknown shape '{shape}'; shapes: {string.Join(", ", Shapes)}");
        }

        return sb.ToString();
    }

    private static StringBuilder Topology(StringBuilder sb) => sb.Append("  databricks-access:topology:\n");
}
