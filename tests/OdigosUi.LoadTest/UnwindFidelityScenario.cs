using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using OdigosUi.Profiler;
using OdigosUi.Profiler.Sampling;
using OdigosUi.Profiles.Otlp.Collector;

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
            List<Workload> workloads;
            try
            {
                workloads = [Xz(), Cpp(directory), Rust(directory), Go(directory)];
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
            var results = new List<(Workload Workload, Metrics Ours, Metrics Perf)>();
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

    private static async Task<(Workload, Metrics, Metrics)> MeasureAsync(Workload workload, TimeSpan window)
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
        Console.WriteLine($"| names hot function ({workload.HotLabel}) | {Pct(oursMetrics.Hot)} | {Pct(perfMetrics.Hot)} |");
        Console.WriteLine($"| hot function under {workload.CallerLabel} | {Pct(oursMetrics.HotUnderCaller)} | {Pct(perfMetrics.HotUnderCaller)} |");
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

    // ---- the workloads ----

    private static Workload Xz()
    {
        var version = Run("xz", ["--version"], null, null, "install xz-utils (apt-get install xz-utils)").Split('\n')[0];
        return new Workload(
            "xz -9 -T1",
            $"{version}, compressing a deterministic word stream (~200 MB, repeated) from a pipe; liblzma as Debian builds it",
            "lzma_*",
            "main (xz is stripped: any frame in the xz executable)",
            f => f.Names.Any(n => n.StartsWith("lzma_", StringComparison.Ordinal)),
            f => f.Names.Contains("main") || Path.GetFileName(f.Dso) == "xz",
            Go: false,
            () =>
            {
                var start = new ProcessStartInfo("xz", ["-9", "-T1", "-c"]) { RedirectStandardInput = true, RedirectStandardOutput = true };
                var process = Process.Start(start)!;
                var cancel = new CancellationTokenSource();
                var drain = process.StandardOutput.BaseStream.CopyToAsync(Stream.Null, cancel.Token);
                var feed = Task.Run(() => FeedAsync(process.StandardInput.BaseStream, cancel.Token));
                return new Running(process, async () =>
                {
                    await cancel.CancelAsync();
                    await Quietly(feed);
                    await Quietly(drain);
                });
            });
    }

    /// <summary>Pseudo-random words from a fixed vocabulary (compressible, the same bytes every run), 200 MB per round.</summary>
    private static async Task FeedAsync(Stream input, CancellationToken cancellationToken)
    {
        var random = new Random(13);
        var vocabulary = Enumerable.Range(0, 4096)
            .Select(_ => new string(Enumerable.Range(0, random.Next(2, 11)).Select(_ => (char)('a' + random.Next(26))).ToArray()) + (random.Next(8) == 0 ? "\n" : " "))
            .Select(Encoding.ASCII.GetBytes)
            .ToArray();
        var chunk = new byte[1 << 20];
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var state = 0x9E3779B97F4A7C15UL;
                for (long written = 0; written < 200L << 20 && !cancellationToken.IsCancellationRequested; written += chunk.Length)
                {
                    var used = 0;
                    while (true)
                    {
                        state ^= state << 13;
                        state ^= state >> 7;
                        state ^= state << 17;

                        // Skewed towards the first words so that the stream is compressible, as text is.
                        var word = vocabulary[(int)((state >> 20) % 4096 * ((state >> 40) % 4096) / 4096)];
                        if (used + word.Length > chunk.Length)
                        {
                            break;
                        }

                        word.CopyTo(chunk, used);
                        used += word.Length;
                    }

                    await input.WriteAsync(chunk.AsMemory(0, used), cancellationToken);
                }
            }
        }
        finally
        {
            input.Close();
        }
    }

    private const string CppSource = """
        // g++ -O2: x86_64 omits frame pointers at -O2; noinline/noclone keep the calls (and their names) in the binary.
        namespace hot {
        template <typename T>
        __attribute__((noinline, noclone)) T spin(T seed, long rounds) {
            T x = seed;
            for (long i = 0; i < rounds; i++) {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x += static_cast<T>(i);
            }
            return x;
        }
        }

        namespace app {
        struct Worker {
            unsigned long state;
            __attribute__((noinline, noclone)) unsigned long work(long rounds) {
                unsigned long r = hot::spin<unsigned long>(state, rounds);
                state = r ^ (r >> 3);
                return r + 1;
            }
        };

        __attribute__((noinline, noclone)) unsigned long run(Worker& worker) {
            unsigned long total = 0;
            for (int i = 0; i < 100; i++) {
                total += worker.work(1000000);
            }
            return total;
        }
        }

        int main() {
            app::Worker worker{42};
            volatile unsigned long sink = 0;
            for (;;) {
                sink = sink + app::run(worker);
            }
        }
        """;

    private static Workload Cpp(string directory)
    {
        var source = Path.Combine(directory, "spin.cpp");
        var binary = Path.Combine(directory, "spin-cpp");
        File.WriteAllText(source, CppSource);
        Run("g++", ["-O2", "-o", binary, source], directory, null, "install g++ (apt-get install g++)");
        return new Workload(
            "C++ g++ -O2",
            "main → app::run → app::Worker::work → hot::spin<unsigned long>, built with g++ -O2 (no frame pointers), not stripped",
            "hot::spin",
            "app::Worker::work",
            f => f.Names.Any(n => n.Contains("hot::spin", StringComparison.Ordinal) || (n.StartsWith("_Z", StringComparison.Ordinal) && n.Contains("3hot4spin", StringComparison.Ordinal))),
            f => f.Names.Any(n => n.Contains("Worker::work", StringComparison.Ordinal) || (n.StartsWith("_Z", StringComparison.Ordinal) && n.Contains("6Worker4work", StringComparison.Ordinal))),
            Go: false,
            () => Running.Of(Process.Start(new ProcessStartInfo(binary))!));
    }

    private const string RustSource = """
        use std::hint::black_box;

        #[inline(never)]
        fn spin(seed: u64, rounds: u64) -> u64 {
            let mut x = seed;
            for i in 0..rounds {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x = x.wrapping_add(i);
            }
            x
        }

        #[inline(never)]
        fn work(seed: u64) -> u64 {
            let r = spin(black_box(seed), black_box(1_000_000));
            black_box(r) ^ (r >> 3)
        }

        fn main() {
            let mut state = 42u64;
            loop {
                state = black_box(work(state).wrapping_add(1));
            }
        }
        """;

    private static Workload Rust(string directory)
    {
        var project = Path.Combine(directory, "rust");
        Directory.CreateDirectory(Path.Combine(project, "src"));
        File.WriteAllText(Path.Combine(project, "Cargo.toml"), "[package]\nname = \"fidelity\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\n");
        File.WriteAllText(Path.Combine(project, "src", "main.rs"), RustSource);
        Run("cargo", ["build", "--release", "--offline", "--quiet"], project, new() { ["CARGO_HOME"] = Path.Combine(directory, "cargo-home"), ["CARGO_TARGET_DIR"] = Path.Combine(project, "target") },
            "install a Rust toolchain (rustup or apt-get install cargo)");
        var binary = Path.Combine(project, "target", "release", "fidelity");
        return new Workload(
            "Rust release",
            "main → std::rt::lang_start → fidelity::main → fidelity::work → fidelity::spin, cargo build --release (legacy mangling), not stripped",
            "fidelity::spin",
            "fidelity::work",
            f => f.Names.Any(n => n.Contains("fidelity::spin", StringComparison.Ordinal) || n.Contains("8fidelity4spin", StringComparison.Ordinal)),
            f => f.Names.Any(n => n.Contains("fidelity::work", StringComparison.Ordinal) || n.Contains("8fidelity4work", StringComparison.Ordinal)),
            Go: false,
            () => Running.Of(Process.Start(new ProcessStartInfo(binary))!));
    }

    private const string GoSource = """
        package main

        //go:noinline
        func spin(seed uint64, rounds int) uint64 {
            x := seed
            for i := 0; i < rounds; i++ {
                x ^= x << 13
                x ^= x >> 7
                x ^= x << 17
                x += uint64(i)
            }
            return x
        }

        //go:noinline
        func work(seed uint64) uint64 {
            r := spin(seed, 1000000)
            return r ^ (r >> 3)
        }

        var sink uint64

        func main() {
            state := uint64(42)
            for {
                state = work(state) + 1
                sink = state
            }
        }
        """;

    private static Workload Go(string directory)
    {
        var project = Path.Combine(directory, "go");
        Directory.CreateDirectory(project);
        File.WriteAllText(Path.Combine(project, "go.mod"), "module fidelity\n\ngo 1.19\n");
        File.WriteAllText(Path.Combine(project, "main.go"), GoSource);
        var binary = Path.Combine(project, "spin-go");
        var version = Run("go", ["version"], project, null, "install Go (apt-get install golang-go)").Trim();
        Run("go", ["build", "-ldflags=-s -w", "-o", binary, "."], project, new()
        {
            ["GOCACHE"] = Path.Combine(directory, "go-cache"),
            ["GOPATH"] = Path.Combine(directory, "go-path"),
            ["GOFLAGS"] = "-mod=mod",
            ["GOTOOLCHAIN"] = "local",
        }, "install Go (apt-get install golang-go)");
        return new Workload(
            "Go stripped",
            $"runtime.main → main.main → main.work → main.spin, {version}, go build -ldflags='-s -w' (no symbol table, no DWARF)",
            "main.spin",
            "main.work",
            f => f.Names.Contains("main.spin"),
            f => f.Names.Contains("main.work"),
            Go: true,
            () => Running.Of(Process.Start(new ProcessStartInfo(binary))!));
    }

    // ---- stacks ----

    /// <summary>A user frame: its function names, innermost first (the physical function last), and its mapped file.</summary>
    private sealed record Frame(string[] Names, string Dso)
    {
        public string Label => Names.Length > 0 ? Shorten(Names[^1]) : $"?[{Path.GetFileName(Dso)}]";

        private static string Shorten(string name) => name.Length <= 48 ? name : name[..45] + "...";
    }

    /// <summary>User frames leaf first, observed <see cref="Count"/> times.</summary>
    private sealed record Sampled(IReadOnlyList<Frame> Frames, int Count);

    private static void AddOurs(ExportProfilesServiceRequest? request, int pid, List<Sampled> into)
    {
        if (request is null)
        {
            return;
        }

        var d = request.Dictionary;
        var resource = request.ResourceProfiles.FirstOrDefault(r => r.Resource.Attributes.Any(a => a.Key == "process.pid" && a.Value.IntValue == pid));
        if (resource is null)
        {
            return;
        }

        foreach (var profile in resource.ScopeProfiles.SelectMany(s => s.Profiles))
        {
            foreach (var sample in profile.Samples)
            {
                var frames = new List<Frame>();
                foreach (var index in d.StackTable[sample.StackIndex].LocationIndices)
                {
                    var location = d.LocationTable[index];
                    var type = location.AttributeIndices.Select(i => d.AttributeTable[i]).FirstOrDefault(a => d.StringTable[a.KeyStrindex] == "profile.frame.type")?.Value.StringValue;
                    var dso = location.MappingIndex > 0 ? d.StringTable[d.MappingTable[location.MappingIndex].FilenameStrindex] : "";
                    if (type == "kernel" || dso == "[kernel.kallsyms]")
                    {
                        continue;
                    }

                    var names = location.Lines.Select(l => d.StringTable[d.FunctionTable[l.FunctionIndex].NameStrindex]).Where(n => n.Length > 0).ToArray();
                    frames.Add(new Frame(names, dso));
                }

                into.Add(new Sampled(frames, Math.Max(1, sample.TimestampsUnixNano.Count)));
            }
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
        List<Frame>? frames = null;
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

            frames.Add(new Frame(symbol is "[unknown]" or "" ? [] : [symbol], dso));
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

    private static Metrics Measure(List<Sampled> stacks, Workload workload)
    {
        var entry = workload.Go ? GoEntry : NativeEntry;
        long samples = 0, reaches = 0, hot = 0, underCaller = 0, frames = 0, unnamed = 0;
        foreach (var stack in stacks)
        {
            samples += stack.Count;
            frames += (long)stack.Frames.Count * stack.Count;
            unnamed += (long)stack.Frames.Count(f => f.Names.Length == 0) * stack.Count;
            // perf names glibc's entry with its symbol version (__libc_start_main@@GLIBC_2.34).
            if (stack.Frames.Any(f => f.Names.Any(n => entry.Contains(n.Split('@')[0]))))
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

    private static string Folded(IReadOnlyList<Frame> frames)
    {
        var folded = frames.Count == 0 ? "(no user frames)" : string.Join(';', frames.Reverse().Select(f => f.Label));
        return folded.Length <= 240 ? folded : folded[..110] + " ... " + folded[^125..];
    }

    private static string Pct(double share) => $"{share * 100:F1} %";

    // ---- processes ----

    private static long MonotonicNs() => Stopwatch.GetTimestamp() * (1_000_000_000 / Stopwatch.Frequency);

    private static string Run(string file, string[] args, string? directory, Dictionary<string, string>? environment, string missing)
    {
        var start = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = directory ?? Environment.CurrentDirectory };
        foreach (var (key, value) in environment ?? [])
        {
            start.Environment[key] = value;
        }

        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException($"{file} not found: {missing} ({e.Message})", e);
        }

        using (process)
        {
            var stderr = process.StandardError.ReadToEndAsync();
            var stdout = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed ({process.ExitCode}): {stderr.Result}{stdout}");
            }

            return stdout;
        }
    }

    private static async Task Quietly(Task task)
    {
        try
        {
            await task;
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    private sealed record Workload(string Name, string Description, string HotLabel, string CallerLabel, Func<Frame, bool> IsHot, Func<Frame, bool> IsCaller, bool Go, Func<Running> Start);

    private sealed class Running(Process process, Func<Task>? stop = null) : IAsyncDisposable
    {
        public Process Process { get; } = process;

        public static Running Of(Process process) => new(process);

        public async ValueTask DisposeAsync()
        {
            if (!Process.HasExited)
            {
                Process.Kill();
            }

            await Process.WaitForExitAsync();
            if (stop is not null)
            {
                await stop();
            }

            Process.Dispose();
        }
    }
}
