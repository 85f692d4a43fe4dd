using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using OdigosUi.Profiler;
using OdigosUi.Profiles.Otlp.Collector;
using OdigosUi.TestSupport;

namespace OdigosUi.LoadTest;

/// <summary>
/// One CPU-bound Python process profiled by an in-process node profiler (that process only), with Python naming on
/// and off in turn: the share of its samples that name <c>spin</c> under <c>caller</c>, the CPU time of the
/// profiler's drain thread (schedstat, nanoseconds) and of this whole process (/proc/self/stat, 10 ms ticks), the
/// drain thread's time per sample and the bytes read from the Python process per sample. The reports are kept and counted after each run, so counting costs the drain thread nothing.
/// </summary>
public static class PythonNamingScenario
{
    private const string DrainThread = "odigos-profiler";

    public static async Task RunAsync(TimeSpan duration, string python)
    {
        Console.WriteLine($"## Python naming: one CPU-bound {python} process, {duration.TotalSeconds:F0} s each after 5 s of warm-up");
        Console.WriteLine();
        Console.WriteLine("| Python naming | rate | samples | spin under caller | drain thread CPU (% of a core) | drain thread per sample | profiler process CPU (% of a core) | bytes read per sample |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var rate in new[] { 99, 999 })
        {
            foreach (var on in new[] { true, false, true, false })
            {
                await MeasureAsync(python, rate, on, duration);
            }
        }
    }

    private static async Task MeasureAsync(string python, int rate, bool namePython, TimeSpan duration)
    {
        using var directory = new TempDirectory("odigos-python-bench-");
        var script = Path.Combine(directory.Path, "hot_loop.py");
        File.WriteAllText(script, PythonScripts.HotLoop);
        using var target = Process.Start(new ProcessStartInfo(python, [script]) { RedirectStandardOutput = true })!;
        try
        {
            if (await target.StandardOutput.ReadLineAsync() != "ready")
            {
                throw new InvalidOperationException($"{python} {script} did not start");
            }

            var requests = new ConcurrentQueue<ExportProfilesServiceRequest>();
            // 16 KiB stack copies at 999 Hz fill 64 pages a CPU between two drains: give the buffers room for them.
            using var profiler = new NodeProfiler(new NodeProfilerOptions { SamplesPerSecond = rate, TargetPid = target.Id, NamePythonFrames = namePython, DataPagesPerCpu = rate > 100 ? 1024 : 64 });
            using var stop = new CancellationTokenSource();
            var loop = profiler.RunAsync((request, _) =>
            {
                requests.Enqueue(request);
                return ValueTask.CompletedTask;
            }, stop.Token);

            await Task.Delay(TimeSpan.FromSeconds(5));
            var (drainBefore, processBefore, statsBefore) = (RunTime(DrainThread), ProcessTime(), profiler.Stats);
            requests.Clear();
            var clock = Stopwatch.StartNew();
            await Task.Delay(duration);
            var (drainAfter, processAfter, statsAfter) = (RunTime(DrainThread), ProcessTime(), profiler.Stats);
            var elapsed = clock.Elapsed;
            await stop.CancelAsync();
            await loop;

            int samples = 0, named = 0;
            foreach (var request in requests)
            {
                var resource = request.ResourceProfiles.SingleOrDefault(r => r.Resource.Attributes.Any(a => a.Key == "process.pid" && a.Value.IntValue == target.Id));
                if (resource is null)
                {
                    continue;
                }

                var d = request.Dictionary;
                foreach (var sample in resource.ScopeProfiles[0].Profiles[0].Samples)
                {
                    var count = Math.Max(1, sample.TimestampsUnixNano.Count);
                    var names = d.StackTable[sample.StackIndex].LocationIndices.Select(i => d.LocationTable[i])
                        .Select(l => l.Lines.Count == 0 ? "" : d.StringTable[d.FunctionTable[l.Lines[0].FunctionIndex].NameStrindex]).ToList();
                    samples += count;
                    named += names.Zip(names.Skip(1)).Any(p => p is ("spin", "caller")) ? count : 0;
                }
            }

            var sampled = Math.Max(1, statsAfter.Samples - statsBefore.Samples);
            var bytes = statsAfter.Python.BytesRead - statsBefore.Python.BytesRead;
            var lost = statsAfter.LostSamples - statsBefore.LostSamples;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {(namePython ? "on" : "off")} | {rate} Hz | {samples}{(lost > 0 ? $" ({lost} lost)" : "")} | {(samples == 0 ? 0 : 100.0 * named / samples):F1} % | {Percent(drainAfter - drainBefore, elapsed):F2} % | {(drainAfter - drainBefore) / 1000.0 / sampled:F1} µs | {Percent((long)(processAfter - processBefore).TotalNanoseconds, elapsed):F2} % | {(double)bytes / sampled:F0} |"));
        }
        finally
        {
            target.Kill();
            await target.WaitForExitAsync();
        }
    }

    private static double Percent(long nanoseconds, TimeSpan elapsed) => 100.0 * nanoseconds / (elapsed.TotalMilliseconds * 1e6);

    private static TimeSpan ProcessTime()
    {
        using var self = Process.GetCurrentProcess();
        return self.TotalProcessorTime;
    }

    /// <summary>Time on CPU (ns, /proc/self/task/TID/schedstat) of this process's threads named <paramref name="thread"/>.</summary>
    private static long RunTime(string thread)
    {
        long total = 0;
        foreach (var task in Directory.EnumerateDirectories("/proc/self/task"))
        {
            try
            {
                if (File.ReadAllText(Path.Combine(task, "comm")).TrimEnd('\n') == thread)
                {
                    total += long.Parse(File.ReadAllText(Path.Combine(task, "schedstat")).Split(' ')[0], CultureInfo.InvariantCulture);
                }
            }
            catch (IOException)
            {
                // The thread ended while being read.
            }
        }

        return total;
    }
}
