using BenchmarkDotNet.Attributes;
using DatabricksAccess.Topology.Config;
using DatabricksAccess.Topology.Evaluation;

namespace DatabricksAccess.Topology.Benchmarks;

/// <summary>One generated topology, written to a temp file and evaluated once, shared by a benchmark class.</summary>
internal sealed class Fixture
{
    public Fixture(int scale)
    {
        Directory = Path.Combine(Path.GetTempPath(), $"topology-bench-{Environment.ProcessId}-{scale}");
        System.IO.Directory.CreateDirectory(Directory);
        Text = TopologyGenerator.Generate(scale);
        FilePath = Path.Combine(Directory, $"Pulumi.bench{scale}.yaml");
        File.WriteAllText(FilePath, Text);
        Stack = StackFile.Parse(Text, FilePath);
        Result = TopologyEvaluator.Evaluate(Stack.ToInput(), TopologyGenerator.Now);
        if (Result.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"generated topology (scale {scale}) is not clean: {string.Join("; ", Result.Diagnostics.Take(5))}");
        }
    }

    public string Directory { get; }

    public string Text { get; }

    public string FilePath { get; }

    public StackFile Stack { get; }

    public EvaluationResult Result { get; }

    public int Run(string command) =>
        global::DatabricksAccess.Cli.Program.Run(
            [command, "--file", FilePath, "--now", TopologyGenerator.NowText], TextWriter.Null, TextWriter.Null, TimeProvider.System, Directory);

    public void Delete()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>The stages at scale 1 (5,000 users, 500 groups, 50,000 memberships, ...).</summary>
[MemoryDiagnoser]
[BenchmarkCategory("scale1")]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 10)]
public class Scale1
{
    private Fixture _f = null!;

    [GlobalSetup]
    public void Setup() => _f = new Fixture(1);

    [GlobalCleanup]
    public void Cleanup() => _f.Delete();

    [Benchmark(Description = "Parse")]
    public StackFile Parse() => StackFile.Parse(_f.Text, _f.FilePath);

    [Benchmark(Description = "Evaluate")]
    public EvaluationResult Evaluate() => TopologyEvaluator.Evaluate(_f.Stack.ToInput(), TopologyGenerator.Now);

    [Benchmark(Description = "EffectiveAccess")]
    public IReadOnlyList<AccessEntry> Access() => EffectiveAccess.Compute(_f.Result.Graph!);

    [Benchmark(Description = "Run check")]
    public int Check() => _f.Run("check");

    [Benchmark(Description = "Run plan")]
    public int Plan() => _f.Run("plan");
}

/// <summary>Scale 10: ten times every count. Slow; select or skip it with --anyCategories scale1 / scale10.</summary>
[MemoryDiagnoser]
[BenchmarkCategory("scale10")]
[SimpleJob(launchCount: 1, warmupCount: 1, iterationCount: 3)]
public class Scale10
{
    private Fixture _f = null!;

    [GlobalSetup]
    public void Setup() => _f = new Fixture(10);

    [GlobalCleanup]
    public void Cleanup() => _f.Delete();

    [Benchmark(Description = "Evaluate x10")]
    public EvaluationResult Evaluate() => TopologyEvaluator.Evaluate(_f.Stack.ToInput(), TopologyGenerator.Now);

    [Benchmark(Description = "Run plan x10")]
    public int Plan() => _f.Run("plan");
}
