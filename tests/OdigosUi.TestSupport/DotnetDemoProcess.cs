using System.Diagnostics;

namespace OdigosUi.TestSupport;

/// <summary>
/// The .NET demo service (<c>odigos-demo</c>, copied next to every project that references TestSupport) as a child
/// process, by default with <c>DOTNET_PerfMapEnabled=1</c> so its JIT-compiled methods are named in <c>/tmp/perf-PID.map</c>
/// from its start (<see cref="StartWithoutPerfMapAsync"/>: as users start it, for the profiler to turn the map on).
/// Disposing kills it and deletes the perf map and jitdump files it left.
/// </summary>
public sealed class DotnetDemoProcess : IAsyncDisposable
{
    public const string ExecutableName = "odigos-demo";

    private readonly Process _process;

    private DotnetDemoProcess(Process process)
    {
        _process = process;
    }

    /// <summary>The apphost, so /proc/PID/exe (and the workload name) is <c>odigos-demo</c>, not <c>dotnet</c>.</summary>
    public static string ExecutablePath => Path.Combine(AppContext.BaseDirectory, ExecutableName);

    public int Pid => _process.Id;

    public string PerfMapPath => $"/tmp/perf-{Pid}.map";

    /// <summary>Where the runtime writes its jitdump (with <c>DOTNET_PerfMapEnabled=1</c> or 2), which also lists precompiled methods as they are first used.</summary>
    public string JitDumpPath => $"/tmp/jit-{Pid}.dump";

    public bool HasExited => _process.HasExited;

    /// <summary>Starts the service with <paramref name="args"/> and waits until it printed "ready" (its hot path is compiled).</summary>
    public static Task<DotnetDemoProcess> StartAsync(params string[] args) =>
        StartAsync(new Dictionary<string, string> { ["DOTNET_PerfMapEnabled"] = "1" }, args);

    /// <summary>Starts the service with no perf map variable set: it writes no perf map unless asked through its diagnostics IPC.</summary>
    public static Task<DotnetDemoProcess> StartWithoutPerfMapAsync(params string[] args) => StartAsync(new Dictionary<string, string>(), args);

    /// <summary>
    /// Starts <c>odigos-demo framework</c>, spinning in precompiled CoreLib code, with call counting off so that code is
    /// never rejitted, and <paramref name="environment"/> (no perf map variable unless it sets one).
    /// </summary>
    public static Task<DotnetDemoProcess> StartFrameworkAsync(IReadOnlyDictionary<string, string>? environment = null) =>
        StartAsync(new Dictionary<string, string>(environment ?? new Dictionary<string, string>()) { ["DOTNET_TC_CallCounting"] = "0" }, "framework");

    /// <summary>Starts the service with <paramref name="environment"/> (and no perf map variable of this process's), and waits until it printed "ready".</summary>
    public static async Task<DotnetDemoProcess> StartAsync(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        if (!File.Exists(ExecutablePath))
        {
            throw new FileNotFoundException($"the .NET demo service is not next to the tests (build tests/OdigosUi.DemoService)", ExecutablePath);
        }

        var start = new ProcessStartInfo(ExecutablePath) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment.Remove("DOTNET_PerfMapEnabled");
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("odigos-demo did not start");
        var demo = new DotnetDemoProcess(process);
        _ = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            var line = await process.StandardOutput.ReadLineAsync(timeout.Token);
            if (line != "ready")
            {
                throw new InvalidOperationException($"odigos-demo said {line ?? "nothing"} instead of ready");
            }
        }
        catch
        {
            await demo.DisposeAsync();
            throw;
        }

        return demo;
    }

    /// <summary>Sends a command line, e.g. "discount" to start calling Checkout.ApplyDiscount.</summary>
    public async Task SendAsync(string command)
    {
        await _process.StandardInput.WriteLineAsync(command);
        await _process.StandardInput.FlushAsync();
    }

    /// <summary>The perf map lines so far (for assertion messages).</summary>
    public string[] PerfMapLines() => File.Exists(PerfMapPath) ? File.ReadAllLines(PerfMapPath) : [];

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
        File.Delete($"/tmp/perfinfo-{pid}.map");
        File.Delete($"/tmp/jit-{pid}.dump");
    }
}
