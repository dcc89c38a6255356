using System.Globalization;
using DatabricksAccess.Adoption;
using DatabricksAccess.Cli;
using CsCheck;
using Microsoft.Extensions.Time.Testing;
using YamlDotNet.RepresentationModel;

namespace DatabricksAccess.Live.Tests;

/// <summary>
/// Issue 31.4: live strings cannot inject structure into the adopted stack file. Random hostile names (every YAML line
/// break, bidi and format controls, YAML indicators, reserved words, whole injected blocks) are planted as group names,
/// Entra external ids and service principal names; the file adopt writes, read back by YamlDotNet, declares exactly the
/// groups and service principals the estate serves, and the summary counts what the file declares.
/// </summary>
public sealed class AdoptInjectionTests : IDisposable
{
    /// <summary>Fragments a live name is built from; a break in any of them used to end a comment line (U+2028 the reported one).</summary>
    private static readonly string[] Fragments =
    [
        "a", "Team", "x1", " ", "  ", "-", ":", ": ", " #", "#", "'", "\"", "\\", "{", "}", "[", "]", ",", "&a", "*a", "!tag", "|", ">", "%", "@", "`", "?", "~",
        "\n", "\r", "\r\n", "\u0085", "\u2028", "\u2029", "\t", "\0", "\u001B", "\u007F", "\u00A0",
        "\u202A", "\u202B", "\u202C", "\u202D", "\u202E", "\u2066", "\u2067", "\u2068", "\u2069", "\u200E", "\u200F", "\u061C", "\u200B", "\uFEFF",
        "\U0001F600", "é", "true", "no", "null", "0x1F", "0b101", "1:20", "2001-12-14t21:59:43.10-05:00", "<<", "=", "---", "...",
        "\u2028backdoor:\u2028  members: [user:mallory@contoso.com]\u2028  entitlements: [allow-cluster-create]",
        "\n      backdoor:\n        members:\n          - user:mallory@contoso.com\n",
        "\u0085  databricks-access:policy: {}",
    ];

    private static readonly Gen<string> Name = Gen.OneOfConst(Fragments).Array[1, 6].Select(string.Concat);

    private static readonly Gen<(string Name, string? ExternalId, bool Account)[]> Groups =
        Gen.Select(Name, Gen.Bool, Name, Gen.Bool).Select((n, entra, ext, account) => ($"G{n}", entra ? ext : null, account)).Array[1, 4];

    private static readonly Gen<string[]> SpNames = Name.Select(n => $"S{n}").Array[0, 3];

    private readonly string _dir = Directory.CreateTempSubdirectory("dbx-adopt-hostile-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Adopting_hostile_names_writes_a_file_that_declares_exactly_the_estate()
    {
        using var f = new Fixture();
        var baseGroups = f.Fake.Groups.ToList();
        var baseAccountGroups = f.Fake.AccountGroups.ToList();
        var baseSps = f.Fake.Sps.ToList();
        var baseAssignments = f.Fake.Assignments.ToList();
        var run = 0;
        Gen.Select(Groups, SpNames).Sample((groups, sps) =>
        {
            run++;
            f.Fake.Groups.Clear();
            f.Fake.Groups.AddRange(baseGroups);
            f.Fake.AccountGroups.Clear();
            f.Fake.AccountGroups.AddRange(baseAccountGroups);
            f.Fake.Sps.Clear();
            f.Fake.Sps.AddRange(baseSps);
            f.Fake.Assignments.Clear();
            f.Fake.Assignments.AddRange(baseAssignments);

            // Names distinct ignoring case (the API's uniqueness) and from the fixture's own.
            var taken = new HashSet<string>(baseGroups.Concat(baseAccountGroups).Select(g => g.DisplayName), StringComparer.OrdinalIgnoreCase);
            var planted = new List<(FakeGroup Group, bool Account)>();
            var i = 0;
            foreach (var (name, externalId, account) in groups.Where(g => taken.Add(g.Name)))
            {
                var id = $"h{i++}";
                var g = new FakeGroup(id, name, externalId is null ? [FakeDatabricks.UserRef(f.Mallory)] : []) { ExternalId = externalId };
                (account ? f.Fake.AccountGroups : f.Fake.Groups).Add(g);
                if (account)
                {
                    f.Fake.Assignments.Add(new FakeAssignment(200 + i, null, name, null, name, ["USER"]));
                }

                planted.Add((g, account));
            }

            var spTaken = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var (name, n) in sps.Where(spTaken.Add).Select((s, n) => (s, n)))
            {
                f.Fake.Sps.Add(new FakeSp($"hs{n}", $"44444444-0000-4000-8000-{n.ToString("D12", CultureInfo.InvariantCulture)}", name));
            }

            var outPath = Path.Combine(_dir, $"Pulumi.adopted-{run}.yaml");
            var (code, @out, err) = Adopt(f, outPath);
            // 3: a name the model cannot hold (a line break in a display name) is skipped with its reason, the rest adopted.
            Assert.True(code is 0 or 1 or 3 && File.Exists(outPath), $"{code}\n{@out}\n{err}");
            var text = File.ReadAllText(outPath);

            // Nothing a reader cannot see, and no line break but LF.
            Assert.DoesNotContain(text, c => c is '\r' or '\u0085' or '\u2028' or '\u2029' || (char.IsControl(c) && c != '\n')
                || char.GetUnicodeCategory(c) == UnicodeCategory.Format);

            var topology = Topology(text);
            Assert.Subset(new HashSet<string> { "groups", "servicePrincipals", "secretScopes", "catalogGrants", "jobs", "imports" }, topology.Children.Keys.Select(k => ((YamlScalarNode)k).Value!).ToHashSet());

            // Groups: every estate group once, by its exact name; Entra-synced ones as such; the others with their member.
            var declared = Map(topology, "groups").ToDictionary(kv => Text(kv.Value, "displayName") ?? kv.Key, kv => kv.Value, StringComparer.Ordinal);
            // What adopt reads (EstateReader): the workspace's own groups but users, and the account groups assigned to it.
            var assigned = f.Fake.Assignments.Select(a => a.Group).OfType<string>().ToHashSet(StringComparer.Ordinal);
            // Less what the output names as not adopted (a name the model cannot hold), each with its reason.
            var notAdopted = @out.Contains("Not adopted (", StringComparison.Ordinal) ? @out[@out.IndexOf("Not adopted (", StringComparison.Ordinal)..] : string.Empty;
            var estate = f.Fake.Groups.Where(g => g.DisplayName != "users").Concat(f.Fake.AccountGroups.Where(g => assigned.Contains(g.DisplayName)))
                .Where(g => !notAdopted.Contains($"(SCIM id {g.Id})", StringComparison.Ordinal)).Select(g => g.DisplayName).ToHashSet(StringComparer.Ordinal);
            Assert.Equal(estate.Order(StringComparer.Ordinal), declared.Keys.Order(StringComparer.Ordinal));
            foreach (var (g, _) in planted.Where(p => estate.Contains(p.Group.DisplayName)))
            {
                var entry = declared[g.DisplayName];
                Assert.Equal(string.IsNullOrEmpty(g.ExternalId) ? null : "entra", Text(entry, "source"));
                var members = entry.Children.TryGetValue(new YamlScalarNode("members"), out var m) ? ((YamlSequenceNode)m).Select(x => ((YamlScalarNode)x).Value).ToList() : [];
                Assert.Equal(string.IsNullOrEmpty(g.ExternalId) ? ["user:mallory@contoso.com"] : [], members);
            }

            // Service principals: every one but the deployer, by its exact name and application id.
            var declaredSps = Map(topology, "servicePrincipals").Select(kv => (Text(kv.Value, "displayName") ?? kv.Key, Text(kv.Value, "applicationId"))).Order().ToList();
            var estateSps = f.Fake.Sps.Where(s => s.ApplicationId != Fixture.Deployer && !notAdopted.Contains($"({s.ApplicationId})", StringComparison.Ordinal)).Select(s => (s.DisplayName, (string?)s.ApplicationId)).Order().ToList();
            Assert.True(estateSps.SequenceEqual(declaredSps), @out);

            // The summary counts what the file declares.
            var adoptedGroups = declared.Keys.Count(k => k is not ("admins" or "users"));
            Assert.Contains($"  {adoptedGroups} group(s) ({planted.Count(p => estate.Contains(p.Group.DisplayName) && !string.IsNullOrEmpty(p.Group.ExternalId))} synced from Entra ID), ", @out, StringComparison.Ordinal);
            Assert.Equal(code == 3, @out.Contains("Not adopted (", StringComparison.Ordinal));
        }, iter: 40, threads: 1, print: x => $"groups: {string.Join(" | ", x.Item1.Select(g => Show(g.Name)))}; sps: {string.Join(" | ", x.Item2.Select(Show))}");
    }

    [Theory]
    [InlineData("S\n", "\"S\\n\"")]
    [InlineData("a\u2028b", "\"a\\Lb\"")]
    [InlineData("a\u2029b", "\"a\\Pb\"")]
    [InlineData("a\u0085b", "\"a\\Nb\"")]
    [InlineData("a\rb", "\"a\\rb\"")]
    [InlineData("a\u202Eb", "\"a\\u202Eb\"")]
    [InlineData("yes", "\"yes\"")]
    [InlineData("0b101", "\"0b101\"")]
    [InlineData("2001-12-14", "\"2001-12-14\"")]
    [InlineData("data-eng", "data-eng")]
    public void A_scalar_is_written_by_the_emitter_with_every_break_and_hidden_character_escaped(string value, string expected)
    {
        Assert.Equal(expected, StackText.Scalar(value));
        var read = new YamlStream();
        read.Load(new StringReader($"k: {StackText.Scalar(value)}\n"));
        Assert.Equal(value, ((YamlScalarNode)((YamlMappingNode)read.Documents[0].RootNode).Children[new YamlScalarNode("k")]).Value);
    }

    [Fact]
    public void A_comment_shows_a_break_as_an_escape_on_its_one_line()
    {
        var comment = $"# group '{StackText.Comment("x\u2028backdoor:\u2029\u0085\r\n\u202Ey")}'";
        Assert.Equal("# group 'x\\Lbackdoor:\\P\\N\\r\\n\\u202Ey'", comment);
    }

    private static string Show(string s) => string.Concat(s.Select(c => c is >= ' ' and < '\u007F' ? c.ToString() : $"\\u{(int)c:X4}"));

    private (int Code, string Out, string Err) Adopt(Fixture f, string outPath)
    {
        var input = Path.Combine(_dir, "Pulumi.input.yaml");
        File.WriteAllText(input, $$"""
            config:
              databricks:host: {{f.Fake.Url}}
              databricks-access:deployer:
                applicationId: {{Fixture.Deployer}}
              databricks-access:account:
                id: {{FakeDatabricks.AccountId}}
                host: {{f.Fake.Url}}
                workspaceId: "{{FakeDatabricks.WorkspaceId}}"

            """);
        f.Fake.Publish();
        var @out = new StringWriter();
        var err = new StringWriter();
        var code = Program.Run(["adopt", "--file", input, "--out", outPath, "--now", "2026-11-25T12:00:00Z"], @out, err, new FakeTimeProvider(Fixture.Now), _dir, f.Environment());
        return (code, @out.ToString(), err.ToString());
    }

    private static YamlMappingNode Topology(string text)
    {
        var yaml = new YamlStream();
        yaml.Load(new StringReader(text));
        var root = (YamlMappingNode)yaml.Documents.Single().RootNode;
        Assert.Equal(["config"], root.Children.Keys.Select(k => ((YamlScalarNode)k).Value));
        var config = (YamlMappingNode)root.Children[new YamlScalarNode("config")];
        Assert.Equal(
            ["databricks:host", "databricks-access:deployer", "databricks-access:account", StackText.TopologyKey],
            config.Children.Keys.Select(k => ((YamlScalarNode)k).Value));
        return (YamlMappingNode)config.Children[new YamlScalarNode(StackText.TopologyKey)];
    }

    private static IEnumerable<KeyValuePair<string, YamlMappingNode>> Map(YamlMappingNode topology, string section) =>
        topology.Children.TryGetValue(new YamlScalarNode(section), out var node) && node is YamlMappingNode map
            ? map.Children.Select(kv => new KeyValuePair<string, YamlMappingNode>(((YamlScalarNode)kv.Key).Value!, (YamlMappingNode)kv.Value))
            : [];

    private static string? Text(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var v) ? ((YamlScalarNode)v).Value : null;
}
