using System.Diagnostics;
using System.Globalization;
using OdigosUi.Profiler;
using OdigosUi.Profiler.Runtimes;
using OdigosUi.Profiler.Runtimes.Dotnet;
using OdigosUi.Profiler.Runtimes.Jvm;
using OdigosUi.Profiles.Otlp.Collector;
using OdigosUi.TestSupport;

namespace OdigosUi.LoadTest;

/// <summary>
/// Named frames per runtime without a restart: each workload is started as users start it, then profiled twice over the
/// same length of time, with runtime naming off and on (every CPU at 99 Hz, as the node role samples, its samples kept;
/// not TargetPid, which follows only threads started after it: a JVM's main thread is older). For each: the share of
/// samples holding the hot function directly under its caller, the time from the profiler's start to the first report
/// where 80% do, and the profiler's CPU (this process, which does nothing else). Then the cost of each route alone, and
/// the runtime's own view where one is on the machine.
/// </summary>
public static class RuntimeNamingScenario
{
    private const int Rate = 99;

    private sealed record Workload(string Name, string Started, string Hot, string Caller, Func<Task<(int Pid, IAsyncDisposable Process)>> Start);

    /// <summary><see cref="Samples"/> and <see cref="HotUnderCaller"/> count from the first report where 80% were named (all of them when never).</summary>
    private sealed record Run(int Samples, int HotUnderCaller, double? SecondsToNamed, TimeSpan Cpu, TimeSpan Wall, ProfilerStats Stats);

    public static async Task<int> RunAsync(TimeSpan window)
    {
        Workload[] workloads =
        [
            new(".NET 10", "odigos-demo, no DOTNET_PerfMapEnabled", "OdigosDemo.Checkout.ProcessOrder(int32,bool)", "Program.<Main>$(string[])", async () =>
            {
                var demo = await DotnetDemoProcess.StartWithoutPerfMapAsync();
                return (demo.Pid, demo);
            }),
            new("Java 17", "java -XX:+PreserveFramePointer Hot", HotJavaProcess.SpinJava, HotJavaProcess.CallerJava, async () =>
            {
                var java = await HotJavaProcess.StartAsync(["-XX:+PreserveFramePointer"], warmUpSeconds: 4, seconds: 600);
                return (java.Pid, java);
            }),
            new("Node 20", "node --perf-basic-prof --interpreted-frames-native-stack", HotNodeProcess.Spin, HotNodeProcess.Caller, () =>
            {
                var node = HotNodeProcess.Start(["--perf-basic-prof", "--interpreted-frames-native-stack"]);
                return Task.FromResult<(int, IAsyncDisposable)>((node.Pid, new Disposing(node)));
            }),
        ];

        Console.WriteLine($"## Runtime naming without a restart ({window.TotalSeconds:F0} s per run, {Rate} Hz, one workload at a time)");
        Console.WriteLine();
        Console.WriteLine("| workload | started as | hot function under its caller, naming off | naming on (from the first report at 80 %) | seconds to 80 % | profiler CPU off / on (ms/s) |");
        Console.WriteLine("|---|---|---:|---:|---:|---:|");
        var details = new List<string>();
        foreach (var workload in workloads)
        {
            var (pid, process) = await workload.Start();
            await using (process)
            {
                if (workload == workloads[0])
                {
                    // The profiler's own code is compiled during its first seconds: not in either measured run.
                    await ProfileAsync(pid, workload, RuntimeNamingMode.Off, TimeSpan.FromSeconds(5));
                }

                var off = await ProfileAsync(pid, workload, RuntimeNamingMode.Off, window);
                var on = await ProfileAsync(pid, workload, RuntimeNamingMode.All, window);
                Console.WriteLine($"| {workload.Name} | `{workload.Started}` | {Share(off)} of {off.Samples} | {Share(on)} of {on.Samples} | {(on.SecondsToNamed is { } s ? s.ToString("F1", CultureInfo.InvariantCulture) : "never")} | {PerSecond(off)} / {PerSecond(on)} |");
                details.AddRange(on.Stats.Runtimes.Select(r => $"- {workload.Name}: {r.Runtime} {r.Named}/{r.Processes} named by {string.Join(", ", r.Routes)}{string.Concat(r.NeedsAttention.Select(p => $"; pid {p.Pid}: {p.Reason} {p.Fix}"))}"));
                if (workload.Name.StartsWith("Java", StringComparison.Ordinal))
                {
                    details.Add(await JvmRouteAsync(pid));
                }
            }
        }

        Console.WriteLine();
        details.Add(await DotnetRouteAsync());
        foreach (var line in details)
        {
            Console.WriteLine(line);
        }

        return 0;
    }

    private static async Task<Run> ProfileAsync(int pid, Workload workload, RuntimeNamingMode mode, TimeSpan window)
    {
        var cpuBefore = ProcStats.CpuTime(Environment.ProcessId);
        var clock = Stopwatch.StartNew();
        var (samples, hot) = (0, 0);
        double? toNamed = null;
        using var profiler = new NodeProfiler(new NodeProfilerOptions { SamplesPerSecond = Rate, RuntimeNaming = mode, DataPagesPerCpu = 256 });
        profiler.Start();
        var nextReport = TimeSpan.FromSeconds(1);
        while (clock.Elapsed < window)
        {
            await Task.Delay(50);
            profiler.Collect();
            if (clock.Elapsed < nextReport)
            {
                continue;
            }

            nextReport += TimeSpan.FromSeconds(1);
            var (reportSamples, reportHot) = Count(profiler.TakeRequest(), pid, workload);
            if (toNamed is null && reportSamples > 0 && reportHot >= 0.8 * reportSamples)
            {
                toNamed = clock.Elapsed.TotalSeconds;
                (samples, hot) = (0, 0);
            }

            (samples, hot) = (samples + reportSamples, hot + reportHot);
        }

        return new Run(samples, hot, toNamed, ProcStats.CpuTime(Environment.ProcessId) - cpuBefore, clock.Elapsed, profiler.Stats);
    }

    private static (int Samples, int Hot) Count(ExportProfilesServiceRequest? request, int pid, Workload workload)
    {
        if (request is null)
        {
            return (0, 0);
        }

        var (samples, hot) = (0, 0);
        var d = request.Dictionary;
        foreach (var resource in request.ResourceProfiles.Where(r => r.Resource.Attributes.Any(a => a.Key == "process.pid" && a.Value.IntValue == pid)))
        {
            foreach (var sample in resource.ScopeProfiles.SelectMany(s => s.Profiles).SelectMany(p => p.Samples))
            {
                var names = d.StackTable[sample.StackIndex].LocationIndices
                    .Select(i => d.LocationTable[i].Lines.Count == 0 ? "?" : d.StringTable[d.FunctionTable[d.LocationTable[i].Lines[0].FunctionIndex].NameStrindex])
                    .ToList();
                var count = Math.Max(1, sample.TimestampsUnixNano.Count);
                samples += count;
                if (Enumerable.Range(0, names.Count - 1).Any(i => names[i] == workload.Hot && names[i + 1] == workload.Caller))
                {
                    hot += count;
                }
            }
        }

        return (samples, hot);
    }

    /// <summary>Our attach + Compiler.perfmap beside <c>jcmd PID Compiler.perfmap</c>, and the JVM's own stack of its main thread.</summary>
    private static async Task<string> JvmRouteAsync(int pid)
    {
        var ours = new List<double>();
        for (var i = 0; i < 5; i++)
        {
            var clock = Stopwatch.StartNew();
            await HotSpotAttach.ExecuteAsync(pid, "Compiler.perfmap");
            ours.Add(clock.Elapsed.TotalMilliseconds);
        }

        var jcmd = new List<double>();
        for (var i = 0; i < 3; i++)
        {
            var clock = Stopwatch.StartNew();
            Tool.Run("jcmd", [pid.ToString(CultureInfo.InvariantCulture), "Compiler.perfmap"]);
            jcmd.Add(clock.Elapsed.TotalMilliseconds);
        }

        var dump = Tool.Run("jcmd", [pid.ToString(CultureInfo.InvariantCulture), "Thread.print"]);
        var main = dump.Split("\n\n").FirstOrDefault(t => t.StartsWith("\"main\"", StringComparison.Ordinal)) ?? "";
        var frames = main.Split('\n').Where(l => l.TrimStart().StartsWith("at ", StringComparison.Ordinal)).Select(l => l.Trim()[3..]).Take(3);
        return $"- Java route: attach + Compiler.perfmap {Median(ours):F1} ms (median of 5, listener up), `jcmd PID Compiler.perfmap` {Median(jcmd):F0} ms (median of 3); "
            + $"the JVM's own main thread (jcmd Thread.print): {string.Join(" <- ", frames)}";
    }

    /// <summary>The diagnostics IPC call on a fresh .NET process, and the lines its runtime then wrote.</summary>
    private static async Task<string> DotnetRouteAsync()
    {
        await using var demo = await DotnetDemoProcess.StartWithoutPerfMapAsync();
        var clock = Stopwatch.StartNew();
        var attempt = await DotnetPerfMapEnabler.EnableAsync(demo.Pid, TimeSpan.FromSeconds(10), CancellationToken.None);
        var elapsed = clock.Elapsed.TotalMilliseconds;
        await Task.Delay(500);
        return $"- .NET route: EnablePerfMap through the diagnostics IPC {elapsed:F1} ms ({(attempt.Success ? "ok" : attempt.Reason)}); the runtime then listed {demo.PerfMapLines().Length} methods it had compiled";
    }

    private static string Share(Run run) => run.Samples == 0 ? "-" : (100.0 * run.HotUnderCaller / run.Samples).ToString("F1", CultureInfo.InvariantCulture) + " %";

    private static string PerSecond(Run run) => (run.Cpu.TotalMilliseconds / run.Wall.TotalSeconds).ToString("F1", CultureInfo.InvariantCulture);

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

    private sealed class Disposing(IDisposable disposable) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            disposable.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
