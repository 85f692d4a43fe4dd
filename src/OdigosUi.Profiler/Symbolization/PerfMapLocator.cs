namespace OdigosUi.Profiler.Symbolization;

/// <summary>
/// Where a process's JIT perf map is: <c>/tmp/perf-NSPID.map</c> in the process's own mount namespace (a container's
/// <c>/tmp</c>, reached through <c>/proc/PID/root</c>, named by the pid the process has in its pid namespace), else
/// <c>/tmp/perf-PID.map</c> of the profiler's own root. Only a regular file counts (opened through <see cref="Processes.WorkloadFiles"/>).
/// </summary>
public static class PerfMapLocator
{
    public static string? Find(int pid, Processes.WorkloadFiles? files = null)
    {
        files ??= Processes.WorkloadFiles.Shared;
        foreach (var path in (ReadOnlySpan<string>)[$"/proc/{pid}/root/tmp/perf-{NamespacePid(pid)}.map", $"/tmp/perf-{pid}.map"])
        {
            using var file = files.Open(path, Processes.WorkloadFileKind.PerfMap);
            if (file is not null)
            {
                return path;
            }
        }

        return null;
    }

    /// <summary>The pid of <paramref name="pid"/> in its own (innermost) pid namespace; the pid itself when unknown.</summary>
    public static int NamespacePid(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("NSpid:", StringComparison.Ordinal))
                {
                    var parts = line.Split('\t', ' ', StringSplitOptions.RemoveEmptyEntries);
                    return int.Parse(parts[^1], System.Globalization.CultureInfo.InvariantCulture);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
        }

        return pid;
    }
}
