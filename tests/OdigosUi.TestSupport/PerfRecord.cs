using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace OdigosUi.TestSupport;

/// <summary>
/// <c>perf record</c> (linux-perf) as the reference profiler: started with the caller's arguments, stopped with SIGINT
/// so perf.data is complete, then read back with <c>perf script</c> as leaf-first stacks per pid.
/// </summary>
public sealed class PerfRecord : IDisposable
{
    private readonly Process _process;
    private readonly string _output;
    private readonly Task<string> _stderr;

    private PerfRecord(Process process, string output)
    {
        _process = process;
        _output = output;
        _stderr = process.StandardError.ReadToEndAsync();
        _ = process.StandardOutput.ReadToEndAsync();
    }

    public int Pid => _process.Id;

    /// <summary>Starts <c>perf record -o TEMP ARGS</c> and waits until it has opened its events (it says so on stderr only at the end, so give it a moment).</summary>
    public static async Task<PerfRecord> StartAsync(params string[] args)
    {
        var output = Path.Combine(Path.GetTempPath(), $"odigos-perf-{Guid.NewGuid():N}.data");
        var start = new ProcessStartInfo("perf") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in (string[])["record", "-q", "-o", output, .. args])
        {
            start.ArgumentList.Add(arg);
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("perf did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"these tests compare with perf record: install linux-perf (apt-get install linux-perf): {e.Message}", e);
        }

        var perf = new PerfRecord(process, output);
        await Task.Delay(500);
        if (process.HasExited)
        {
            throw new InvalidOperationException($"perf record {string.Join(' ', args)} exited with {process.ExitCode}: {await perf._stderr}");
        }

        return perf;
    }

    /// <summary>Stops recording with SIGINT, so perf writes a complete perf.data, and waits for it.</summary>
    public async Task StopAsync()
    {
        if (!_process.HasExited && Kill(_process.Id, 2) != 0)
        {
            throw new InvalidOperationException($"could not stop perf: errno {Marshal.GetLastPInvokeError()}");
        }

        await _process.WaitForExitAsync();
    }

    /// <summary>Stops recording and returns every sample of <paramref name="pid"/> as its frames' symbols, leaf first.</summary>
    public async Task<IReadOnlyList<IReadOnlyList<string>>> StopAsync(int pid)
    {
        await StopAsync();
        var script = new ProcessStartInfo("perf", ["script", "-i", _output, "-F", "pid,ip,sym"]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var reader = Process.Start(script) ?? throw new InvalidOperationException("perf script did not start");
        var stderr = reader.StandardError.ReadToEndAsync();
        var text = await reader.StandardOutput.ReadToEndAsync();
        await reader.WaitForExitAsync();
        if (reader.ExitCode != 0)
        {
            throw new InvalidOperationException($"perf script failed ({reader.ExitCode}): {await stderr}; perf record said: {await _stderr}");
        }

        return ParseScript(text, pid);
    }

    /// <summary>
    /// Samples of <c>perf script -F pid,ip,sym</c> output: a line with the pid (right-aligned, so maybe indented with
    /// spaces), then one tab-indented "ip sym" line per frame.
    /// </summary>
    public static IReadOnlyList<IReadOnlyList<string>> ParseScript(string text, int pid)
    {
        var samples = new List<IReadOnlyList<string>>();
        List<string>? current = null;
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0)
            {
                continue;
            }

            if (line[0] != '\t')
            {
                current = int.TryParse(line.Trim().Split(' ')[0], NumberStyles.None, CultureInfo.InvariantCulture, out var samplePid) && samplePid == pid ? [] : null;
                if (current is not null)
                {
                    samples.Add(current);
                }

                continue;
            }

            var parts = line.Trim().Split(' ', 2, StringSplitOptions.RemoveEmptyEntries);
            current?.Add(parts.Length > 1 ? parts[1] : "[unknown]");
        }

        return samples;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit();
        }

        _process.Dispose();
        File.Delete(_output);
        File.Delete(_output + ".old");
    }

#pragma warning disable SYSLIB1054 // LibraryImport would need AllowUnsafeBlocks in this project.
    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Kill(int pid, int signal);
#pragma warning restore SYSLIB1054
}
