using DatabricksAccess.Topology.Model;
using Mono.Cecil;
using Mono.Cecil.Cil;

namespace DatabricksAccess.Topology.Tests;

/// <summary>
/// The layers point one way. Inside the pure core: Model ← Config / Evaluation / Planning ← the evaluator that runs them
/// (the root namespace). Read from the compiled assembly, not the source: every type a signature, an attribute, a base
/// type or an instruction names counts, however it is spelled in the code.
/// </summary>
public class ArchitectureTests
{
    private const string Root = "DatabricksAccess.Topology";

    /// <summary>What each namespace of the core may use besides itself.</summary>
    private static readonly Dictionary<string, string[]> Allowed = new(StringComparer.Ordinal)
    {
        [$"{Root}.Model"] = [],
        [$"{Root}.Config"] = [$"{Root}.Model"],
        [$"{Root}.Evaluation"] = [$"{Root}.Model"],
        [$"{Root}.Planning"] = [$"{Root}.Model"],
        [Root] = [$"{Root}.Model", $"{Root}.Config", $"{Root}.Evaluation", $"{Root}.Planning"],
    };

    [Fact]
    public void The_cores_namespaces_form_a_dag_from_model_up()
    {
        var edges = NamespaceEdges(typeof(Diagnostic).Assembly.Location);
        var wrong = edges.Where(e => !Allowed.TryGetValue(e.From, out var to) || !to.Contains(e.To, StringComparer.Ordinal))
            .Select(e => $"{e.From} -> {e.To} ({e.Example})").Order(StringComparer.Ordinal).ToList();
        Assert.True(wrong.Count == 0, string.Join('\n', wrong));
        // The rule is not vacuous: the layers above the model do use it, and the evaluator uses every layer.
        Assert.Contains(edges, e => e.From == $"{Root}.Planning" && e.To == $"{Root}.Model");
        Assert.Equal(Allowed[Root].Order(StringComparer.Ordinal), edges.Where(e => e.From == Root).Select(e => e.To).Distinct().Order(StringComparer.Ordinal));
    }

    [Fact]
    public void The_edge_reader_sees_a_reference_made_only_inside_a_method_body()
    {
        // The evaluator constructs the checkers (Evaluation) only inside method bodies: no signature names them.
        var edges = NamespaceEdges(typeof(Diagnostic).Assembly.Location);
        Assert.Contains(edges, e => e.From == Root && e.To == $"{Root}.Evaluation" && e.Examples.Any(x => x.Contains("uses ReferenceChecker..ctor", StringComparison.Ordinal)));
    }

    [Fact]
    public void The_core_references_no_other_project()
    {
        using var module = ModuleDefinition.ReadModule(typeof(Diagnostic).Assembly.Location);
        Assert.Contains(module.AssemblyReferences, r => r.Name == "YamlDotNet");
        Assert.DoesNotContain(module.AssemblyReferences, r => r.Name.StartsWith("DatabricksAccess.", StringComparison.Ordinal));
    }

    /// <summary>
    /// Which projects each production assembly may reference: Live and the core stand alone; Adoption (adopt's domain
    /// and the audit's declaration) bridges them and sees no command line; the command line sits on top. The Pulumi
    /// program (Infra) is not built into this test's folder: it references Topology only (Infra.csproj).
    /// </summary>
    private static readonly Dictionary<string, string[]> References = new(StringComparer.Ordinal)
    {
        ["DatabricksAccess.Topology"] = [],
        ["DatabricksAccess.Live"] = [],
        ["DatabricksAccess.Adoption"] = ["DatabricksAccess.Topology", "DatabricksAccess.Live"],
        ["DatabricksAccess.Cli"] = ["DatabricksAccess.Topology", "DatabricksAccess.Live", "DatabricksAccess.Adoption"],
    };

    [Fact]
    public void Each_production_assembly_references_only_the_projects_below_it()
    {
        foreach (var (name, allowed) in References)
        {
            using var module = ModuleDefinition.ReadModule(Path.Combine(AppContext.BaseDirectory, $"{name}.dll"));
            var projects = module.AssemblyReferences.Select(r => r.Name).Where(r => r.StartsWith("DatabricksAccess.", StringComparison.Ordinal))
                .Order(StringComparer.Ordinal).ToList();
            Assert.True(projects.All(allowed.Contains), $"{name} references {string.Join(", ", projects.Except(allowed))}: only {string.Join(", ", allowed)} may be");
        }

        // Not vacuous: the bridge does use both sides, and the command line uses the bridge (adopt, audit).
        using var adoption = ModuleDefinition.ReadModule(Path.Combine(AppContext.BaseDirectory, "DatabricksAccess.Adoption.dll"));
        Assert.Equal(References["DatabricksAccess.Adoption"].Order(StringComparer.Ordinal),
            adoption.AssemblyReferences.Select(r => r.Name).Where(r => r.StartsWith("DatabricksAccess.", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
        using var cli = ModuleDefinition.ReadModule(Path.Combine(AppContext.BaseDirectory, "DatabricksAccess.Cli.dll"));
        Assert.Contains(cli.AssemblyReferences, r => r.Name == "DatabricksAccess.Adoption");
    }

    [Fact]
    public void Adoption_and_the_audits_declaration_live_outside_the_command_line()
    {
        // Adopt's domain (what the estate becomes in the stack file, its import ids) and the model-to-Declaration bridge
        // are in the Adoption library; the command line keeps the verbs.
        using var cli = ModuleDefinition.ReadModule(Path.Combine(AppContext.BaseDirectory, "DatabricksAccess.Cli.dll"));
        var names = cli.Types.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        Assert.DoesNotContain("Adopter", names);
        Assert.DoesNotContain("StackText", names);
        Assert.DoesNotContain("AuditDeclarations", names);
        using var adoption = ModuleDefinition.ReadModule(Path.Combine(AppContext.BaseDirectory, "DatabricksAccess.Adoption.dll"));
        Assert.Contains(adoption.Types, t => t.FullName == "DatabricksAccess.Adoption.Adopter");
        Assert.Contains(adoption.Types, t => t.FullName == "DatabricksAccess.Adoption.AuditDeclarations");
    }

    [Fact]
    public void No_production_assembly_sees_another_ones_internals()
    {
        var assemblies = Directory.GetFiles(AppContext.BaseDirectory, "DatabricksAccess.*.dll");
        Assert.Contains(assemblies, a => a.EndsWith("DatabricksAccess.Cli.dll", StringComparison.Ordinal));
        Assert.Contains(assemblies, a => a.EndsWith("DatabricksAccess.Live.dll", StringComparison.Ordinal));
        Assert.Contains(assemblies, a => a.EndsWith("DatabricksAccess.Adoption.dll", StringComparison.Ordinal));
        var production = assemblies.Select(Path.GetFileNameWithoutExtension).ToHashSet(StringComparer.Ordinal);
        foreach (var path in assemblies)
        {
            using var module = ModuleDefinition.ReadModule(path);
            var friends = module.Assembly.CustomAttributes.Where(a => a.AttributeType.Name == "InternalsVisibleToAttribute")
                .Select(a => (string)a.ConstructorArguments[0].Value).ToList();
            Assert.All(friends, f => Assert.False(production.Contains(f) || f is "DatabricksAccess.Infra",
                $"{Path.GetFileName(path)} shows its internals to {f}, a production assembly: it should use the public surface"));
        }
    }

    private sealed record Edge(string From, string To, List<string> Examples)
    {
        public string Example => Examples[0];
    }

    private static List<Edge> NamespaceEdges(string assemblyPath)
    {
        using var module = ModuleDefinition.ReadModule(assemblyPath);
        var found = new Dictionary<(string, string), List<string>>();
        foreach (var type in module.GetTypes())
        {
            var from = NamespaceOf(type);
            if (!from.StartsWith(Root, StringComparison.Ordinal))
            {
                continue;
            }

            void Use(TypeReference? t, string where)
            {
                foreach (var ns in Namespaces(t))
                {
                    if (ns != from && ns.StartsWith(Root, StringComparison.Ordinal))
                    {
                        if (!found.TryGetValue((from, ns), out var examples))
                        {
                            found[(from, ns)] = examples = [];
                        }

                        examples.Add($"{type.FullName} {where}");
                    }
                }
            }

            Use(type.BaseType, "base");
            type.Interfaces.ToList().ForEach(i => Use(i.InterfaceType, "interface"));
            type.CustomAttributes.ToList().ForEach(a => Use(a.AttributeType, "attribute"));
            type.Fields.ToList().ForEach(f => Use(f.FieldType, f.Name));
            type.Properties.ToList().ForEach(p => Use(p.PropertyType, p.Name));
            foreach (var m in type.Methods)
            {
                Use(m.ReturnType, m.Name);
                m.Parameters.ToList().ForEach(p => Use(p.ParameterType, m.Name));
                if (!m.HasBody)
                {
                    continue;
                }

                m.Body.Variables.ToList().ForEach(v => Use(v.VariableType, m.Name));
                foreach (var i in m.Body.Instructions)
                {
                    switch (i.Operand)
                    {
                        case TypeReference t:
                            Use(t, $"{m.Name} uses {t.Name}");
                            break;
                        case MemberReference r:
                            Use(r.DeclaringType, $"{m.Name} uses {r.DeclaringType?.Name}.{r.Name}");
                            if (r is MethodReference mr)
                            {
                                Use(mr.ReturnType, $"{m.Name} uses {r.Name}");
                                if (mr is GenericInstanceMethod g)
                                {
                                    g.GenericArguments.ToList().ForEach(a => Use(a, $"{m.Name} uses {r.Name}<{a.Name}>"));
                                }
                            }
                            else if (r is FieldReference fr)
                            {
                                Use(fr.FieldType, $"{m.Name} uses {r.Name}");
                            }

                            break;
                    }
                }
            }
        }

        return found.Select(kv => new Edge(kv.Key.Item1, kv.Key.Item2, kv.Value)).ToList();
    }

    /// <summary>Nested (and compiler-generated) types belong to their outermost type's namespace.</summary>
    private static string NamespaceOf(TypeReference type)
    {
        while (type.DeclaringType is not null)
        {
            type = type.DeclaringType;
        }

        return type.Namespace;
    }

    private static IEnumerable<string> Namespaces(TypeReference? type)
    {
        if (type is null)
        {
            yield break;
        }

        switch (type)
        {
            case GenericInstanceType g:
                foreach (var ns in Namespaces(g.ElementType).Concat(g.GenericArguments.SelectMany(Namespaces)))
                {
                    yield return ns;
                }

                yield break;
            case TypeSpecification s:
                foreach (var ns in Namespaces(s.ElementType))
                {
                    yield return ns;
                }

                yield break;
            case GenericParameter:
                yield break;
            default:
                yield return NamespaceOf(type);
                break;
        }
    }
}
