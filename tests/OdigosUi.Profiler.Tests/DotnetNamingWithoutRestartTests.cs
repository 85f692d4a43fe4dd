using OdigosUi.Profiler.Runtimes;
using OdigosUi.TestSupport;

namespace OdigosUi.Profiler.Tests;

/// <summary>The real profiler on the .NET demo service started as users start it: no perf map variable, no restart.</summary>
public sealed class DotnetNamingWithoutRestartTests
{
    private const string Main = "Program.<Main>$(string[])";
    private const string ProcessOrder = "OdigosDemo.Checkout.ProcessOrder(int32,bool)";

    [Fact]
    public async Task Turns_the_perf_map_on_through_the_diagnostics_IPC_and_names_the_hot_method_and_its_caller_in_80_percent_of_samples()
    {
        await using var demo = await DotnetDemoProcess.StartWithoutPerfMapAsync();
        Assert.False(File.Exists(demo.PerfMapPath), "the demo wrote a perf map by itself");
        var profiled = new HashSet<int> { demo.Pid };
        using var profiler = new NodeProfiler(new NodeProfilerOptions { SamplesPerSecond = 99, DataPagesPerCpu = 512 }, profiled.Contains);
        profiler.Start();

        var started = DateTime.UtcNow;
        var (named, total) = (0, 0);
        var seen = new List<string>();
        var done = await ProfilerDriver.RunUntilAsync(profiler, TimeSpan.FromSeconds(40), request =>
        {
            if (ProfilerDriver.Process(request, demo.Pid) is not { } resource)
            {
                return false;
            }

            // Summed over consecutive reports that each hold 80%: on a loaded machine one report holds fewer samples than the test needs.
            var stacks = ProfilerDriver.CountedStacks(request, resource).ToList();
            var (reportNamed, reportTotal) = (stacks.Where(s => ProfilerDriver.Calls(s.Stack, Main, ProcessOrder)).Sum(s => s.Count), stacks.Sum(s => s.Count));
            seen = [.. stacks.OrderByDescending(s => s.Count).Take(3).Select(s => $"{s.Count}: {string.Join(" <- ", s.Stack.Take(6).Select(f => $"{f.Name} ({f.Type})"))}")];
            (named, total) = reportNamed >= 0.8 * reportTotal ? (named + reportNamed, total + reportTotal) : (0, 0);
            return total >= 50;
        });

        var status = profiler.Naming.SingleOrDefault(s => s.Pid == demo.Pid);
        Assert.True(done, $"after {(DateTime.UtcNow - started).TotalSeconds:0} s, {named} of {total} samples hold {Main} -> {ProcessOrder}; naming: {status}; top stacks:\n{string.Join("\n", seen)}");
        Assert.True(File.Exists(demo.PerfMapPath), "the runtime was not asked to write its perf map");
        Assert.NotNull(status);
        Assert.Equal(ProcessRuntime.Dotnet, status.Runtime);
        Assert.True(status.Named, status.ToString());
        Assert.Equal("perf map through the diagnostics IPC", status.Route);
        var summary = Assert.Single(profiler.Stats.Runtimes, s => s.Runtime == ProcessRuntime.Dotnet);
        Assert.Equal((1, 1), (summary.Processes, summary.Named));
    }

    [Fact]
    public async Task Leaves_processes_nobody_profiles_alone()
    {
        await using var demo = await DotnetDemoProcess.StartWithoutPerfMapAsync();
        using var profiler = new NodeProfiler(new NodeProfilerOptions { SamplesPerSecond = 99, DataPagesPerCpu = 512 }, _ => false);
        profiler.Start();

        var sampled = await ProfilerDriver.RunUntilAsync(profiler, TimeSpan.FromSeconds(20), request => ProfilerDriver.Process(request, demo.Pid) is not null);
        await Task.Delay(1500);
        profiler.Collect();
        profiler.TakeRequest();

        Assert.True(sampled, "the demo was never sampled");
        Assert.False(File.Exists(demo.PerfMapPath), "a process nobody profiles was asked to write its perf map");
        Assert.Empty(profiler.Naming);
    }
}
