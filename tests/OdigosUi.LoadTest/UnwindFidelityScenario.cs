using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using OdigosUi.Profiler;
using OdigosUi.Profiler.Sampling;
using OdigosUi.Profiles.Otlp.Collector;
using OdigosUi.TestSupport;

namespace OdigosUi.LoadTest;

/// <summary>
/// How complete the node profiler's native stacks are on programs built without frame pointers, side by side with
/// <c>perf record --call-graph dwarf</c>: each workload runs on its own while both profile that one process over the
/// same window (perf's samples are cut to the node profiler's window by their CLOCK_MONOTONIC time). Only the public
/// NodeProfiler API is used, so the scenario measures whatever unwinder sits behind it.
/// </summary>
public static class UnwindFidelityScenario
{
    private const int Rate = 99;
    private static readonly TimeSpan WarmUp = TimeSpan.FromSeconds(2);

    /// <summary>Frames that count as the program's entry: the C runtime's for native programs, the Go runtime's roots for Go.</summary>
    private static readonly HashSet<string> NativeEntry = new(StringComparer.Ordinal) { "main", "__libc_start_call_main", "__libc_start_main", "__libc_start_main_impl", "_start" };

    private static readonly HashSet<string> GoEntry = new(StringComparer.Ordinal) { "runtime.main", "runtime.goexit", "runtime.rt0_go", "runtime.mstart" };

    public static async Task<int> RunAsync(TimeSpan window)
    {
        var directory = Path.Combine(Path.GetTempPath(), "odigos-unwind-fidelity-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        try
        {
            IReadOnlyList<BuildStyleWorkload> workloads;
            try
            {
                workloads = BuildStyleWorkloads.Build(directory);
            }
            catch (InvalidOperationException e)
            {
                Console.Error.WriteLine($"unwind-fidelity: {e.Message}");
                return 1;
            }

            Console.WriteLine($"## Native stack fidelity: node profiler vs perf record --call-graph dwarf ({window.TotalSeconds:F0} s per workload, {Rate} Hz, same process, same window)");
            Console.WriteLine();
            Console.WriteLine("Reaches entry: a user frame is one of " + string.Join(", ", NativeEntry.Order()) + " (Go: " + string.Join(", ", GoEntry.Order()) + ").");
            Console.WriteLine("Depth counts user frames only (kernel frames dropped). Unnamed: user frames without a function name.");
            Console.WriteLine();
            var results = new List<(BuildStyleWorkload Workload, Metrics Ours, Metrics Perf)>();
            foreach (var workload in workloads)
            {
                try
                {
                    results.Add(await MeasureAsync(workload, window));
                }
                catch (Exception e) when (e is InvalidOperationException or ProfilerUnavailableException)
                {
                    Console.Error.WriteLine($"unwind-fidelity: {workload.Name}: {e.Message}");
                    return 1;
                }
            }

            Console.WriteLine("### Summary (node profiler / perf --call-graph dwarf)");
            Console.WriteLine();
            Console.WriteLine("| workload | samples | reaches entry | names hot function | hot function under its caller | mean user depth | unnamed user frames |");
            Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
            foreach (var (workload, ours, perf) in results)
            {
                Console.WriteLine($"| {workload.Name} | {ours.Samples} / {perf.Samples} | {Pct(ours.Entry)} / {Pct(perf.Entry)} | {Pct(ours.Hot)} / {Pct(perf.Hot)} | {Pct(ours.HotUnderCaller)} / {Pct(perf.HotUnderCaller)} | {ours.Depth:F1} / {perf.Depth:F1} | {Pct(ours.Unnamed)} / {Pct(perf.Unnamed)} |");
            }

            return 0;
        }
        finally
        {
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private static async Task<(BuildStyleWorkload, Metrics, Metrics)> MeasureAsync(BuildStyleWorkload workload, TimeSpan window)
    {
        await using var running = workload.Start();
        var pid = running.Process.Id;
        await Task.Delay(WarmUp);
        if (running.Process.HasExited)
        {
            throw new InvalidOperationException($"{workload.Name} exited early with {running.Process.ExitCode}");
        }

        var data = Path.Combine(Path.GetTempPath(), $"odigos-unwind-fidelity-{Guid.NewGuid():N}.data");
        var perf = StartPerf(pid, data);
        var perfStderr = perf.StandardError.ReadToEndAsync();
        _ = perf.StandardOutput.ReadToEndAsync();

        // perf says nothing when its events are open: give it a moment, then the window starts.
        await Task.Delay(TimeSpan.FromSeconds(1));
        if (perf.HasExited)
        {
            throw new InvalidOperationException($"perf record exited with {perf.ExitCode}: {await perfStderr}");
        }

        var ours = new List<Sampled>();
        var start = MonotonicNs();
        using (var profiler = new NodeProfiler(new NodeProfilerOptions { SamplesPerSecond = Rate, TargetPid = pid, ReportInterval = TimeSpan.FromSeconds(1) }))
        {
            profiler.Start();
            var deadline = DateTime.UtcNow + window;
            var nextReport = DateTime.UtcNow + TimeSpan.FromSeconds(1);
            while (DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
                profiler.Collect();
                if (DateTime.UtcNow >= nextReport)
                {
                    nextReport += TimeSpan.FromSeconds(1);
                    AddOurs(profiler.TakeRequest(), pid, ours);
                }
            }

            profiler.Collect();
            AddOurs(profiler.TakeRequest(), pid, ours);
        }

        var end = MonotonicNs();
        await Task.Delay(TimeSpan.FromMilliseconds(500));
        if (!perf.HasExited && Kill(perf.Id, 2) != 0)
        {
            throw new InvalidOperationException($"could not stop perf: errno {Marshal.GetLastPInvokeError()}");
        }

        await perf.WaitForExitAsync();
        var (perfStacks, perfTotal) = await PerfScriptAsync(data, pid, start, end);
        File.Delete(data);

        var oursMetrics = Measure(ours, workload);
        var perfMetrics = Measure(perfStacks, workload);
        Console.WriteLine($"### {workload.Name}");
        Console.WriteLine();
        Console.WriteLine(workload.Description);
        Console.WriteLine();
        Console.WriteLine($"| pid {pid}, {(end - start) / 1e9:F1} s | node profiler | perf --call-graph dwarf |");
        Console.WriteLine("|---|---:|---:|");
        Console.WriteLine($"| samples | {oursMetrics.Samples} | {perfMetrics.Samples} (of {perfTotal} recorded) |");
        Console.WriteLine($"| reaches entry | {Pct(oursMetrics.Entry)} | {Pct(perfMetrics.Entry)} |");
        Console.WriteLine($"| names hot function ({workload.HotFunction}) | {Pct(oursMetrics.Hot)} | {Pct(perfMetrics.Hot)} |");
        Console.WriteLine($"| hot function under {workload.Caller} | {Pct(oursMetrics.HotUnderCaller)} | {Pct(perfMetrics.HotUnderCaller)} |");
        Console.WriteLine($"| mean user depth | {oursMetrics.Depth:F1} | {perfMetrics.Depth:F1} |");
        Console.WriteLine($"| unnamed user frames | {Pct(oursMetrics.Unnamed)} | {Pct(perfMetrics.Unnamed)} |");
        Console.WriteLine();
        PrintTop("node profiler", ours);
        PrintTop("perf", perfStacks);
        var warnings = (await perfStderr).Split('\n').Where(l => l.Contains("lost", StringComparison.OrdinalIgnoreCase) || l.Contains("warning", StringComparison.OrdinalIgnoreCase)).ToList();
        foreach (var warning in warnings)
        {
            Console.WriteLine($"perf record: {warning.Trim()}");
        }

        Console.WriteLine();
        return (workload, oursMetrics, perfMetrics);
    }

    // ---- stacks ----

    private static string Label(WorkloadFrame frame) =>
        frame.Name is not { } name ? $"?[{Path.GetFileName(frame.File)}]" : name.Length <= 48 ? name : name[..45] + "...";

    /// <summary>User frames leaf first, observed <see cref="Count"/> times.</summary>
    private sealed record Sampled(IReadOnlyList<WorkloadFrame> Frames, int Count);

    private static void AddOurs(ExportProfilesServiceRequest? request, int pid, List<Sampled> into)
    {
        if (request is not null)
        {
            into.AddRange(BuildStyleWorkloads.UserStacks(request, pid).Select(s => new Sampled(s.Stack, s.Count)));
        }
    }

    private static Process StartPerf(int pid, string data)
    {
        var start = new ProcessStartInfo("perf") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in new[] { "record", "-q", "-k", "CLOCK_MONOTONIC", "-F", Rate.ToString(CultureInfo.InvariantCulture), "--call-graph", "dwarf", "-p", pid.ToString(CultureInfo.InvariantCulture), "-o", data })
        {
            start.ArgumentList.Add(arg);
        }

        try
        {
            return Process.Start(start)!;
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException($"this scenario compares with perf: install linux-perf (apt-get install linux-perf): {e.Message}", e);
        }
    }

    /// <summary>
    /// perf's samples of <paramref name="pid"/> between <paramref name="startNs"/> and <paramref name="endNs"/>
    /// (CLOCK_MONOTONIC), and how many it recorded of the pid in all. Each sample is a header line
    /// (<c>comm pid/tid time:</c>), frame lines (<c>\taddr sym (dso)</c>, sym may be <c>[unknown]</c>), a blank line.
    /// Inlined frames are not expanded (<c>--no-inline</c>): one frame per return address, as the node profiler has them.
    /// </summary>
    private static async Task<(List<Sampled> Stacks, int Total)> PerfScriptAsync(string data, int pid, long startNs, long endNs)
    {
        var start = new ProcessStartInfo("perf", ["script", "-i", data, "-F", "comm,pid,tid,time,ip,sym,dso", "--ns", "--no-inline"]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var script = Process.Start(start)!;
        var stderr = script.StandardError.ReadToEndAsync();
        var stacks = new List<Sampled>();
        var total = 0;
        List<WorkloadFrame>? frames = null;
        var keep = false;
        while (await script.StandardOutput.ReadLineAsync() is { } line)
        {
            if (line.Length == 0)
            {
                if (frames is not null && keep)
                {
                    stacks.Add(new Sampled(frames, 1));
                }

                frames = null;
                continue;
            }

            if (!char.IsWhiteSpace(line[0]) || frames is null)
            {
                // Header: comm (may contain spaces) pid/tid time:
                var fields = line.TrimEnd().TrimEnd(':').Split(' ', StringSplitOptions.RemoveEmptyEntries);
                var ids = fields.Length >= 2 ? fields[^2].Split('/') : [];
                var samplePid = ids.Length == 2 && int.TryParse(ids[0], CultureInfo.InvariantCulture, out var p) ? p : -1;
                var time = fields.Length >= 1 ? ParseNs(fields[^1]) : -1;
                frames = [];
                keep = samplePid == pid && time >= startNs && time <= endNs;
                if (samplePid == pid)
                {
                    total++;
                }

                continue;
            }

            var text = line.Trim();
            var space = text.IndexOf(' ');
            var open = text.LastIndexOf(" (", StringComparison.Ordinal);
            if (space < 0 || open < space || !text.EndsWith(')'))
            {
                continue;
            }

            var address = ulong.TryParse(text.AsSpan(0, space), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var a) ? a : 0;
            var symbol = text[(space + 1)..open].Trim();
            var dso = text[(open + 2)..^1];
            if (dso.StartsWith("[kernel", StringComparison.Ordinal) || address >= 0xffff800000000000UL)
            {
                continue;
            }

            frames.Add(new WorkloadFrame(symbol is "[unknown]" or "" ? null : symbol, dso));
        }

        if (frames is not null && keep)
        {
            stacks.Add(new Sampled(frames, 1));
        }

        await script.WaitForExitAsync();
        if (script.ExitCode != 0)
        {
            throw new InvalidOperationException($"perf script failed ({script.ExitCode}): {await stderr}");
        }

        return (stacks, total);
    }

    private static long ParseNs(string seconds)
    {
        var dot = seconds.IndexOf('.');
        if (dot < 0 || !long.TryParse(seconds.AsSpan(0, dot), CultureInfo.InvariantCulture, out var whole))
        {
            return -1;
        }

        var fraction = seconds[(dot + 1)..].PadRight(9, '0')[..9];
        return long.TryParse(fraction, CultureInfo.InvariantCulture, out var ns) ? whole * 1_000_000_000 + ns : -1;
    }

    // ---- measures ----

    private sealed record Metrics(long Samples, double Entry, double Hot, double HotUnderCaller, double Depth, double Unnamed);

    private static Metrics Measure(List<Sampled> stacks, BuildStyleWorkload workload)
    {
        var entry = workload.IsGo ? GoEntry : NativeEntry;
        long samples = 0, reaches = 0, hot = 0, underCaller = 0, frames = 0, unnamed = 0;
        foreach (var stack in stacks)
        {
            samples += stack.Count;
            frames += (long)stack.Frames.Count * stack.Count;
            unnamed += (long)stack.Frames.Count(f => f.Name is null) * stack.Count;
            // perf names glibc's entry with its symbol version (__libc_start_main@@GLIBC_2.34).
            if (stack.Frames.Any(f => f.Name is { } n && entry.Contains(n.Split('@')[0])))
            {
                reaches += stack.Count;
            }

            var firstHot = -1;
            for (var i = 0; i < stack.Frames.Count; i++)
            {
                if (workload.IsHot(stack.Frames[i]))
                {
                    firstHot = i;
                    break;
                }
            }

            if (firstHot < 0)
            {
                continue;
            }

            hot += stack.Count;

            // Leaf first: the caller is any frame nearer the root than the hot one.
            if (stack.Frames.Skip(firstHot + 1).Any(workload.IsCaller))
            {
                underCaller += stack.Count;
            }
        }

        double Share(long n) => samples == 0 ? 0 : (double)n / samples;
        return new Metrics(samples, Share(reaches), Share(hot), Share(underCaller), samples == 0 ? 0 : (double)frames / samples, frames == 0 ? 0 : (double)unnamed / frames);
    }

    private static void PrintTop(string label, List<Sampled> stacks)
    {
        var total = stacks.Sum(s => s.Count);
        Console.WriteLine($"Most frequent {label} stacks (root first):");
        Console.WriteLine();
        Console.WriteLine("```");
        foreach (var group in stacks.GroupBy(s => Folded(s.Frames)).Select(g => (Stack: g.Key, Count: g.Sum(s => s.Count))).OrderByDescending(g => g.Count).Take(3))
        {
            Console.WriteLine($"{(total == 0 ? 0 : 100.0 * group.Count / total),5:F1} %  {group.Stack}");
        }

        Console.WriteLine("```");
        Console.WriteLine();
    }

    private static string Folded(IReadOnlyList<WorkloadFrame> frames)
    {
        var folded = frames.Count == 0 ? "(no user frames)" : string.Join(';', frames.Reverse().Select(Label));
        return folded.Length <= 240 ? folded : folded[..110] + " ... " + folded[^125..];
    }

    private static string Pct(double share) => $"{share * 100:F1} %";

    // ---- processes ----

    private static long MonotonicNs() => Stopwatch.GetTimestamp() * (1_000_000_000 / Stopwatch.Frequency);

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
