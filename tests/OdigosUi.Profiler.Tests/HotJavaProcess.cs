using System.Diagnostics;
using System.Globalization;
using OdigosUi.TestSupport;

namespace OdigosUi.Profiler.Tests;

/// <summary>
/// A Java program (compiled with javac at test time) whose main thread spends its time in <c>Hot.spinJava</c>, called
/// by <c>Hot.callerJava</c>, called by <c>main</c> in a loop, until its seconds are up; it says "ready" after warming
/// up (the JIT compiles callerJava after about 2.5 s). Started with no perf map option. Disposing kills the JVM and
/// deletes the perf map and attach socket it leaves in /tmp.
/// </summary>
internal sealed class HotJavaProcess : IAsyncDisposable
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

    private readonly Process _process;
    private readonly List<string> _output = [];

    private HotJavaProcess(Process process) => _process = process;

    public int Pid => _process.Id;

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

    public string PerfMapPath => $"/tmp/perf-{Pid}.map";

    /// <summary>Starts <c>java OPTIONS -cp DIR Hot WARMUP SECONDS</c> and waits until it printed "ready".</summary>
    public static async Task<HotJavaProcess> StartAsync(IEnumerable<string> jvmOptions, int warmUpSeconds = 0, int seconds = 120)
    {
        var start = new ProcessStartInfo("java") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var option in jvmOptions.Concat(["-cp", Compiled.Value, "Hot", warmUpSeconds.ToString(CultureInfo.InvariantCulture), seconds.ToString(CultureInfo.InvariantCulture)]))
        {
            start.ArgumentList.Add(option);
        }

        var java = new HotJavaProcess(Process.Start(start) ?? throw new InvalidOperationException("java did not start"));
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        java._process.OutputDataReceived += (_, line) =>
        {
            lock (java._output)
            {
                java._output.Add(line.Data ?? "");
            }

            if (line.Data == "ready")
            {
                ready.TrySetResult();
            }
        };
        java._process.BeginOutputReadLine();
        _ = java._process.StandardError.ReadToEndAsync();
        try
        {
            await ready.Task.WaitAsync(TimeSpan.FromSeconds(30 + warmUpSeconds));
        }
        catch
        {
            await java.DisposeAsync();
            throw;
        }

        return java;
    }

    public async ValueTask DisposeAsync()
    {
        var pid = _process.Id;
        if (!_process.HasExited)
        {
            _process.Kill();
        }

        await _process.WaitForExitAsync();
        _process.Dispose();
        File.Delete($"/tmp/perf-{pid}.map");
        File.Delete($"/tmp/.java_pid{pid}");
        File.Delete($"/tmp/.attach_pid{pid}");
    }

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
