using System.Diagnostics;

namespace OdigosUi.TestSupport;

/// <summary>
/// A pod's container cgroup laid out as the kubelet's cgroupfs driver does (<c>…/besteffort/pod&lt;UID&gt;/&lt;container
/// id&gt;</c>), made in this machine's cgroup v2 hierarchy (else a v1 one), so that a process started in it reads in
/// <c>/proc/PID/cgroup</c> exactly like a container of that pod. Needs root.
/// </summary>
public sealed class PodCgroup : IDisposable
{
    private const string Root = "kubepods-odigos-test";

    private readonly string _hierarchy;
    private readonly List<Process> _processes = [];

    private PodCgroup(string hierarchy, string podUid, string containerId)
    {
        _hierarchy = hierarchy;
        PodUid = podUid;
        ContainerId = containerId;
        Directory.CreateDirectory(ContainerDirectory);
    }

    public string PodUid { get; }

    public string ContainerId { get; }

    private string PodDirectory => Path.Combine(_hierarchy, Root, "besteffort", $"pod{PodUid}");

    private string ContainerDirectory => Path.Combine(PodDirectory, ContainerId);

    public static PodCgroup Create(string podUid)
    {
        var hierarchy = new[] { "/sys/fs/cgroup", "/sys/fs/cgroup/unified" }.FirstOrDefault(h => File.Exists(Path.Combine(h, "cgroup.controllers")))
            ?? new[] { "/sys/fs/cgroup/pids", "/sys/fs/cgroup/cpu", "/sys/fs/cgroup/systemd" }.FirstOrDefault(h => File.Exists(Path.Combine(h, "cgroup.procs")))
            ?? throw new InvalidOperationException("no cgroup hierarchy is mounted under /sys/fs/cgroup");
        return new PodCgroup(hierarchy, podUid, Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)));
    }

    /// <summary>Starts <paramref name="program"/> inside the container's cgroup (it joins before it execs, so it never runs outside).</summary>
    public Process Start(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo("/bin/sh") { RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("echo $$ > \"$0\" && exec \"$@\"");
        start.ArgumentList.Add(Path.Combine(ContainerDirectory, "cgroup.procs"));
        start.ArgumentList.Add(program);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start");
        _processes.Add(process);
        return process;
    }

    public void Dispose()
    {
        foreach (var process in _processes)
        {
            try
            {
                process.Kill();
                process.WaitForExit(5_000);
            }
            catch (InvalidOperationException)
            {
            }

            process.Dispose();
        }

        // A cgroup is removed with rmdir once its processes are gone, innermost first; a parent another test still
        // uses stays.
        foreach (var directory in new[] { ContainerDirectory, PodDirectory })
        {
            for (var attempt = 0; attempt < 50 && Directory.Exists(directory); attempt++)
            {
                try
                {
                    Directory.Delete(directory);
                }
                catch (IOException)
                {
                    Thread.Sleep(100);
                }
            }
        }

        foreach (var parent in new[] { Path.Combine(_hierarchy, Root, "besteffort"), Path.Combine(_hierarchy, Root) })
        {
            try
            {
                Directory.Delete(parent);
            }
            catch (IOException)
            {
            }
        }
    }
}
