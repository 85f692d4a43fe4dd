using System.Text.RegularExpressions;

namespace OdigosUi.Profiler.Otlp;

/// <summary>What the resource of a profiled process says about it, read from /proc while it runs.</summary>
/// <remarks>The container id and pod UID come from the process's cgroup path, as the kubelet names it; the node
/// collector turns the pod UID into the pod's namespace, name and workload.</remarks>
public sealed partial record ProcessInfo(int Pid, string ExecutableName, string? ExecutablePath, string? ContainerId, string? PodUid = null)
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
        var cgroup = ReadCgroup(pid);
        return new ProcessInfo(pid, name, path, cgroup is null ? null : ParseContainerId(cgroup), cgroup is null ? null : ParsePodUid(cgroup));
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

    /// <summary>
    /// The pod UID in /proc/PID/cgroup: <c>/kubepods/besteffort/pod&lt;uid&gt;/…</c> (cgroupfs driver) or
    /// <c>…/kubepods-besteffort-pod&lt;uid with '_'&gt;.slice/…</c> (systemd driver), in the dashed form.
    /// </summary>
    public static string? ParsePodUid(string cgroup)
    {
        foreach (var line in cgroup.Split('\n'))
        {
            var match = PodUidPattern().Match(line);
            if (match.Success)
            {
                return match.Groups[1].Value.Replace('_', '-');
            }
        }

        return null;
    }

    private static string? ReadCgroup(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cgroup");
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

    [GeneratedRegex(@"[/\-]pod([0-9a-f]{8}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{12})(?:\.slice)?(?:/|$)")]
    private static partial Regex PodUidPattern();
}
