namespace OdigosUi.Profiler.Symbolization;

/// <summary>
/// Where a process's JIT perf map is: <c>/tmp/perf-NSPID.map</c> in the process's own mount namespace (a container's
/// <c>/tmp</c>, reached through <c>/proc/PID/root</c>, named by the pid the process has in its pid namespace).
/// </summary>
public static class PerfMapLocator
{
    public static string? Find(int pid)
    {
        var inside = $"/proc/{pid}/root/tmp/perf-{NamespacePid(pid)}.map";
        if (File.Exists(inside))
        {
            return inside;
        }

        var host = $"/tmp/perf-{pid}.map";
        return File.Exists(host) ? host : null;
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
