using System.Globalization;

namespace OdigosUi.LoadTest;

/// <summary>A process's CPU time and memory as Linux reports them in /proc.</summary>
public static class ProcStats
{
    /// <summary>User + system CPU time (10 ms ticks).</summary>
    public static TimeSpan CpuTime(int pid) => StatCpuTime($"/proc/{pid}/stat");

    /// <summary>User + system CPU time of the process's threads named <paramref name="threadName"/> (as /proc shows it, at most 15 characters).</summary>
    public static TimeSpan ThreadCpuTime(int pid, string threadName)
    {
        var total = TimeSpan.Zero;
        foreach (var task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
        {
            try
            {
                if (File.ReadAllText(Path.Combine(task, "comm")).TrimEnd('\n') == threadName)
                {
                    total += StatCpuTime(Path.Combine(task, "stat"));
                }
            }
            catch (IOException)
            {
                // The thread ended while being read.
            }
        }

        return total;
    }

    private static TimeSpan StatCpuTime(string statPath)
    {
        var stat = File.ReadAllText(statPath);
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return TimeSpan.FromSeconds(ticks / 100.0);
    }

    /// <summary>Resident set size and its peak, in bytes.</summary>
    public static (long Rss, long Peak) Memory(int pid)
    {
        long rss = 0, peak = 0;
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                rss = Kilobytes(line);
            }
            else if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                peak = Kilobytes(line);
            }
        }

        return (rss, peak);
    }

    private static long Kilobytes(string line) =>
        long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
}
