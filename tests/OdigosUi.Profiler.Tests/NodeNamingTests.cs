using System.Diagnostics;
using OdigosUi.Profiler.Runtimes;
using OdigosUi.Profiler.Runtimes.Node;
using OdigosUi.TestSupport;

namespace OdigosUi.Profiler.Tests;

/// <summary>Node.js frames from V8's perf map: the real profiler on real node processes, and V8's names read.</summary>
public sealed class NodeNamingTests
{
    private const string Script = """
        function spin(n) { let x = 0; for (let i = 0; i < n; i++) { x = (x * 31 + i) % 1000003; } return x; }
        function caller() { let t = 0; for (;;) { t += spin(200000); } }
        caller();
        """;

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
        using var directory = new TempDirectory("odigos-node-");
        var script = Path.Combine(directory.Path, "hot.js");
        await File.WriteAllTextAsync(script, Script);
        // TurboFan would inline spin into caller (one frame, as any JIT's inlining gives): the test is about names.
        using var node = Start(script, "--perf-basic-prof", "--interpreted-frames-native-stack", "--no-turbo-inlining");
        try
        {
            using var profiler = new NodeProfiler(new NodeProfilerOptions { SamplesPerSecond = 99, DataPagesPerCpu = 512, RuntimeNaming = RuntimeNamingMode.All });
            profiler.Start();
            var (named, total) = (0, 0);
            var seen = new List<string>();
            var done = await ProfilerDriver.RunUntilAsync(profiler, TimeSpan.FromSeconds(40), request =>
            {
                if (ProfilerDriver.Process(request, node.Id) is not { } resource)
                {
                    return false;
                }

                var stacks = ProfilerDriver.CountedStacks(request, resource).ToList();
                (named, total) = (stacks.Where(s => ProfilerDriver.Calls(s.Stack, "caller", "spin") && s.Stack.First(f => f.Name == "spin").Type == "v8js").Sum(s => s.Count), stacks.Sum(s => s.Count));
                seen = [.. stacks.OrderByDescending(s => s.Count).Take(3).Select(s => $"{s.Count}: {string.Join(" <- ", s.Stack.Take(6).Select(f => $"{f.Name} ({f.Type})"))}")];
                var spinFile = request.Dictionary.FunctionTable.FirstOrDefault(f => request.Dictionary.StringTable[f.NameStrindex] == "spin");
                return total >= 50 && named >= 0.8 * total && spinFile is not null && request.Dictionary.StringTable[spinFile.FilenameStrindex] == script && spinFile.StartLine == 1;
            });

            Assert.True(done, $"{named} of {total} samples hold caller -> spin (v8js) with its file; top stacks:\n{string.Join("\n", seen)}");
            var status = Assert.Single(profiler.Naming, s => s.Pid == node.Id);
            Assert.Equal((ProcessRuntime.Node, true, null), (status.Runtime, status.Named, status.Fix));
        }
        finally
        {
            node.Kill();
            node.WaitForExit();
            File.Delete($"/tmp/perf-{node.Id}.map");
        }
    }

    [Fact]
    public async Task Says_how_to_start_node_when_it_writes_no_perf_map_or_interprets_functions_unnamed()
    {
        using var directory = new TempDirectory("odigos-node-");
        var script = Path.Combine(directory.Path, "hot.js");
        await File.WriteAllTextAsync(script, Script);
        using var plain = Start(script);
        using var perfMapOnly = Start(script, "--perf-basic-prof");
        try
        {
            using var profiler = new NodeProfiler(new NodeProfilerOptions { SamplesPerSecond = 99, DataPagesPerCpu = 512, RuntimeNaming = RuntimeNamingMode.All });
            profiler.Start();
            var both = await ProfilerDriver.RunUntilAsync(profiler, TimeSpan.FromSeconds(30), _ =>
                profiler.Naming.Any(s => s.Pid == plain.Id) && profiler.Naming.Any(s => s.Pid == perfMapOnly.Id && s.Named));

            Assert.True(both, string.Join("\n", profiler.Naming));
            var unnamed = profiler.Naming.Single(s => s.Pid == plain.Id);
            Assert.False(unnamed.Named);
            Assert.Contains("--perf-basic-prof", unnamed.Fix);
            var partly = profiler.Naming.Single(s => s.Pid == perfMapOnly.Id);
            Assert.Contains("--interpreted-frames-native-stack", partly.Fix);
            var summary = Assert.Single(profiler.Stats.Runtimes, s => s.Runtime == ProcessRuntime.Node);
            Assert.Equal((2, 1), (summary.Processes, summary.Named));
        }
        finally
        {
            foreach (var node in new[] { plain, perfMapOnly })
            {
                node.Kill();
                node.WaitForExit();
                File.Delete($"/tmp/perf-{node.Id}.map");
            }
        }
    }

    private static Process Start(string script, params string[] flags)
    {
        var start = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var flag in flags)
        {
            start.ArgumentList.Add(flag);
        }

        start.ArgumentList.Add(script);
        start.Environment.Remove("NODE_OPTIONS");
        return Process.Start(start) ?? throw new InvalidOperationException("node did not start");
    }
}
