using OdigosUi.Profiler.Runtimes;
using OdigosUi.Profiler.Runtimes.Node;
using OdigosUi.TestSupport;

namespace OdigosUi.Profiler.Tests;

/// <summary>Node.js frames from V8's perf map: the real profiler on real node processes, and V8's names read.</summary>
public sealed class NodeNamingTests
{
    [Theory]
    [InlineData("JS:*spin /app/hot.js:1:14", "spin", "/app/hot.js", 1)]
    [InlineData("JS:~caller /tmp/node test/hot.js:2:16", "caller", "/tmp/node test/hot.js", 2)]
    [InlineData("JS:^spin /app/hot.js:1:14", "spin", "/app/hot.js", 1)]
    [InlineData("JS:+spin /app/hot.js:1:14", "spin", "/app/hot.js", 1)]
    [InlineData("JS:* /app/anon.js:7:3", "(anonymous)", "/app/anon.js", 7)]
    [InlineData("LazyCompile:*spin /app/hot.js:1", "spin", "/app/hot.js", 1)]
    [InlineData("JS:~ node:internal/main/run_main_module:1:1", "(anonymous)", "node:internal/main/run_main_module", 1)]
    [InlineData("Builtin:InterpreterEntryTrampoline", "Builtin:InterpreterEntryTrampoline", null, 0)]
    [InlineData("BytecodeHandler:Add", "BytecodeHandler:Add", null, 0)]
    public void Reads_V8_perf_map_names_as_function_file_and_start_line(string name, string function, string? file, long line) =>
        Assert.Equal(new V8FrameName.Parsed(function, file, line), V8FrameName.Parse(name));

    [Fact]
    public async Task Names_spin_under_caller_in_80_percent_of_samples_of_node_started_with_perf_basic_prof()
    {
        using var node = HotNodeProcess.Start(["--perf-basic-prof", "--interpreted-frames-native-stack"]);
        using var profiler = new NodeProfiler(new NodeProfilerOptions { SamplesPerSecond = 99, DataPagesPerCpu = 512 }, pid => pid == node.Pid);
        profiler.Start();
        var (named, total) = (0, 0);
        var seen = new List<string>();
        var done = await ProfilerDriver.RunUntilAsync(profiler, TimeSpan.FromSeconds(40), request =>
        {
            if (ProfilerDriver.Process(request, node.Pid) is not { } resource)
            {
                return false;
            }

            // Summed over consecutive reports that each hold 80%: one 500 ms report at 99 Hz holds at most ~50 samples of one thread.
            var stacks = ProfilerDriver.CountedStacks(request, resource).ToList();
            var (reportNamed, reportTotal) = (stacks.Where(s => ProfilerDriver.Calls(s.Stack, HotNodeProcess.Caller, HotNodeProcess.Spin) && s.Stack.First(f => f.Name == HotNodeProcess.Spin).Type == "v8js").Sum(s => s.Count), stacks.Sum(s => s.Count));
            seen = [.. stacks.OrderByDescending(s => s.Count).Take(3).Select(s => $"{s.Count}: {string.Join(" <- ", s.Stack.Take(6).Select(f => $"{f.Name} ({f.Type})"))}")];
            var spin = request.Dictionary.FunctionTable.FirstOrDefault(f => request.Dictionary.StringTable[f.NameStrindex] == HotNodeProcess.Spin);
            var good = reportNamed >= 0.8 * reportTotal && spin is not null && request.Dictionary.StringTable[spin.FilenameStrindex] == node.ScriptPath && spin.StartLine == 1;
            (named, total) = good ? (named + reportNamed, total + reportTotal) : (0, 0);
            return total >= 100;
        });

        Assert.True(done, $"{named} of {total} samples hold caller -> spin (v8js) with its file; top stacks:\n{string.Join("\n", seen)}");
        var status = Assert.Single(profiler.Naming, s => s.Pid == node.Pid);
        Assert.Equal((ProcessRuntime.Node, true, null), (status.Runtime, status.Named, status.Fix));
    }

    [Fact]
    public async Task Says_how_to_start_node_when_it_writes_no_perf_map_or_interprets_functions_unnamed()
    {
        using var plain = HotNodeProcess.Start([]);
        using var perfMapOnly = HotNodeProcess.Start(["--perf-basic-prof"]);
        using var profiler = new NodeProfiler(new NodeProfilerOptions { SamplesPerSecond = 99, DataPagesPerCpu = 512 }, pid => pid == plain.Pid || pid == perfMapOnly.Pid);
        profiler.Start();
        var both = await ProfilerDriver.RunUntilAsync(profiler, TimeSpan.FromSeconds(30), _ =>
            profiler.Naming.Any(s => s.Pid == plain.Pid) && profiler.Naming.Any(s => s.Pid == perfMapOnly.Pid && s.Named));

        Assert.True(both, string.Join("\n", profiler.Naming));
        var unnamed = profiler.Naming.Single(s => s.Pid == plain.Pid);
        Assert.False(unnamed.Named);
        Assert.Contains("--perf-basic-prof", unnamed.Fix);
        var partly = profiler.Naming.Single(s => s.Pid == perfMapOnly.Pid);
        Assert.Contains("--interpreted-frames-native-stack", partly.Fix);
        var summary = Assert.Single(profiler.Stats.Runtimes, s => s.Runtime == ProcessRuntime.Node);
        Assert.Equal((2, 1), (summary.Processes, summary.Named));
    }
}
