using System.Diagnostics;
using System.Globalization;
using OdigosUi.TestSupport;

namespace OdigosUi.LoadTest;

/// <summary>
/// How much a profiler slows a CPU-bound program: two copies of the C demo (<c>hot -n ROUNDS</c>, a fixed amount of
/// work, one per core) are timed under the app with its profiler off, under the app's node profiler at 19 and 99 Hz,
/// and under <c>perf record -F N -a -g</c>. This machine's speed drifts by ±15 % over minutes, so every profiled run is
/// paired with an unprofiled run right before it, and the table gives the median and quartiles of the paired ratios.
/// Each copy reports its wall time and its own CPU time (CLOCK_PROCESS_CPUTIME_ID): the wall time includes the CPU
/// the profiler takes from the program, the CPU time only what sampling costs inside the program (the kernel's
/// sample handling is charged to the interrupted task).
/// </summary>
public static class ProfilerSlowdownScenario
{
    /// <param name="warmUp">How long each profiler runs before the measured run (the app JIT-compiles its hot paths
    /// again at tier 1 over its first half minute, which a short warm-up measures too).</param>
    public static async Task RunAsync(int repetitions, int rounds, TimeSpan warmUp)
    {
        var program = NativeTestProgram.Instance.Path;
        (string Label, Func<Task<IAsyncDisposable>> Start)[] configurations =
        [
            ("odigos-ui, profiler off", () => StartApp(19, enabled: false)),
            ("odigos-ui node profiler, 19 Hz", () => StartApp(19, enabled: true)),
            ("perf record -F 19 -a -g", () => StartPerf(19)),
            ("odigos-ui node profiler, 99 Hz", () => StartApp(99, enabled: true)),
            ("perf record -F 99 -a -g", () => StartPerf(99)),
        ];

        var ratios = configurations.ToDictionary(c => c.Label, _ => new List<(double Wall, double Cpu)>());
        var unprofiled = new List<double>();
        for (var repetition = 0; repetition < repetitions; repetition++)
        {
            foreach (var (label, start) in configurations)
            {
                var baseline = await RunWorkloadAsync(program, rounds, copies: 2);
                unprofiled.AddRange(baseline.Select(t => t.Wall));
                double measuredWall, measuredCpu;
                await using (await start())
                {
                    await Task.Delay(warmUp);
                    var measured = await RunWorkloadAsync(program, rounds, copies: 2);
                    (measuredWall, measuredCpu) = (measured.Average(t => t.Wall), measured.Average(t => t.Cpu));
                }

                var (baseWall, baseCpu) = (baseline.Average(t => t.Wall), baseline.Average(t => t.Cpu));
                ratios[label].Add((measuredWall / baseWall, measuredCpu / baseCpu));
                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"[{repetition + 1}/{repetitions}] {label}: {measuredWall:F0} ms ({measuredCpu:F0} ms CPU) against {baseWall:F0} ms ({baseCpu:F0} ms CPU) unprofiled just before"));
            }
        }

        Console.WriteLine($"## Slowdown of a CPU-bound program ({repetitions} pairs per profiler, 2 copies of `hot -n {rounds}`, one per core, {warmUp.TotalSeconds:F0} s after each profiler started)");
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Unprofiled runs: median {Quantile(unprofiled, 0.5):F0} ms, from {unprofiled.Min():F0} to {unprofiled.Max():F0} ms."));
        Console.WriteLine();
        Console.WriteLine("| configuration | pairs | wall-time slowdown, median [quartiles] | CPU time added in the program, median [quartiles] |");
        Console.WriteLine("|---|---:|---:|---:|");
        foreach (var (label, _) in configurations)
        {
            var wall = ratios[label].Select(r => (r.Wall - 1) * 100).ToList();
            var cpu = ratios[label].Select(r => (r.Cpu - 1) * 100).ToList();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {label} | {wall.Count} | {Quantile(wall, 0.5):+0.0;-0.0} % [{Quantile(wall, 0.25):+0.0;-0.0}, {Quantile(wall, 0.75):+0.0;-0.0}] | {Quantile(cpu, 0.5):+0.0;-0.0} % [{Quantile(cpu, 0.25):+0.0;-0.0}, {Quantile(cpu, 0.75):+0.0;-0.0}] |"));
        }
    }

    private static double Quantile(List<double> values, double q)
    {
        var sorted = values.Order().ToList();
        var position = (sorted.Count - 1) * q;
        var (low, high) = ((int)Math.Floor(position), (int)Math.Ceiling(position));
        return sorted[low] + (sorted[high] - sorted[low]) * (position - low);
    }

    private static async Task<IAsyncDisposable> StartApp(int rate, bool enabled) =>
        await AppProcess.StartAsync($"--Profiling:ProfilerEnabled={(enabled ? "true" : "false")}", $"--Profiling:SamplesPerSecond={rate}");

    private static async Task<IAsyncDisposable> StartPerf(int rate) =>
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
