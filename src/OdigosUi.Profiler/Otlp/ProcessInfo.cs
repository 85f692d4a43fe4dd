using System.Text.RegularExpressions;

namespace OdigosUi.Profiler.Otlp;

/// <summary>What the resource of a profiled process says about it, read from /proc while it runs.</summary>
public sealed partial record ProcessInfo(int Pid, string ExecutableName, string? ExecutablePath, string? ContainerId)
{
    public static ProcessInfo Read(int pid)
    {
        string? path = null;
        try
        {
            path = new FileInfo($"/proc/{pid}/exe").LinkTarget;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }

        var name = path is null ? ReadComm($"/proc/{pid}/comm") ?? $"pid-{pid}" : Path.GetFileName(path.Replace(" (deleted)", ""));
        return new ProcessInfo(pid, name, path, ReadContainerId(pid));
    }

    public static string? ReadThreadName(int pid, int tid) => ReadComm($"/proc/{pid}/task/{tid}/comm");

    /// <summary>The 64-hex-digit container id in /proc/PID/cgroup (docker, containerd, cri-o), if any.</summary>
    public static string? ParseContainerId(string cgroup)
    {
        foreach (var line in cgroup.Split('\n'))
        {
            var match = ContainerIdPattern().Match(line);
            if (match.Success)
            {
                return match.Groups[1].Value;
            }
        }

        return null;
    }

    private static string? ReadContainerId(int pid)
    {
        try
        {
            return ParseContainerId(File.ReadAllText($"/proc/{pid}/cgroup"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static string? ReadComm(string path)
    {
        try
        {
            return File.ReadAllText(path).TrimEnd('\n');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    [GeneratedRegex(@"(?:^|[/\-:])([0-9a-f]{64})(?:\.scope)?(?:/|$)")]
    private static partial Regex ContainerIdPattern();
}
