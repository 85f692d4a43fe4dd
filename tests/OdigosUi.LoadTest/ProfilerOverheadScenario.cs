using System.Diagnostics;
using System.Globalization;
using OdigosUi.TestSupport;

namespace OdigosUi.LoadTest;

/// <summary>
/// The node profiler's own cost on a busy machine, side by side with <c>perf record -a -g</c> at the same rate:
/// two copies of a CPU-bound native program keep both cores busy while each profiler runs for the same time.
/// With a baseline <c>odigos-ui.dll</c> (an earlier build) its profiler is measured right before this build's.
/// </summary>
public static class ProfilerOverheadScenario
{
    public static async Task RunAsync(TimeSpan duration, TimeSpan warmUp, string? baselineDll = null)
    {
        var program = NativeTestProgram.Instance.Path;
        var seconds = (int)((duration + warmUp).TotalSeconds * 8) + 60;
        var workers = Enumerable.Range(0, 2).Select(_ => Process.Start(new ProcessStartInfo(program, seconds.ToString(CultureInfo.InvariantCulture)) { RedirectStandardOutput = true })!).ToList();
        try
        {
            Console.WriteLine($"## Profiler cost under a CPU-bound load on both cores ({duration.TotalSeconds:F0} s each, after {warmUp.TotalSeconds:F0} s of warm-up)");
            Console.WriteLine();
            Console.WriteLine("| profiler | rate | CPU (% of one core) | RSS (MiB) | peak RSS (MiB) |");
            Console.WriteLine("|---|---:|---:|---:|---:|");
            await MeasureApp("odigos-ui, profiler off (the app alone)", 19, enabled: false, duration, warmUp);
            foreach (var rate in new[] { 19, 99 })
            {
                if (baselineDll is not null)
                {
                    await MeasureApp("baseline build, node profiler", rate, enabled: true, duration, warmUp, baselineDll);
                }

                await MeasureApp("odigos-ui node profiler", rate, enabled: true, duration, warmUp);
                await MeasurePerf(rate, duration);
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

    private static async Task MeasureApp(string label, int rate, bool enabled, TimeSpan duration, TimeSpan warmUp, string? dll = null)
    {
        string[] args = [$"--Profiling:ProfilerEnabled={(enabled ? "true" : "false")}", $"--Profiling:SamplesPerSecond={rate}"];
        await using var app = dll is null ? await AppProcess.StartAsync(args) : await AppProcess.StartDllAsync(dll, args);
        await Task.Delay(warmUp);
        var before = app.CpuTime();
        await Task.Delay(duration);
        var cpu = (app.CpuTime() - before).TotalSeconds / duration.TotalSeconds;
        var (rss, peak) = app.Memory();
        Console.WriteLine($"| {label} | {rate} Hz | {cpu * 100:F2} % | {rss / 1048576.0:N0} | {peak / 1048576.0:N0} |");
    }

    private static async Task MeasurePerf(int rate, TimeSpan duration)
    {
        var output = Path.Combine(Path.GetTempPath(), $"perf-{Guid.NewGuid():N}.data");
        var total = duration + TimeSpan.FromSeconds(6);
        var start = new ProcessStartInfo("perf") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in new[] { "record", "-F", rate.ToString(CultureInfo.InvariantCulture), "-a", "-g", "-o", output, "--", "sleep", ((int)total.TotalSeconds).ToString(CultureInfo.InvariantCulture) })
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
        File.Delete(output);
        Console.WriteLine($"| perf record -a -g (writing perf.data) | {rate} Hz | {cpu * 100:F2} % | {rss / 1048576.0:N0} | |");
    }
}
