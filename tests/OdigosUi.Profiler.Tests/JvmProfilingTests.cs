using OdigosUi.Profiler.Runtimes;
using OdigosUi.TestSupport;

namespace OdigosUi.Profiler.Tests;

/// <summary>
/// The real profiler (as root) on a real HotSpot JVM started without any perf map option: the profiler attaches to it
/// and has it write its perf map while it runs, and again when it compiled code the map does not name.
/// </summary>
public sealed class JvmProfilingTests
{
    [Fact]
    public async Task Names_compiled_java_methods_with_their_callers_in_80_percent_of_samples_once_the_running_jvm_wrote_its_perf_map()
    {
        await using var java = await HotJavaProcess.StartAsync(["-XX:+PreserveFramePointer"], warmUpSeconds: 4);
        using var profiler = new NodeProfiler(new NodeProfilerOptions { SamplesPerSecond = 199, DataPagesPerCpu = 512 }, pid => pid == java.Pid);
        profiler.Start();
        var shares = new List<string>();
        var seen = new List<string>();
        int? spinning = null;
        var total = 0;

        // Counted from the first report after the JVM's map was read, summed over reports: on a loaded machine the JVM
        // gets fewer samples than one report needs.
        var named = await ProfilerDriver.RunUntilAsync(profiler, TimeSpan.FromSeconds(40), request =>
        {
            var stacks = ProfilerDriver.Process(request, java.Pid) is { } resource ? ProfilerDriver.CountedStacks(request, resource).ToList() : [];
            seen.AddRange(stacks.SelectMany(s => s.Stack).Select(f => $"{f.Name} ({f.Type})"));
            if (spinning is null && profiler.Naming.Any(s => s.Pid == java.Pid && s.Named))
            {
                (spinning, total) = (0, 0);
                return false;
            }

            if (spinning is not null)
            {
                spinning += stacks.Where(s => ProfilerDriver.Calls(s.Stack, HotJavaProcess.CallerJava, HotJavaProcess.SpinJava)
                    && s.Stack.Where(f => f.Name is HotJavaProcess.SpinJava or HotJavaProcess.CallerJava).All(f => f.Type == "jvm")).Sum(s => s.Count);
                total += stacks.Sum(s => s.Count);
                shares.Add($"{spinning}/{total}");
            }

            return total >= 100 && spinning >= 0.8 * total;
        });

        var status = profiler.Naming.SingleOrDefault(s => s.Pid == java.Pid);
        Assert.True(named, $"not 80% of the JVM's samples in {HotJavaProcess.CallerJava} -> {HotJavaProcess.SpinJava} (jvm) once named; "
            + $"spinning/total {string.Join(' ', shares)}; naming {status}; frames seen: {string.Join(", ", seen.Distinct().Take(40))}");
        Assert.NotNull(status);
        Assert.Equal((ProcessRuntime.Jvm, "perf map through the attach mechanism (Compiler.perfmap)", null), (status.Runtime, status.Route, status.Fix));
        Assert.True(profiler.Processes.Find(java.Pid)!.Symbols.PerfMap!.Count > 100, "the perf map read has fewer than 100 names");
    }

    [Fact]
    public async Task Says_when_a_jvm_lacks_frame_pointers_and_how_to_set_them()
    {
        await using var java = await HotJavaProcess.StartAsync([], warmUpSeconds: 2);
        using var profiler = new NodeProfiler(new NodeProfilerOptions { SamplesPerSecond = 99, DataPagesPerCpu = 512 }, pid => pid == java.Pid);
        profiler.Start();

        var named = await ProfilerDriver.RunUntilAsync(profiler, TimeSpan.FromSeconds(30), _ => profiler.Naming.Any(s => s.Pid == java.Pid && s.Named));

        var status = profiler.Naming.SingleOrDefault(s => s.Pid == java.Pid);
        Assert.True(named, $"naming {status}");
        Assert.Contains("JAVA_TOOL_OPTIONS=-XX:+PreserveFramePointer", status!.Fix);
        var summary = Assert.Single(profiler.Stats.Runtimes, s => s.Runtime == ProcessRuntime.Jvm);
        Assert.Contains(summary.NeedsAttention, s => s.Pid == java.Pid);
    }
}
