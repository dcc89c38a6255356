using System.Diagnostics;
using BenchmarkDotNet.Running;
using DatabricksAccess.Cli;
using DatabricksAccess.Topology.Config;
using DatabricksAccess.Topology.Evaluation;
using DatabricksAccess.Topology.Model;

namespace DatabricksAccess.Topology.Benchmarks;

/// <summary>
/// <c>generate SCALE OUTFILE</c> writes a stack file (time the real CLI on it: measure.sh); <c>hostile SHAPE MB
/// OUTFILE</c> writes a file of about MB megabytes shaped to cost the most (<see cref="HostileGenerator"/>); <c>verify SCALE</c>
/// generates, evaluates and times each stage once in process (cold, like the CLI), prints the diagnostics and exits
/// with the evaluation's exit code; <c>profile FILE</c> times each stage of <c>check</c> on a stack file with what it
/// allocated and collected; <c>cli ARGS</c> runs the CLI in process and prints what the collector did; anything else
/// goes to BenchmarkDotNet (for example <c>--filter '*'</c>).
/// </summary>
public static class Entry
{
    public static int Main(string[] args)
    {
        if (args is ["generate", var scaleText, var outFile])
        {
            var text = TopologyGenerator.Generate(ParseScale(scaleText), out var counts);
            File.WriteAllText(outFile, text);
            Console.Error.WriteLine($"{outFile}: {text.Length / 1024.0 / 1024.0:F1} MiB, {counts}; evaluate with --now {TopologyGenerator.NowText}");
            return 0;
        }

        if (args is ["hostile", var shape, var megabytes, var hostileFile])
        {
            var text = HostileGenerator.Generate(shape, (long)(double.Parse(megabytes, System.Globalization.CultureInfo.InvariantCulture) * 1024 * 1024));
            File.WriteAllText(hostileFile, text);
            Console.Error.WriteLine($"{hostileFile}: {text.Length / 1024.0 / 1024.0:F1} MiB, shape {shape}; evaluate with --now {TopologyGenerator.NowText}");
            return 0;
        }

        if (args is ["cli", .. var cliArgs])
        {
            // The CLI in this process, its output into nothing, then what the collector did (allocations and
            // collections hardly depend on how busy the machine is: compare them across commits).
            var sw = Stopwatch.StartNew();
            using var cliOut = new StreamWriter(Stream.Null, new System.Text.UTF8Encoding(false), 1 << 16);
            using var cliErr = new StreamWriter(Stream.Null, new System.Text.UTF8Encoding(false), 1 << 16) { AutoFlush = true };
            var code = Program.Run(cliArgs, cliOut, TextWriter.Synchronized(cliErr), TimeProvider.System, Environment.CurrentDirectory);
            Console.WriteLine($"exit {code}, {sw.ElapsedMilliseconds} ms, {Process.GetCurrentProcess().TotalProcessorTime.TotalMilliseconds:F0} ms CPU; GC: gen0 {GC.CollectionCount(0)}, gen1 {GC.CollectionCount(1)}, gen2 {GC.CollectionCount(2)}, " +
                $"total pause {GC.GetTotalPauseDuration().TotalMilliseconds:F0} ms, allocated {GC.GetTotalAllocatedBytes() / 1024 / 1024} MiB, peak working set {Process.GetCurrentProcess().PeakWorkingSet64 / 1024 / 1024} MiB");
            return code;
        }

        if (args is ["profile", var profileFile])
        {
            return Profile(profileFile);
        }

        if (args is ["verify", var verifyScale])
        {
            return Verify(ParseScale(verifyScale));
        }

        BenchmarkSwitcher.FromAssembly(typeof(Entry).Assembly).Run(args);
        return 0;
    }

    private static int ParseScale(string text) =>
        int.TryParse(text, out var scale) && scale >= 1 ? scale : throw new ArgumentException($"scale must be a whole number >= 1, got '{text}'");

    /// <summary>
    /// Stopwatch timings of reading, binding and checking one stack file and writing its diagnostics, as <c>check</c>
    /// does them, each stage with what it allocated and the collections it caused (allocations do not depend on how
    /// busy the machine is: compare them across commits).
    /// </summary>
    private static int Profile(string file)
    {
        var sw = new Stopwatch();
        void Stage(string name, Action run)
        {
            var (allocated, gen0, gen2, pause) = (GC.GetTotalAllocatedBytes(), GC.CollectionCount(0), GC.CollectionCount(2), GC.GetTotalPauseDuration());
            sw.Restart();
            run();
            Console.WriteLine($"{name,-22} {sw.ElapsedMilliseconds,6} ms {(GC.GetTotalAllocatedBytes() - allocated) / 1024 / 1024,6} MiB allocated, " +
                $"{GC.CollectionCount(0) - gen0} GCs ({GC.CollectionCount(2) - gen2} gen2, {(GC.GetTotalPauseDuration() - pause).TotalMilliseconds:F0} ms paused), {GC.GetTotalMemory(false) / 1024 / 1024} MiB live");
        }

        StackFile stack = null!;
        string text = null!;
        Stage("read", () => text = SourceText.Read(file, "the stack file"));
        Stage("parse", () => stack = StackFile.Parse(text, file));
        text = null!;
        var diagnostics = new Model.Diagnostics();
        var input = stack.ToInput();
        TopologyModel model = null!;
        Stage("bind", () => model = TopologyBinder.Bind(input, TopologyGenerator.Now, diagnostics));
        Stage("references", () => new ReferenceChecker(model, diagnostics, input.Keys).Check());
        Stage("ownership", () => new OwnershipChecker(model, diagnostics).Check());
        AccessGraph graph = null!;
        Stage("access graph", () => graph = new AccessGraph(model));
        Stage("policy", () => new PolicyChecker(graph, diagnostics).Check());
        Stage("review warnings", () => new ReviewWarnings(graph, diagnostics).Check());
        EvaluationResult result = null!;
        Stage("evaluate (all above)", () => result = TopologyEvaluator.Evaluate(input, TopologyGenerator.Now));
        Stage("write diagnostics", () =>
        {
            // stderr as the CLI has it when redirected: a synchronized writer that flushes after every write (here into nothing).
            using var err = TextWriter.Synchronized(new StreamWriter(Stream.Null, new System.Text.UTF8Encoding(false), 2 * Reports.DiagnosticsBlock) { AutoFlush = true });
            Reports.Diagnostics(err, result);
        });
        Stage("write diagnostics, unsynchronized", () =>
        {
            using var err = new StreamWriter(Stream.Null, new System.Text.UTF8Encoding(false), 2 * Reports.DiagnosticsBlock) { AutoFlush = true };
            Reports.Diagnostics(err, result);
        });
        Console.WriteLine($"{diagnostics.Items.Count} findings; GC: gen0 {GC.CollectionCount(0)}, gen1 {GC.CollectionCount(1)}, gen2 {GC.CollectionCount(2)}, total pause {GC.GetTotalPauseDuration().TotalMilliseconds:F0} ms, allocated {GC.GetTotalAllocatedBytes() / 1024 / 1024} MiB");
        if (Environment.GetEnvironmentVariable("PROFILE_PAUSE") is { } pause)
        {
            Thread.Sleep(TimeSpan.FromSeconds(int.Parse(pause, System.Globalization.CultureInfo.InvariantCulture)));
        }

        GC.KeepAlive(stack);
        GC.KeepAlive(graph);
        return 0;
    }

    /// <summary>Stopwatch timings of each stage, and the diagnostics, of one generated topology.</summary>
    private static int Verify(int scale)
    {
        var sw = Stopwatch.StartNew();
        var text = TopologyGenerator.Generate(scale, out var counts);
        var generate = sw.Elapsed;
        sw.Restart();
        var stack = StackFile.Parse(text, $"generated-scale-{scale}.yaml");
        var parse = sw.Elapsed;
        sw.Restart();
        var result = TopologyEvaluator.Evaluate(stack.ToInput(), TopologyGenerator.Now);
        var evaluate = sw.Elapsed;
        sw.Restart();
        var allocated = GC.GetAllocatedBytesForCurrentThread();
        var access = result.Access.Count;
        var effective = sw.Elapsed;
        allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;
        sw.Restart();
        using (var sink = new StreamWriter(Stream.Null))
        {
            Reports.Plan(sink, OutputFormat.Text, stack.FilePath, result);
        }

        var report = sw.Elapsed;
        Console.WriteLine(counts);
        Console.WriteLine($"generate {generate.TotalMilliseconds:F0} ms, parse {parse.TotalMilliseconds:F0} ms, evaluate {evaluate.TotalMilliseconds:F0} ms, effective access {effective.TotalMilliseconds:F0} ms ({access} entries, {allocated / 1024 / 1024} MiB allocated)");
        Console.WriteLine($"text plan report (formatted and encoded, written nowhere) {report.TotalMilliseconds:F0} ms");
        Console.WriteLine($"GC: gen0 {GC.CollectionCount(0)}, gen1 {GC.CollectionCount(1)}, gen2 {GC.CollectionCount(2)}, total pause {GC.GetTotalPauseDuration().TotalMilliseconds:F0} ms, allocated {GC.GetTotalAllocatedBytes() / 1024 / 1024} MiB");
        Console.WriteLine($"resources {result.Plan?.AllResources.Count() ?? 0}, diagnostics {result.Diagnostics.Count}, exit code {result.ExitCode}");
        foreach (var d in result.Diagnostics.Take(20))
        {
            Console.WriteLine($"  {d.Severity}: {d}");
        }

        return result.ExitCode;
    }
}
