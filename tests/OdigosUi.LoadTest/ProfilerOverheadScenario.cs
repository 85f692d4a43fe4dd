using System.Diagnostics;
using System.Globalization;
using OdigosUi.TestSupport;

namespace OdigosUi.LoadTest;

/// <summary>
/// The node profiler's own cost on a busy machine, side by side with <c>perf record -a</c> (<c>-g</c> and
/// <c>--call-graph dwarf</c>) at the same rate:
/// two copies of a CPU-bound native program keep both cores busy while each profiler runs for the same time.
/// With a baseline <c>odigos-ui.dll</c> (an earlier build) its profiler is measured right before this build's.
/// </summary>
public static class ProfilerOverheadScenario
{
    /// <summary>The node profiler's reading loop (NodeProfiler.RunAsync): sampling, symbolization and the reports.</summary>
    private const string SamplingThread = "odigos-profiler";

    /// <summary>The node role as the chart runs it, its gateway unreachable (with no Source enabled it forwards nothing).</summary>
    private static readonly string[] NodeRole = ["--Role=node", "--Collector:GatewayUrl=http://127.0.0.1:9"];

    public static async Task RunAsync(TimeSpan duration, TimeSpan warmUp, string? baselineDll = null)
    {
        var program = NativeTestProgram.Instance.Path;
        var seconds = (int)((duration + warmUp).TotalSeconds * 8) + 60;
        var workers = Enumerable.Range(0, 2).Select(_ => Process.Start(new ProcessStartInfo(program, seconds.ToString(CultureInfo.InvariantCulture)) { RedirectStandardOutput = true })!).ToList();
        try
        {
            Console.WriteLine($"## Profiler cost under a CPU-bound load on both cores ({duration.TotalSeconds:F0} s each, after {warmUp.TotalSeconds:F0} s of warm-up)");
            Console.WriteLine();
            Console.WriteLine("| profiler | rate | CPU (% of one core) | of which the sampling thread | RSS (MiB) | peak RSS (MiB) |");
            Console.WriteLine("|---|---:|---:|---:|---:|---:|");
            var baseline = baselineDll is null ? null : $"build in {Path.GetDirectoryName(Path.GetFullPath(baselineDll))}";
            if (baseline is not null)
            {
                await MeasureApp($"{baseline}, profiler off", 19, enabled: false, duration, warmUp, baselineDll);
            }

            await MeasureApp("odigos-ui, profiler off (the app alone)", 19, enabled: false, duration, warmUp);
            foreach (var rate in new[] { 19, 99 })
            {
                if (baseline is not null)
                {
                    await MeasureApp($"{baseline}, node profiler", rate, enabled: true, duration, warmUp, baselineDll);
                }

                await MeasureApp("odigos-ui node profiler", rate, enabled: true, duration, warmUp);
                await MeasureApp("role node alone (the chart's DaemonSet), node profiler", rate, enabled: true, duration, warmUp, extraArgs: NodeRole);
                await MeasureApp("role node alone, frame pointers only (Profiling:UserStackBytes=0)", rate, enabled: true, duration, warmUp, extraArgs: [.. NodeRole, "--Profiling:UserStackBytes=0"]);
                await MeasurePerf(rate, duration, dwarf: false);
                await MeasurePerf(rate, duration, dwarf: true);
            }
        }
        finally
        {
            foreach (var worker in workers)
            {
                worker.Kill();
                await worker.WaitForExitAsync();
            }
        }
    }

    private static async Task MeasureApp(string label, int rate, bool enabled, TimeSpan duration, TimeSpan warmUp, string? dll = null, string[]? extraArgs = null)
    {
        string[] args = [$"--Profiling:ProfilerEnabled={(enabled ? "true" : "false")}", $"--Profiling:SamplesPerSecond={rate}", .. extraArgs ?? []];
        await using var app = dll is null ? await AppProcess.StartAsync(args) : await AppProcess.StartDllAsync(dll, args);
        await Task.Delay(warmUp);
        var before = app.CpuTime();
        var threadBefore = ProcStats.ThreadCpuTime(app.Pid, SamplingThread);
        await Task.Delay(duration);
        var cpu = (app.CpuTime() - before).TotalSeconds / duration.TotalSeconds;
        var thread = (ProcStats.ThreadCpuTime(app.Pid, SamplingThread) - threadBefore).TotalSeconds / duration.TotalSeconds;
        var (rss, peak) = app.Memory();
        Console.WriteLine($"| {label} | {rate} Hz | {cpu * 100:F2} % | {(enabled ? $"{thread * 100:F2} %" : "")} | {rss / 1048576.0:N0} | {peak / 1048576.0:N0} |");
    }

    private static async Task MeasurePerf(int rate, TimeSpan duration, bool dwarf)
    {
        var callGraph = dwarf ? new[] { "--call-graph", "dwarf" } : ["-g"];
        var name = dwarf ? "perf record -a --call-graph dwarf" : "perf record -a -g";
        var output = Path.Combine(Path.GetTempPath(), $"perf-{Guid.NewGuid():N}.data");
        var total = duration + TimeSpan.FromSeconds(6);
        var start = new ProcessStartInfo("perf") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in (string[])["record", "-F", rate.ToString(CultureInfo.InvariantCulture), "-a", .. callGraph, "-o", output, "--", "sleep", ((int)total.TotalSeconds).ToString(CultureInfo.InvariantCulture)])
        {
            start.ArgumentList.Add(arg);
        }

        using var perf = Process.Start(start)!;
        _ = perf.StandardError.ReadToEndAsync();
        _ = perf.StandardOutput.ReadToEndAsync();
        await Task.Delay(TimeSpan.FromSeconds(5));
        var before = ProcStats.CpuTime(perf.Id);
        await Task.Delay(duration);
        var cpu = (ProcStats.CpuTime(perf.Id) - before).TotalSeconds / duration.TotalSeconds;
        var rss = ProcStats.Memory(perf.Id).Rss;
        await perf.WaitForExitAsync();
        var size = new FileInfo(output).Length;
        Console.WriteLine($"| {name} (writing perf.data, {size / 1048576.0:N1} MiB) | {rate} Hz | {cpu * 100:F2} % | | {rss / 1048576.0:N0} | |");

        // perf record leaves symbolization to a later step; perf script is that step for every sample, as the node
        // profiler symbolizes every sample it reports.
        var script = await PerfScriptCpuAsync(output);
        File.Delete(output);
        Console.WriteLine($"| {name} + perf script (symbolized stacks) | {rate} Hz | {(cpu + script.TotalSeconds / total.TotalSeconds) * 100:F2} % | | | |");
    }

    private static async Task<TimeSpan> PerfScriptCpuAsync(string data)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardError = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("TIMEFORMAT='%U %S'; time perf script -i \"$1\" > /dev/null 2>&1");
        start.ArgumentList.Add("perf-script");
        start.ArgumentList.Add(data);
        using var bash = Process.Start(start)!;
        var times = await bash.StandardError.ReadToEndAsync();
        await bash.WaitForExitAsync();
        var parts = times.Trim().Split(' ');
        return TimeSpan.FromSeconds(double.Parse(parts[0], CultureInfo.InvariantCulture) + double.Parse(parts[1], CultureInfo.InvariantCulture));
    }
}
