using System.Diagnostics;
using System.Text;
using OdigosUi.Hosting;

namespace OdigosUi.Tests.Infrastructure;

/// <summary>
/// The real built <c>odigos-ui.dll</c> run as a child process (<c>dotnet odigos-ui.dll ARGS</c>), with its
/// standard output and error captured. Killed on dispose if still running.
/// </summary>
internal sealed class OdigosUiProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stderr = new();
    private readonly Task _stdoutDone;
    private readonly Task _stderrDone;
    private readonly MemoryStream _stdoutBytes = new();

    private OdigosUiProcess(Process process)
    {
        _process = process;
        _stdoutDone = Task.Run(async () =>
        {
            await process.StandardOutput.BaseStream.CopyToAsync(_stdoutBytes);
        });
        _stderrDone = Task.Run(async () =>
        {
            string? line;
            while ((line = await process.StandardError.ReadLineAsync()) is not null)
            {
                lock (_stderr)
                {
                    _stderr.AppendLine(line);
                }
            }
        });
    }

    /// <summary>Path of the built application, next to the test assembly.</summary>
    public static string AppDllPath => typeof(OdigosUiHost).Assembly.Location;

    public int Id => _process.Id;

    public string StandardError
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    /// <summary>Everything written to standard output; read it only after <see cref="WaitForExitAsync"/> returned true.</summary>
    public string StandardOutput => Encoding.UTF8.GetString(_stdoutBytes.ToArray());

    public static OdigosUiProcess Start(params string[] args)
    {
        ProcessStartInfo start = new(DotnetHost())
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(AppDllPath)!,
        };
        if (EnvCanResetSigInt.Value)
        {
            // A parent started in the background by a non-interactive shell ignores SIGINT, the child inherits that,
            // and .NET then leaves SIGINT ignored (as a background job should). Start the app with the default
            // disposition so the Ctrl+C test does not depend on how the test run itself was started.
            start.ArgumentList.Add("--default-signal=INT");
            start.ArgumentList.Add(start.FileName);
            start.FileName = "env";
        }

        start.ArgumentList.Add(AppDllPath);
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        // Keep the child's configuration to what the test passes.
        foreach (string key in new[] { "Role", "Ui__Url", "ASPNETCORE_URLS", "DOTNET_URLS", "ASPNETCORE_ENVIRONMENT" })
        {
            start.Environment.Remove(key);
        }

        Process process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
        process.StandardInput.Close();
        return new OdigosUiProcess(process);
    }

    /// <summary>Waits for the exit and for both output streams to be drained; false on timeout.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using CancellationTokenSource cts = new(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
            await Task.WhenAll(_stdoutDone, _stderrDone).WaitAsync(cts.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public int ExitCode => _process.ExitCode;

    public bool HasExited => _process.HasExited;

    public void Signal(int signal) => PosixSignal.Send(_process.Id, signal);

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        _process.Dispose();
    }

    // GNU env 8.31+ (any Debian since bullseye) has --default-signal.
    private static readonly Lazy<bool> EnvCanResetSigInt = new(() =>
    {
        try
        {
            using Process? probe = Process.Start(new ProcessStartInfo("env", ["--default-signal=INT", "true"])
            {
                UseShellExecute = false,
                RedirectStandardError = true,
                RedirectStandardOutput = true,
            });
            if (probe is null)
            {
                return false;
            }

            probe.WaitForExit(10_000);
            return probe.HasExited && probe.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    });

    private static string DotnetHost()
    {
        string? hostPath = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(hostPath) && File.Exists(hostPath))
        {
            return hostPath;
        }

        string? current = Environment.ProcessPath;
        if (current is not null && Path.GetFileNameWithoutExtension(current) == "dotnet")
        {
            return current;
        }

        return "dotnet";
    }
}
