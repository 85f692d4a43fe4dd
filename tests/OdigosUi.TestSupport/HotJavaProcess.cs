using System.Diagnostics;
using System.Globalization;

namespace OdigosUi.TestSupport;

/// <summary>
/// A Java program (compiled with javac at test time) whose main thread spends its time in <c>Hot.spinJava</c>, called
/// by <c>Hot.callerJava</c>, called by <c>main</c> in a loop, until its seconds are up; it says "ready" after warming
/// up (the JIT compiles callerJava after about 2.5 s). Started with no perf map option. Disposing kills the JVM and
/// deletes the perf map and attach socket it leaves in /tmp.
/// </summary>
public sealed class HotJavaProcess : IAsyncDisposable
{
    public const string SpinJava = "Hot.spinJava";
    public const string CallerJava = "Hot.callerJava";

    // spinJava's loop body is 32 mixing steps (789 bytes of bytecode), far above the sizes the JIT inlines (C1 35, C2
    // 325 for hot calls), so spinJava keeps a frame of its own under callerJava without a -XX:CompileCommand.
    // callerJava runs for milliseconds, so main's loop takes minutes to be OSR-compiled (and callerJava inlined in it).
    private static readonly string Source = $$"""
        public class Hot {
            static long sink;

            static long spinJava(long n) {
                long a = n, b = n ^ 0x9E3779B97F4A7C15L, c = ~n, d = n * 31;
                for (long i = 0; i < n; i++) {
        {{string.Join('\n', Enumerable.Range(0, 32).Select(MixingStep))}}
                }
                return a ^ b ^ c ^ d;
            }

            static void callerJava() {
                for (int i = 0; i < 10; i++) {
                    sink += spinJava(20_000);
                }
            }

            public static void main(String[] args) {
                long warm = System.nanoTime() + Long.parseLong(args[0]) * 1_000_000_000L;
                while (System.nanoTime() < warm) {
                    callerJava();
                }

                System.out.println("ready");
                long end = System.nanoTime() + Long.parseLong(args[1]) * 1_000_000_000L;
                while (System.nanoTime() < end) {
                    callerJava();
                }
            }
        }
        """;

    private static readonly Lazy<string> Compiled = new(Compile);

    // In namespaces of its own, /tmp is a tmpfs only the JVM sees: its classes are copied there from the working
    // directory (the compiled classes, hidden under the new /tmp).
    private const string IsolatedLauncher = "mount -t tmpfs tmpfs /tmp && mkdir /tmp/hot && cp Hot.class /tmp/hot/ && exec java \"$@\"";

    private readonly Process _process;
    private readonly List<string> _output;

    private HotJavaProcess(Process process, List<string> output, int pid, int namespacePid)
    {
        _process = process;
        _output = output;
        Pid = pid;
        NamespacePid = namespacePid;
    }

    /// <summary>The JVM's pid on the host.</summary>
    public int Pid { get; }

    /// <summary>The JVM's pid in its pid namespace (1 in namespaces of its own).</summary>
    public int NamespacePid { get; }

    /// <summary>What the JVM printed so far (a thread dump, when it got a SIGQUIT without an attach trigger).</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return string.Join('\n', _output);
            }
        }
    }

    public string PerfMapPath => $"/proc/{Pid}/root/tmp/perf-{NamespacePid}.map";

    /// <summary>
    /// Starts <c>java OPTIONS -cp DIR Hot WARMUP SECONDS</c> and waits until it printed "ready". With
    /// <paramref name="ownNamespaces"/>, the JVM is pid 1 of a pid and mount namespace of its own with a private /tmp,
    /// as in a container (<c>unshare --pid --mount</c>).
    /// </summary>
    public static async Task<HotJavaProcess> StartAsync(IEnumerable<string> jvmOptions, int warmUpSeconds = 0, int seconds = 120, bool ownNamespaces = false)
    {
        var classes = Compiled.Value;
        var start = new ProcessStartInfo(ownNamespaces ? "unshare" : "java") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = classes };
        var launcher = ownNamespaces ? ["--pid", "--mount", "--kill-child", "sh", "-c", IsolatedLauncher, "sh"] : Array.Empty<string>();
        var program = new[] { "-cp", ownNamespaces ? "/tmp/hot" : classes, "Hot", warmUpSeconds.ToString(CultureInfo.InvariantCulture), seconds.ToString(CultureInfo.InvariantCulture) };
        foreach (var argument in launcher.Concat(jvmOptions).Concat(program))
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"{start.FileName} did not start");
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var output = new List<string>();
        process.OutputDataReceived += (_, line) =>
        {
            lock (output)
            {
                output.Add(line.Data ?? "");
            }

            if (line.Data == "ready")
            {
                ready.TrySetResult();
            }
        };
        process.BeginOutputReadLine();
        var errors = process.StandardError.ReadToEndAsync();
        try
        {
            await ready.Task.WaitAsync(TimeSpan.FromSeconds(30 + warmUpSeconds));
        }
        catch (TimeoutException)
        {
            process.Kill();
            throw new InvalidOperationException($"{start.FileName} {string.Join(' ', start.ArgumentList)} did not say ready: {await errors}");
        }

        return ownNamespaces ? new HotJavaProcess(process, output, ForkedChild(process.Id), 1) : new HotJavaProcess(process, output, process.Id, process.Id);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
        }

        await _process.WaitForExitAsync();
        _process.Dispose();
        if (NamespacePid == Pid)
        {
            File.Delete($"/tmp/perf-{Pid}.map");
            File.Delete($"/tmp/.java_pid{Pid}");
            File.Delete($"/tmp/.attach_pid{Pid}");
        }
    }

    private static int ForkedChild(int pid) => int.Parse(File.ReadAllText($"/proc/{pid}/task/{pid}/children").Split(' ', StringSplitOptions.RemoveEmptyEntries).Single(), CultureInfo.InvariantCulture);

    private static string MixingStep(int i)
    {
        var (a, b, c, d) = ("abcd"[i % 4], "abcd"[(i + 1) % 4], "abcd"[(i + 2) % 4], "abcd"[(i + 3) % 4]);
        return $"            {a} += {b} ^ ({c} >>> {i % 23 + 5}); {d} = Long.rotateLeft({d} ^ {a}, {i % 29 + 3});";
    }

    private static string Compile()
    {
        var directory = new TempDirectory("odigos-jvm-");
        AppDomain.CurrentDomain.ProcessExit += (_, _) => directory.Dispose();
        var source = Path.Combine(directory.Path, "Hot.java");
        File.WriteAllText(source, Source);
        Tool.Run("javac", ["-d", directory.Path, source], install: "a JDK 17+ (javac)");
        return directory.Path;
    }
}
