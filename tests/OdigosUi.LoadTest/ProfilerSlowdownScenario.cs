using System.Diagnostics;
using System.Globalization;
using OdigosUi.TestSupport;

namespace OdigosUi.LoadTest;

/// <summary>
/// How much a profiler slows a CPU-bound program: two copies of the C demo (<c>hot -n ROUNDS</c>, a fixed amount of
/// work, one per core) are timed unprofiled, under the app's node profiler at 19 and 99 Hz, and under
/// <c>perf record -F N -a -g</c>. The configurations take turns in every repetition so machine noise spreads over all.
/// Each copy reports its wall time and its own CPU time (CLOCK_PROCESS_CPUTIME_ID): the wall time includes the CPU
/// the profiler takes from the program, the CPU time only what sampling costs inside the program.
/// </summary>
public static class ProfilerSlowdownScenario
{
    private static readonly TimeSpan WarmUp = TimeSpan.FromSeconds(5);

    public static async Task RunAsync(int repetitions, int rounds)
    {
        var program = NativeTestProgram.Instance.Path;
        (string Label, Func<Task<IAsyncDisposable?>> Start)[] configurations =
        [
            ("unprofiled", () => Task.FromResult<IAsyncDisposable?>(null)),
            ("odigos-ui node profiler, 19 Hz", () => StartApp(19)),
            ("perf record -F 19 -a -g", () => StartPerf(19)),
            ("odigos-ui node profiler, 99 Hz", () => StartApp(99)),
            ("perf record -F 99 -a -g", () => StartPerf(99)),
        ];

        var times = configurations.ToDictionary(c => c.Label, _ => new List<(double Wall, double Cpu)>());
        for (var repetition = 0; repetition < repetitions; repetition++)
        {
            foreach (var (label, start) in configurations)
            {
                var profiler = await start();
                try
                {
                    if (profiler is not null)
                    {
                        await Task.Delay(WarmUp);
                    }

                    var wall = await RunWorkloadAsync(program, rounds, copies: 2);
                    times[label].AddRange(wall);
                    Console.Error.WriteLine($"[{repetition + 1}/{repetitions}] {label}: {string.Join(", ", wall.Select(t => string.Create(CultureInfo.InvariantCulture, $"{t.Wall:F0} ms ({t.Cpu:F0} ms CPU)")))}");
                }
                finally
                {
                    if (profiler is not null)
                    {
                        await profiler.DisposeAsync();
                    }
                }
            }
        }

        var baseline = times[configurations[0].Label];
        var (baseWall, baseCpu) = (baseline.Average(t => t.Wall), baseline.Average(t => t.Cpu));
        Console.WriteLine($"## Slowdown of a CPU-bound program ({repetitions} repetitions x 2 copies of `hot -n {rounds}`, one per core)");
        Console.WriteLine();
        Console.WriteLine("| profiler | runs | wall time, mean ± sd (ms) | min–max | slowdown | CPU time, mean ± sd (ms) | CPU time added |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
        foreach (var (label, _) in configurations)
        {
            var t = times[label];
            var (wall, wallSd) = MeanAndStdDev(t.Select(x => x.Wall).ToList());
            var (cpu, cpuSd) = MeanAndStdDev(t.Select(x => x.Cpu).ToList());
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {label} | {t.Count} | {wall:F0} ± {wallSd:F0} | {t.Min(x => x.Wall):F0}–{t.Max(x => x.Wall):F0} | {(wall / baseWall - 1) * 100:+0.0;-0.0} % | {cpu:F0} ± {cpuSd:F0} | {(cpu / baseCpu - 1) * 100:+0.0;-0.0} % |"));
        }
    }

    private static (double Mean, double StdDev) MeanAndStdDev(List<double> values)
    {
        var mean = values.Average();
        return (mean, Math.Sqrt(values.Sum(x => (x - mean) * (x - mean)) / Math.Max(1, values.Count - 1)));
    }

    private static async Task<IAsyncDisposable?> StartApp(int rate) =>
        await AppProcess.StartAsync("--Profiling:ProfilerEnabled=true", $"--Profiling:SamplesPerSecond={rate}");

    private static async Task<IAsyncDisposable?> StartPerf(int rate) =>
        new StoppedOnDispose(await PerfRecord.StartAsync("-F", rate.ToString(CultureInfo.InvariantCulture), "-a", "-g"));

    /// <summary>Starts <paramref name="copies"/> programs at once and returns the wall and CPU time each printed.</summary>
    private static async Task<(double Wall, double Cpu)[]> RunWorkloadAsync(string program, int rounds, int copies)
    {
        var processes = Enumerable.Range(0, copies)
            .Select(_ => Process.Start(new ProcessStartInfo(program, ["-n", rounds.ToString(CultureInfo.InvariantCulture)]) { RedirectStandardOutput = true })!)
            .ToList();
        try
        {
            var outputs = await Task.WhenAll(processes.Select(p => p.StandardOutput.ReadToEndAsync()));
            return outputs.Select(ParseTimes).ToArray();
        }
        finally
        {
            foreach (var process in processes)
            {
                await process.WaitForExitAsync();
                process.Dispose();
            }
        }
    }

    // The program prints "ready" and then "1234.567 ms 1200.123 cpu-ms".
    private static (double Wall, double Cpu) ParseTimes(string output)
    {
        var fields = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Last().Split(' ');
        return (double.Parse(fields[0], CultureInfo.InvariantCulture), double.Parse(fields[2], CultureInfo.InvariantCulture));
    }

    private sealed class StoppedOnDispose(PerfRecord perf) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await perf.StopAsync();
            perf.Dispose();
        }
    }
}
