using System.ComponentModel;
using System.Diagnostics;

namespace OdigosUi.TestSupport;

/// <summary>Runs a command-line tool (a compiler, nm, readelf, c++filt, go) to completion for a test or a benchmark.</summary>
public static class Tool
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Runs <paramref name="file"/> and returns its standard output. A non-zero exit throws with its standard error
    /// (unless <paramref name="allowFailure"/> and it printed something); a tool that is not installed throws naming
    /// <paramref name="install"/>; one that runs past <paramref name="timeout"/> (5 minutes) is killed.
    /// </summary>
    public static string Run(
        string file,
        IEnumerable<string> arguments,
        string? workingDirectory = null,
        IReadOnlyDictionary<string, string>? environment = null,
        string? input = null,
        bool allowFailure = false,
        string? install = null,
        TimeSpan? timeout = null)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = input is not null,
            WorkingDirectory = workingDirectory ?? "",
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException($"{file} did not start");
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException($"{file} not found{(install is null ? "" : $": {install}")} ({e.Message})", e);
        }

        using (process)
        {
            var stderr = process.StandardError.ReadToEndAsync();
            var stdout = process.StandardOutput.ReadToEndAsync();
            if (input is not null)
            {
                process.StandardInput.Write(input);
                process.StandardInput.Close();
            }

            if (!process.WaitForExit(timeout ?? DefaultTimeout))
            {
                process.Kill(entireProcessTree: true);
                throw new InvalidOperationException($"{file} {string.Join(' ', start.ArgumentList)} did not finish in {(timeout ?? DefaultTimeout).TotalSeconds:N0} s");
            }

            process.WaitForExit();
            if (process.ExitCode != 0 && !(allowFailure && stdout.Result.Length > 0))
            {
                throw new InvalidOperationException($"{file} {string.Join(' ', start.ArgumentList)} failed ({process.ExitCode}): {stderr.Result}");
            }

            return stdout.Result;
        }
    }
}
