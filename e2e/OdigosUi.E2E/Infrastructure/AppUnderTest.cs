using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace OdigosUi.E2E.Infrastructure;

/// <summary>The real odigos-ui executable on free loopback ports with its own data folder; its log is kept for failures.</summary>
public sealed class AppUnderTest : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();

    private AppUnderTest(Process process, string dataDir, int ui, int http, int grpc)
    {
        _process = process;
        DataDir = dataDir;
        Url = new Uri($"http://127.0.0.1:{ui}");
        OtlpHttp = new Uri($"http://127.0.0.1:{http}");
        OtlpGrpc = new Uri($"http://127.0.0.1:{grpc}");
    }

    public Uri Url { get; }

    public Uri OtlpHttp { get; }

    public Uri OtlpGrpc { get; }

    public string DataDir { get; }

    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    /// <param name="launcher">A command that runs the app, e.g. <c>setpriv --bounding-set=-all --</c> to take every capability away.</param>
    public static async Task<AppUnderTest> StartAsync(IEnumerable<string>? extraArgs = null, IDictionary<string, string>? environment = null, string? dataDir = null, IReadOnlyList<string>? launcher = null)
    {
        if (!File.Exists(RepoPaths.AppDll))
        {
            throw new FileNotFoundException("odigos-ui is not built; `dotnet build` the solution first", RepoPaths.AppDll);
        }

        dataDir ??= Directory.CreateTempSubdirectory("odigos-ui-e2e-").FullName;
        int ui = FreePort(), http = FreePort(), grpc = FreePort();
        var start = new ProcessStartInfo(launcher is [var tool, ..] ? tool : "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(RepoPaths.AppDll)!,
        };
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        string[] args =
        [
            .. launcher is { Count: > 0 } ? [.. launcher.Skip(1), "dotnet"] : Array.Empty<string>(),
            RepoPaths.AppDll, $"--Ui:Url=http://127.0.0.1:{ui}", $"--Otlp:HttpUrl=http://127.0.0.1:{http}", $"--Otlp:GrpcUrl=http://127.0.0.1:{grpc}",
            $"--Storage:DataDir={dataDir}", "--Kubernetes:Mode=embedded", .. extraArgs ?? [],
        ];
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start odigos-ui");
        var app = new AppUnderTest(process, dataDir, ui, http, grpc);
        process.OutputDataReceived += (_, e) => app.Append(e.Data);
        process.ErrorDataReceived += (_, e) => app.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var client = new HttpClient { BaseAddress = app.Url, Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"odigos-ui exited with {process.ExitCode} during start-up:\n{app.Log}");
            }

            try
            {
                if ((await client.GetAsync("/healthz")).StatusCode == HttpStatusCode.OK)
                {
                    return app;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
            }

            await Task.Delay(100);
        }

        await app.DisposeAsync();
        throw new TimeoutException($"odigos-ui did not answer /healthz within 90 s:\n{app.Log}");
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_log)
        {
            if (_log.Length < 1_000_000)
            {
                _log.AppendLine(line);
            }
        }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        try
        {
            Directory.Delete(DataDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
