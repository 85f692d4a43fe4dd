using OdigosUi.Profiler.Runtimes.Jvm;

namespace OdigosUi.Profiler.Tests;

/// <summary>
/// The real profiler (as root) on a real HotSpot JVM started without any perf map option: the JVM is attached to and
/// told to write its perf map while it runs, as the background loop over profiled processes does.
/// </summary>
public sealed class JvmProfilingTests
{
    [Fact]
    public async Task Names_compiled_java_methods_with_their_callers_after_the_running_jvm_was_told_to_write_its_perf_map()
    {
        await using var java = await HotJavaProcess.StartAsync(["-XX:+PreserveFramePointer"], warmUpSeconds: 4);
        using var profiler = new NodeProfiler(new NodeProfilerOptions { SamplesPerSecond = 199, DataPagesPerCpu = 512 });
        profiler.Start();
        var refresher = new JvmPerfMapRefresher();
        var refreshes = new List<JvmPerfMapRefresh>();
        Task<JvmPerfMapRefresh>? refreshing = null;
        var shares = new List<string>();
        var seen = new List<string>();
        int? spinning = null;
        var total = 0;

        // Samples are counted from the first report symbolized after the rewritten map was reloaded, summed over
        // reports: on a loaded machine the JVM gets fewer samples than one report needs.
        var named = await ProfilerDriver.RunUntilAsync(profiler, TimeSpan.FromSeconds(40), request =>
        {
            var stacks = ProfilerDriver.Process(request, java.Pid) is { } resource ? ProfilerDriver.CountedStacks(request, resource).ToList() : [];
            if (spinning is not null)
            {
                spinning += stacks.Where(s => ProfilerDriver.Calls(s.Stack, HotJavaProcess.CallerJava, HotJavaProcess.SpinJava)
                    && s.Stack.Where(f => f.Name is HotJavaProcess.SpinJava or HotJavaProcess.CallerJava).All(f => f.Type == "jvm")).Sum(s => s.Count);
                total += stacks.Sum(s => s.Count);
                shares.Add($"{spinning}/{total}");
            }

            seen.AddRange(stacks.SelectMany(s => s.Stack).Select(f => $"{f.Name} ({f.Type})"));
            if (refreshing is { IsCompleted: true })
            {
                refreshes.Add(refreshing.Result);
                if (refreshing.Result.WroteMap && profiler.Processes.Find(java.Pid) is { } process)
                {
                    process.Symbols.RequestPerfMapReload();
                    (spinning, total) = (0, 0);
                }

                refreshing = null;
            }

            refreshing ??= refresher.RefreshAsync(java.Pid);
            return total >= 100 && spinning >= 0.8 * total;
        });

        Assert.True(named, $"not 80% of the JVM's samples in {HotJavaProcess.CallerJava} -> {HotJavaProcess.SpinJava} (jvm) after a reload; "
            + $"spinning/total since the last reload {string.Join(' ', shares)}; refreshes {string.Join("; ", refreshes)}; frames seen: {string.Join(", ", seen.Distinct().Take(40))}");
        var written = refreshes.First(r => r.WroteMap);
        Assert.True(written.PreserveFramePointer);
        Assert.Null(written.Advice);
        Assert.True(written.Lines > 100, $"{written.Lines} perf map lines");
    }
}
