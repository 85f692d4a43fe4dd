using System.ComponentModel;
using System.Diagnostics;
using System.Text;
using OdigosUi.Profiles.Otlp.Collector;

namespace OdigosUi.TestSupport;

/// <summary>How a native workload was built: each style leaves different unwind and symbol information in the binary.</summary>
public enum BuildStyle
{
    /// <summary>Debian's xz (stripped executable, liblzma with its dynamic symbols), compressing a word stream from a pipe.</summary>
    Xz,

    /// <summary>A C++ program built with g++ -O2 (no frame pointers, .eh_frame only), not stripped.</summary>
    Cpp,

    /// <summary>A Rust program built with cargo build --release (legacy mangling), not stripped.</summary>
    Rust,

    /// <summary>A Go program built with -ldflags='-s -w' (no symbol table, no DWARF: names from .gopclntab only).</summary>
    Go,
}

/// <summary>A user frame as the matchers see it: its function name (demangled; null when unnamed) and the file it is mapped from.</summary>
public readonly record struct WorkloadFrame(string? Name, string File);

/// <summary>
/// A program that spins in <see cref="HotFunction"/> called by <see cref="Caller"/>, started by <see cref="Start"/>.
/// <see cref="IsHot"/> and <see cref="IsCaller"/> match a frame by its demangled name (or, as perf may print it, its
/// mangled symbol); xz's caller is any frame of the stripped xz executable. <see cref="Entry"/> is the frame every
/// complete stack reaches (<c>main</c>, called by <see cref="EntryCaller"/>; Go: <c>runtime.goexit</c>, the root).
/// </summary>
public sealed record BuildStyleWorkload(
    BuildStyle Style,
    string Name,
    string Description,
    string HotFunction,
    string Caller,
    string Entry,
    string? EntryCaller,
    bool CallerIsDirect,
    Func<WorkloadFrame, bool> IsHot,
    Func<WorkloadFrame, bool> IsCaller,
    Func<WorkloadFrame, bool> IsEntry,
    Func<RunningWorkload> Start)
{
    public bool IsGo => Style == BuildStyle.Go;

    /// <summary>
    /// True when a hot frame of the leaf-first <paramref name="stack"/> is called by a caller frame: directly when
    /// <see cref="CallerIsDirect"/>, otherwise by any frame nearer the root.
    /// </summary>
    public bool HotUnderCaller(IReadOnlyList<WorkloadFrame> stack)
    {
        for (var i = 0; i + 1 < stack.Count; i++)
        {
            if (IsHot(stack[i]) && (CallerIsDirect ? IsCaller(stack[i + 1]) : stack.Skip(i + 1).Any(IsCaller)))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// True when the leaf-first <paramref name="stack"/> reaches <see cref="Entry"/>: called by
    /// <see cref="EntryCaller"/> when there is one, otherwise as the root frame.
    /// </summary>
    public bool ReachesEntry(IReadOnlyList<WorkloadFrame> stack)
    {
        if (EntryCaller is null)
        {
            return stack.Count > 0 && IsEntry(stack[^1]);
        }

        for (var i = 0; i + 1 < stack.Count; i++)
        {
            if (IsEntry(stack[i]) && stack[i + 1].Name == EntryCaller)
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>A started workload; disposing it kills the process and stops whatever feeds it.</summary>
public sealed class RunningWorkload(Process process, Func<Task>? stop = null) : IAsyncDisposable
{
    public Process Process { get; } = process;

    public int Pid => Process.Id;

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

/// <summary>
/// The four build styles' workloads, built in a directory of the caller's (xz is Debian's, nothing to build). A
/// missing toolchain throws <see cref="InvalidOperationException"/> saying what to install.
/// </summary>
public static class BuildStyleWorkloads
{
    public static IReadOnlyList<BuildStyle> Styles { get; } = Enum.GetValues<BuildStyle>();

    /// <summary>Every style's workload, in <see cref="Styles"/> order.</summary>
    public static IReadOnlyList<BuildStyleWorkload> Build(string directory) => Styles.Select(s => Build(s, directory)).ToList();

    public static BuildStyleWorkload Build(BuildStyle style, string directory) => style switch
    {
        BuildStyle.Xz => Xz(),
        BuildStyle.Cpp => Cpp(directory),
        BuildStyle.Rust => Rust(directory),
        BuildStyle.Go => Go(directory),
        _ => throw new ArgumentOutOfRangeException(nameof(style), style, null),
    };

    /// <summary>Each sample's user frames (kernel frames dropped), leaf first, with the number of samples it stands for.</summary>
    public static IEnumerable<(IReadOnlyList<WorkloadFrame> Stack, int Count)> UserStacks(ExportProfilesServiceRequest request, int pid)
    {
        var d = request.Dictionary;
        var resource = request.ResourceProfiles.FirstOrDefault(r => r.Resource.Attributes.Any(a => a.Key == "process.pid" && a.Value.IntValue == pid));
        if (resource is null)
        {
            yield break;
        }

        foreach (var profile in resource.ScopeProfiles.SelectMany(s => s.Profiles))
        {
            foreach (var sample in profile.Samples)
            {
                var frames = new List<WorkloadFrame>();
                foreach (var index in d.StackTable[sample.StackIndex].LocationIndices)
                {
                    var location = d.LocationTable[index];
                    var type = location.AttributeIndices.Select(i => d.AttributeTable[i]).FirstOrDefault(a => d.StringTable[a.KeyStrindex] == "profile.frame.type")?.Value.StringValue;
                    var file = location.MappingIndex > 0 ? d.StringTable[d.MappingTable[location.MappingIndex].FilenameStrindex] : "";
                    if (type == "kernel" || file == "[kernel.kallsyms]")
                    {
                        continue;
                    }

                    // One line per location: the physical function (the profiler does not expand inlined frames).
                    var name = location.Lines.Select(l => d.StringTable[d.FunctionTable[l.FunctionIndex].NameStrindex]).LastOrDefault(n => n.Length > 0);
                    frames.Add(new WorkloadFrame(name, file));
                }

                yield return (frames, Math.Max(1, sample.TimestampsUnixNano.Count));
            }
        }
    }

    // ---- xz ----

    private static readonly HashSet<string> LibcEntry = new(StringComparer.Ordinal) { "__libc_start_call_main", "__libc_start_main", "__libc_start_main_impl", "_start" };

    private static bool IsNativeMain(WorkloadFrame frame) => frame.Name == "main";

    private static BuildStyleWorkload Xz()
    {
        var version = Run("xz", ["--version"], null, null, "install xz-utils (apt-get install xz-utils)").Split('\n')[0];
        return new BuildStyleWorkload(
            BuildStyle.Xz,
            "xz -9 -T1",
            $"{version}, compressing a deterministic word stream (~200 MB, repeated) from a pipe; liblzma as Debian builds it",
            "lzma_code",
            "main (xz is stripped: any frame in the xz executable)",
            "main (xz is stripped: the xz frame called by __libc_start_call_main)",
            "__libc_start_call_main",
            CallerIsDirect: false,
            f => f.Name == "lzma_code",
            f => f.Name == "main" || IsXzFrame(f),
            f => f.Name == "main" || (IsXzFrame(f) && f.Name is null),
            () =>
            {
                var start = new ProcessStartInfo("xz", ["-9", "-T1", "-c"]) { RedirectStandardInput = true, RedirectStandardOutput = true };
                var process = Process.Start(start)!;
                var cancel = new CancellationTokenSource();
                var drain = process.StandardOutput.BaseStream.CopyToAsync(Stream.Null, cancel.Token);
                var feed = Task.Run(() => FeedAsync(process.StandardInput.BaseStream, cancel.Token));
                return new RunningWorkload(process, async () =>
                {
                    await cancel.CancelAsync();
                    await Quietly(feed);
                    await Quietly(drain);
                    cancel.Dispose();
                });
            });
    }

    private static bool IsXzFrame(WorkloadFrame frame) => Path.GetFileName(frame.File) == "xz";

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

    // ---- C++ ----

    public const string CppSource = """
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

    private static BuildStyleWorkload Cpp(string directory)
    {
        var source = Path.Combine(directory, "spin.cpp");
        var binary = Path.Combine(directory, "spin-cpp");
        File.WriteAllText(source, CppSource);
        Run("g++", ["-O2", "-o", binary, source], directory, null, "install g++ (apt-get install g++)");
        return new BuildStyleWorkload(
            BuildStyle.Cpp,
            "C++ g++ -O2",
            "main → app::run → app::Worker::work → hot::spin<unsigned long>, built with g++ -O2 (no frame pointers), not stripped",
            "hot::spin<unsigned long>",
            "app::Worker::work",
            "main",
            "__libc_start_call_main",
            CallerIsDirect: true,
            f => f.Name is { } n && (n.Contains("hot::spin<unsigned long>", StringComparison.Ordinal) || (n.StartsWith("_Z", StringComparison.Ordinal) && n.Contains("3hot4spin", StringComparison.Ordinal))),
            f => f.Name is { } n && (n.Contains("app::Worker::work", StringComparison.Ordinal) || (n.StartsWith("_Z", StringComparison.Ordinal) && n.Contains("6Worker4work", StringComparison.Ordinal))),
            IsNativeMain,
            () => new RunningWorkload(Process.Start(new ProcessStartInfo(binary))!));
    }

    // ---- Rust ----

    public const string RustSource = """
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

    private static BuildStyleWorkload Rust(string directory)
    {
        var project = Path.Combine(directory, "rust");
        Directory.CreateDirectory(Path.Combine(project, "src"));
        File.WriteAllText(Path.Combine(project, "Cargo.toml"), "[package]\nname = \"fidelity\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\n");
        File.WriteAllText(Path.Combine(project, "src", "main.rs"), RustSource);
        Run("cargo", ["build", "--release", "--offline", "--quiet"], project, new() { ["CARGO_HOME"] = Path.Combine(directory, "cargo-home"), ["CARGO_TARGET_DIR"] = Path.Combine(project, "target") },
            "install a Rust toolchain (rustup or apt-get install cargo)");
        var binary = Path.Combine(project, "target", "release", "fidelity");
        return new BuildStyleWorkload(
            BuildStyle.Rust,
            "Rust release",
            "main → std::rt::lang_start → fidelity::main → fidelity::work → fidelity::spin, cargo build --release (legacy mangling), not stripped",
            "fidelity::spin",
            "fidelity::work",
            "main",
            "__libc_start_call_main",
            CallerIsDirect: true,
            f => f.Name is { } n && (n.Contains("fidelity::spin", StringComparison.Ordinal) || n.Contains("8fidelity4spin", StringComparison.Ordinal)),
            f => f.Name is { } n && (n.Contains("fidelity::work", StringComparison.Ordinal) || n.Contains("8fidelity4work", StringComparison.Ordinal)),
            IsNativeMain,
            () => new RunningWorkload(Process.Start(new ProcessStartInfo(binary))!));
    }

    // ---- Go ----

    public const string GoSource = """
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

    private static BuildStyleWorkload Go(string directory)
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
        return new BuildStyleWorkload(
            BuildStyle.Go,
            "Go stripped",
            $"runtime.main → main.main → main.work → main.spin, {version}, go build -ldflags='-s -w' (no symbol table, no DWARF)",
            "main.spin",
            "main.work",
            "runtime.goexit",
            null,
            CallerIsDirect: true,
            f => f.Name == "main.spin",
            f => f.Name == "main.work",
            f => f.Name == "runtime.goexit",
            () => new RunningWorkload(Process.Start(new ProcessStartInfo(binary))!));
    }

    // ---- processes ----

    /// <summary>Runs a tool to completion and returns its stdout; a tool that is not installed throws naming <paramref name="missing"/>.</summary>
    private static string Run(string file, string[] args, string? directory, Dictionary<string, string>? environment, string missing) =>
        Tool.Run(file, args, directory, environment, install: missing);

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
}
