using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace OdigosUi.LoadTest;

/// <summary>The real odigos-ui executable on free loopback ports, with its CPU time and memory read from /proc.</summary>
public sealed class AppProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _dataDir;

    private AppProcess(Process process, string dataDir, int uiPort, int httpPort, int grpcPort)
    {
        _process = process;
        _dataDir = dataDir;
        Ui = new Uri($"http://127.0.0.1:{uiPort}");
        OtlpHttp = new Uri($"http://127.0.0.1:{httpPort}");
        OtlpGrpc = new Uri($"http://127.0.0.1:{grpcPort}");
    }

    public Uri Ui { get; }

    public Uri OtlpHttp { get; }

    public Uri OtlpGrpc { get; }

    public int Pid => _process.Id;

    public static Task<AppProcess> StartAsync(params string[] extraArgs) =>
        StartDllAsync(typeof(OdigosUi.Hosting.OdigosUiHost).Assembly.Location, extraArgs);

    /// <summary>Starts the app with extra environment variables (e.g. <c>DOTNET_GCHeapHardLimit</c>).</summary>
    public static Task<AppProcess> StartAsync(IReadOnlyDictionary<string, string> environment, params string[] extraArgs) =>
        StartDllAsync(typeof(OdigosUi.Hosting.OdigosUiHost).Assembly.Location, environment, extraArgs);

    /// <summary>Starts the odigos-ui.dll at <paramref name="dll"/> (another build, e.g. the one before a change).</summary>
    public static Task<AppProcess> StartDllAsync(string dll, params string[] extraArgs) =>
        StartDllAsync(dll, new Dictionary<string, string>(), extraArgs);

    public static async Task<AppProcess> StartDllAsync(string dll, IReadOnlyDictionary<string, string> environment, params string[] extraArgs)
    {
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException("odigos-ui.dll is not next to the load test; build the solution first", dll);
        }

        var dataDir = Directory.CreateTempSubdirectory("odigos-ui-load-").FullName;
        int ui = FreePort(), http = FreePort(), grpc = FreePort();
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        foreach (var arg in new[]
        {
            dll, $"--Ui:Url=http://127.0.0.1:{ui}", $"--Otlp:HttpUrl=http://127.0.0.1:{http}",
            $"--Otlp:GrpcUrl=http://127.0.0.1:{grpc}", $"--Storage:DataDir={dataDir}", "--Kubernetes:Mode=embedded", "--Profiling:ProfilerEnabled=false",
        }.Concat(extraArgs))
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start odigos-ui");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { Console.Error.WriteLine($"[app] {e.Data}"); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var app = new AppProcess(process, dataDir, ui, http, grpc);
        using var client = new HttpClient { BaseAddress = app.Ui, Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"odigos-ui exited with {process.ExitCode} during start-up");
            }

            try
            {
                if ((await client.GetAsync("/healthz")).StatusCode == HttpStatusCode.OK)
                {
                    return app;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }

            await Task.Delay(100);
        }

        throw new TimeoutException("odigos-ui did not answer /healthz within 60 s");
    }

    /// <summary>User + system CPU time the process has used.</summary>
    public TimeSpan CpuTime() => ProcStats.CpuTime(Pid);

    /// <summary>Resident set size and its peak, in bytes.</summary>
    public (long Rss, long Peak) Memory() => ProcStats.Memory(Pid);

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        Directory.Delete(_dataDir, recursive: true);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
