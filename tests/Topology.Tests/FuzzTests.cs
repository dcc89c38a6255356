using System.Text;
using CsCheck;
using DatabricksAccess.Topology.Config;
using DatabricksAccess.Topology.Evaluation;
using static DatabricksAccess.Topology.Tests.TestSupport;

namespace DatabricksAccess.Topology.Tests;

/// <summary>
/// Property over mutated stack files (CsCheck): whatever the bytes, the offline command ends with exit 0, 1 or 2,
/// never a stack trace or an internal error, one stderr line per finding (or one for a file it cannot read), and
/// text and Markdown output without control characters.
/// </summary>
public sealed class FuzzTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("dbx-access-fuzz-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static readonly byte[][] Seeds =
    [
        File.ReadAllBytes(Path.Combine(RepoRoot, "Pulumi.dev.yaml")),
        File.ReadAllBytes(Path.Combine(RepoRoot, "Pulumi.prod.yaml")),
        File.ReadAllBytes(Fixture("complete.yaml")),
    ];

    private static readonly byte[][] Fragments =
    [
        .. new[]
        {
            "\n", "\t", ": ", "- ", "&a ", "*a", "[", "]", "{", "}", ", ", "'", "\"", " #", "|\n", ">\n", "---\n", "...\n", "? ",
            "\u0000", "\u202E", "\u2028", "user:", "group:", "sp:", "webapp:", "group:users", "group:admins", "::", "..", "<!--", "`", "|",
            "9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z", "2026-11-25T12:00:00Z", "\\", "!!binary ", "!tag ", "%YAML 1.2\n", "@",
            "~", "null", "true", "-1", "99999999999999999999", "1e400", new string('[', 40), new string('{', 40), "  ", "\r\n",
            "é", "\uFFFF", "expires: ", "reason: ", "members: [", "workspaceAccess: admin", "existing: true", "level: account",
            "source: entra", "databricks:token: dapi1\n", new string('x', 2000),
        }.Select(Encoding.UTF8.GetBytes),
        [0xFF], [0xC3], [0xED, 0xA0, 0x80], [0xEF, 0xBB, 0xBF],
    ];

    /// <summary>A mutation: kind, where (a fraction of the length), what (a fragment or a length).</summary>
    private static readonly Gen<(int Kind, double At, int What, double To)> Mutation =
        Gen.Select(Gen.Int[0, 4], Gen.Double[0, 1], Gen.Int[0, 1000], Gen.Double[0, 1]);

    private static readonly Gen<(int Seed, (int, double, int, double)[] Mutations, int Command)> Case =
        Gen.Select(Gen.Int[0, Seeds.Length - 1], Mutation.Array[1, 6], Gen.Int[0, 3]);

    private static byte[] Mutate(byte[] seed, (int Kind, double At, int What, double To)[] mutations)
    {
        var bytes = new List<byte>(seed);
        foreach (var (kind, at, what, to) in mutations)
        {
            var i = (int)(at * bytes.Count);
            var lines = Encoding.UTF8.GetString([.. bytes]).Split('\n');
            switch (kind)
            {
                case 0:
                    bytes.InsertRange(i, Fragments[what % Fragments.Length]);
                    break;
                case 1:
                    bytes.RemoveRange(i, Math.Min(1 + (what % 24), bytes.Count - i));
                    break;
                case 2:
                    // Duplicate a line somewhere else (repeated keys, members, documents).
                    var line = lines[what % lines.Length];
                    var target = (int)(to * lines.Length);
                    bytes = [.. Encoding.UTF8.GetBytes(string.Join('\n', lines.Take(target).Append(line).Concat(lines.Skip(target))))];
                    break;
                case 3:
                    // Re-indent a line (tabs, wrong nesting).
                    var n = what % lines.Length;
                    lines[n] = (to < 0.3 ? "\t" : new string(' ', what % 9)) + lines[n].TrimStart();
                    bytes = [.. Encoding.UTF8.GetBytes(string.Join('\n', lines))];
                    break;
                default:
                    // Replace a scalar-looking span with a fragment.
                    var end = Math.Min(bytes.Count, i + 1 + (what % 12));
                    bytes.RemoveRange(i, end - i);
                    bytes.InsertRange(i, Fragments[(what * 7) % Fragments.Length]);
                    break;
            }
        }

        return [.. bytes];
    }

    [Fact]
    public void Mutated_stack_files_never_crash_and_every_finding_is_one_line()
    {
        var path = Path.Combine(_dir, "Pulumi.fuzz.yaml");
        string[] formats = ["text", "json", "markdown"];
        Case.Sample(c =>
        {
            var bytes = Mutate(Seeds[c.Seed], c.Mutations);
            File.WriteAllBytes(path, bytes);
            var command = c.Command == 0 ? "check" : "plan";
            var format = formats[c.Command % 3];
            var (code, @out, err) = HostileInputTests.Run(_dir, command, "--file", path, "--now", "2026-11-25T12:00:00Z", "--format", format);

            Assert.InRange(code, 0, 2);
            Assert.DoesNotContain("   at ", err, StringComparison.Ordinal);
            Assert.DoesNotContain("internal error", err, StringComparison.Ordinal);
            var lines = err.Length == 0 ? [] : err.TrimEnd('\n').Split('\n');
            Assert.DoesNotContain(err, ch => char.IsControl(ch) && ch != '\n');
            if (format != "json")
            {
                Assert.DoesNotContain(@out, ch => char.IsControl(ch) && ch != '\n');
            }

            // One line per finding: as many lines as the evaluation has diagnostics, or one for a file it cannot load.
            int expected;
            try
            {
                var stack = StackFile.Load(path);
                expected = TopologyEvaluator.Evaluate(stack.ToInput(), new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero), stack.Findings).Diagnostics.Count;
            }
            catch (ConfigLoadException)
            {
                expected = 1;
            }

            Assert.Equal(expected, lines.Length);
        }, iter: int.TryParse(Environment.GetEnvironmentVariable("FUZZ_ITER"), out var n) ? n : 400, threads: 1);
    }
}
