using System.Globalization;
using Microsoft.Win32.SafeHandles;
using OdigosUi.Profiler.Symbolization;

namespace OdigosUi.Profiler.Processes;

/// <summary>What a file the profiler opens for a workload is read as; each kind has its own size limit.</summary>
public enum WorkloadFileKind
{
    /// <summary>An ELF object or its separate debug file: the limit bounds the bytes of its sections read into memory.</summary>
    Elf,
    PerfMap,
    ReadyToRun,
}

/// <summary>Why a workload file was not read (counted in <see cref="WorkloadFileStats"/>).</summary>
public enum WorkloadFileRefusal
{
    /// <summary>A FIFO, socket, device or directory where a file was expected (opened non-blocking, never read).</summary>
    NotRegularFile,

    /// <summary>Larger than the limit of its kind.</summary>
    TooLarge,

    /// <summary>Not the file the process maps: another device or inode than its /proc/PID/maps line.</summary>
    NotTheMappedFile,

    /// <summary>A link that leaves the process's root through /proc (a "magic link"), or too many links.</summary>
    UnsafeLink,

    /// <summary>Shorter than its headers say (truncated while it was read).</summary>
    Truncated,
}

/// <summary>Limits of the bytes read from workload files (see <see cref="WorkloadFileKind"/>).</summary>
public sealed record WorkloadFileLimits
{
    public const long DefaultMaxElfBytes = 128L << 20;
    public const long DefaultMaxPerfMapBytes = 64L << 20;
    public const long DefaultMaxReadyToRunBytes = 256L << 20;

    public long MaxElfBytes { get; init; } = DefaultMaxElfBytes;

    public long MaxPerfMapBytes { get; init; } = DefaultMaxPerfMapBytes;

    public long MaxReadyToRunBytes { get; init; } = DefaultMaxReadyToRunBytes;

    public long For(WorkloadFileKind kind) => kind switch
    {
        WorkloadFileKind.PerfMap => MaxPerfMapBytes,
        WorkloadFileKind.ReadyToRun => MaxReadyToRunBytes,
        _ => MaxElfBytes,
    };

    public void Validate()
    {
        foreach (var (name, value) in (ReadOnlySpan<(string, long)>)[(nameof(MaxElfBytes), MaxElfBytes), (nameof(MaxPerfMapBytes), MaxPerfMapBytes), (nameof(MaxReadyToRunBytes), MaxReadyToRunBytes)])
        {
            if (value < 1 << 20)
            {
                throw new ArgumentOutOfRangeException(name, value, "must be at least 1 MiB");
            }
        }
    }
}

/// <summary>A workload file opened for reading: a regular file, with what statx said of it when it was opened.</summary>
public sealed class WorkloadFile(SafeFileHandle handle, string path, FileStamp stamp) : IDisposable
{
    public SafeFileHandle Handle { get; } = handle;

    public string Path { get; } = path;

    public FileStamp Stamp { get; } = stamp;

    public long Length => Stamp.Length;

    /// <summary>
    /// Reads exactly <paramref name="buffer"/>'s length at <paramref name="offset"/> with positioned reads; false when
    /// the file is shorter now (truncated since it was opened).
    /// </summary>
    public bool TryReadExactly(Span<byte> buffer, long offset)
    {
        var done = 0;
        while (done < buffer.Length)
        {
            var read = RandomAccess.Read(Handle, buffer[done..], offset + done);
            if (read <= 0)
            {
                return false;
            }

            done += read;
        }

        return true;
    }

    public void Dispose() => Handle.Dispose();
}

/// <summary>A Unix socket of a workload held open by an O_PATH descriptor; connecting to <see cref="ConnectPath"/> reaches that socket.</summary>
public sealed class WorkloadSocket(SafeFileHandle handle) : IDisposable
{
    public string ConnectPath => $"/proc/self/fd/{handle.DangerousGetHandle()}";

    public void Dispose() => handle.Dispose();
}

/// <summary>Files skipped by why, and the last few skipped (what the profiler's status shows).</summary>
public sealed record WorkloadFileStats(IReadOnlyDictionary<string, long> Skipped, IReadOnlyList<SkippedWorkloadFile> Recent)
{
    public static WorkloadFileStats None { get; } = new(new Dictionary<string, long>(), []);
}

public sealed record SkippedWorkloadFile(string Path, string Reason, string Detail);

/// <summary>
/// The one way the profiler, running as root, opens a file a workload controls: its mapped ELF objects and their debug
/// files, its perf map, its .NET assemblies. A path under <c>/proc/PID/root</c> is resolved by
/// <c>openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS)</c> from that root, so an absolute symbolic link in a container
/// stays in the container (on kernels without openat2, the links are followed by hand under the same rules); every
/// open is non-blocking and only a regular file is returned (a FIFO at a perf map path cannot block the reading
/// thread); a mapped file must have the device and inode of its /proc/PID/maps line; a file larger than the limit of
/// its kind is not read. The files are then read with positioned reads (never mapped: a workload can truncate them).
/// Refusals are counted. Thread-safe.
/// </summary>
public sealed class WorkloadFiles(WorkloadFileLimits? limits = null)
{
    private const int MaxRecent = 16;
    private const int MaxLinks = 40;
    private static int s_openat2 = 1;

    private readonly bool _resolveByHand;

    private readonly Lock _lock = new();
    private readonly long[] _skipped = new long[Enum.GetValues<WorkloadFileRefusal>().Length];
    private readonly Queue<SkippedWorkloadFile> _recent = new();

    /// <summary>For the fallback's tests: resolves paths in a root as on a kernel without openat2.</summary>
    internal WorkloadFiles(WorkloadFileLimits? limits, bool resolveByHand)
        : this(limits)
    {
        _resolveByHand = resolveByHand;
    }

    public WorkloadFileLimits Limits { get; } = limits ?? new WorkloadFileLimits();

    /// <summary>Files of the tests and tools that pass no <see cref="WorkloadFiles"/>.</summary>
    public static WorkloadFiles Shared { get; } = new();

    public WorkloadFileStats Stats
    {
        get
        {
            lock (_lock)
            {
                var skipped = new Dictionary<string, long>();
                foreach (var refusal in Enum.GetValues<WorkloadFileRefusal>())
                {
                    if (_skipped[(int)refusal] > 0)
                    {
                        skipped[refusal.ToString()] = _skipped[(int)refusal];
                    }
                }

                return new WorkloadFileStats(skipped, [.. _recent]);
            }
        }
    }

    /// <summary>
    /// Counts a file not read (also for refusals found by its reader: <see cref="WorkloadFileRefusal.Truncated"/>, a
    /// section over the limit); the recent list holds each path and reason once, latest last.
    /// </summary>
    public void Skipped(string path, WorkloadFileRefusal refusal, string detail)
    {
        lock (_lock)
        {
            _skipped[(int)refusal]++;
            var reason = refusal.ToString();
            if (_recent.Any(r => r.Path == path && r.Reason == reason))
            {
                var others = _recent.Where(r => r.Path != path || r.Reason != reason).ToList();
                _recent.Clear();
                others.ForEach(_recent.Enqueue);
            }

            _recent.Enqueue(new SkippedWorkloadFile(path, reason, detail));
            while (_recent.Count > MaxRecent)
            {
                _recent.Dequeue();
            }
        }
    }

    /// <summary>
    /// Opens <paramref name="path"/> for reading as a file of <paramref name="kind"/>; null (the refusal counted) when it
    /// cannot be opened, is not a regular file, is not the <paramref name="mapped"/> file or is over the size limit.
    /// <c>/proc/PID/root/...</c> resolves inside that root; <c>/proc/PID/map_files/...</c> opens the mapped file itself;
    /// any other path is opened as the profiler sees it, where a perf map (in a /tmp anyone can write) must not be a
    /// symbolic link.
    /// </summary>
    public WorkloadFile? Open(string path, WorkloadFileKind kind, FileIdentity? mapped = null)
    {
        var noFollow = kind == WorkloadFileKind.PerfMap && !TrySplitRoot(path, out _, out _);
        var flags = WorkloadNative.ORdOnly | WorkloadNative.ONonBlock | WorkloadNative.OCloExec | (noFollow ? WorkloadNative.ONoFollow : 0);
        var fd = OpenFd(path, flags, _resolveByHand, out var error);
        if (fd < 0)
        {
            if (-fd == WorkloadNative.ELOOP)
            {
                error ??= noFollow ? "a symbolic link, refused outside a process's root" : "a link leaves the process's root through /proc, or loops";
            }

            if (error is not null)
            {
                Skipped(path, WorkloadFileRefusal.UnsafeLink, error);
            }

            return null;
        }

        var handle = new SafeFileHandle(fd, ownsHandle: true);
        try
        {
            if (WorkloadNative.Stat(fd) is not { } stat)
            {
                handle.Dispose();
                return null;
            }

            if (stat.Type != WorkloadNative.SIfReg)
            {
                Skipped(path, WorkloadFileRefusal.NotRegularFile, $"a {TypeName(stat.Type)}, not a regular file");
                handle.Dispose();
                return null;
            }

            if (mapped is { } identity && !IsMappedFile(fd, stat, identity))
            {
                Skipped(path, WorkloadFileRefusal.NotTheMappedFile, $"device {stat.DeviceMajor:x}:{stat.DeviceMinor:x} inode {stat.Inode}, mapped: {identity.Device} inode {identity.Inode}");
                handle.Dispose();
                return null;
            }

            // An ELF file's reader bounds the sections it reads, a perf map's reader the bytes it parses (the map grows).
            var limit = Limits.For(kind);
            if (kind == WorkloadFileKind.ReadyToRun && (long)stat.Size > limit)
            {
                Skipped(path, WorkloadFileRefusal.TooLarge, $"{stat.Size} bytes, over the {kind} limit of {limit}");
                handle.Dispose();
                return null;
            }

            var modified = DateTime.UnixEpoch.AddSeconds(stat.ModifiedSeconds).AddTicks(stat.ModifiedNanoseconds / 100);
            return new WorkloadFile(handle, path, new FileStamp((long)stat.Size, modified, stat.Inode));
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    private static string TypeName(uint type) => type switch
    {
        0x1000 => "FIFO",
        0x2000 => "character device",
        WorkloadNative.SIfDir => "directory",
        0x6000 => "block device",
        WorkloadNative.SIfLnk => "symbolic link",
        0xC000 => "socket",
        _ => $"file of type {type >> 12}",
    };

    /// <summary>
    /// Creates (or opens, when it exists) the empty file at <paramref name="path"/> with <paramref name="mode"/>, resolved
    /// as <see cref="Open"/> resolves and never through a link as its last component, and gives it to
    /// <paramref name="uid"/>:<paramref name="gid"/> by its descriptor: a JVM's attach trigger in the JVM's own /tmp.
    /// False with the reason when it cannot.
    /// </summary>
    public static bool TryCreateEmpty(string path, UnixFileMode mode, uint uid, uint gid, out string? error)
    {
        var fd = OpenFd(path, WorkloadNative.OWrOnly | WorkloadNative.OCreat | WorkloadNative.ONoFollow | WorkloadNative.ONonBlock | WorkloadNative.OCloExec, false, out error, (int)mode);
        if (fd < 0)
        {
            error ??= System.Runtime.InteropServices.Marshal.GetPInvokeErrorMessage(-fd);
            return false;
        }

        try
        {
            if (WorkloadNative.Stat(fd) is not { Type: WorkloadNative.SIfReg })
            {
                error = "not a regular file";
                return false;
            }

            if (WorkloadNative.Fchown(fd, uid, gid) != 0)
            {
                error = $"chown: {System.Runtime.InteropServices.Marshal.GetPInvokeErrorMessage(System.Runtime.InteropServices.Marshal.GetLastPInvokeError())}";
                return false;
            }

            return true;
        }
        finally
        {
            WorkloadNative.Close(fd);
        }
    }

    /// <summary>
    /// The Unix socket at <paramref name="path"/> (a JVM's attach socket in its /tmp), resolved as <see cref="Open"/>
    /// resolves, held open as an O_PATH descriptor: connect to <see cref="WorkloadSocket.ConnectPath"/>, which is that
    /// very socket (a link planted there cannot send the connection to a socket of the host). Null when it is not a socket.
    /// </summary>
    public static WorkloadSocket? OpenSocket(string path)
    {
        var fd = OpenFd(path, WorkloadNative.OPath | WorkloadNative.OCloExec, false, out _);
        if (fd < 0)
        {
            return null;
        }

        if (WorkloadNative.Stat(fd) is not { Type: WorkloadNative.SIfSock })
        {
            WorkloadNative.Close(fd);
            return null;
        }

        return new WorkloadSocket(new SafeFileHandle(fd, ownsHandle: true));
    }

    /// <summary>
    /// The maps line's device and inode are the opened file's; on overlayfs kernels before 6.8 the line shows the
    /// underlying layer's device (the inode is the same), so there the inode alone decides.
    /// </summary>
    private static bool IsMappedFile(int fd, WorkloadNative.FileStat stat, FileIdentity identity)
    {
        if (stat.Inode != identity.Inode)
        {
            return false;
        }

        var colon = identity.Device.IndexOf(':');
        var sameDevice = colon > 0
            && uint.TryParse(identity.Device.AsSpan(0, colon), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var major)
            && uint.TryParse(identity.Device.AsSpan(colon + 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var minor)
            && major == stat.DeviceMajor && minor == stat.DeviceMinor;
        return sameDevice || WorkloadNative.FileSystemType(fd) == WorkloadNative.OverlayFsMagic;
    }

    /// <summary>A file descriptor, or -errno (with <paramref name="error"/> set when the path was refused, not just missing).</summary>
    private static int OpenFd(string path, int flags, bool byHand, out string? error, int mode = 0)
    {
        error = null;
        if (!TrySplitRoot(path, out var root, out var inside))
        {
            return WorkloadNative.OpenAt(WorkloadNative.AtFdCwd, path, flags, mode);
        }

        var rootFd = WorkloadNative.OpenAt(WorkloadNative.AtFdCwd, root, WorkloadNative.OPath | WorkloadNative.ODirectory | WorkloadNative.OCloExec);
        if (rootFd < 0)
        {
            return rootFd;
        }

        try
        {
            if (!byHand && Volatile.Read(ref s_openat2) == 1)
            {
                var fd = WorkloadNative.OpenAt2(rootFd, inside, flags, WorkloadNative.ResolveInRoot | WorkloadNative.ResolveNoMagicLinks, mode);
                if (fd != -WorkloadNative.ENOSYS && fd != -WorkloadNative.EPERM)
                {
                    return fd;
                }

                // Kernels before 5.6 (ENOSYS; older container seccomp profiles answer EPERM): resolve by hand, under the same rules.
                if (fd == -WorkloadNative.ENOSYS)
                {
                    Volatile.Write(ref s_openat2, 0);
                }
            }

            return OpenInRootByHand(rootFd, inside, flags, mode, out error);
        }
        finally
        {
            WorkloadNative.Close(rootFd);
        }
    }

    /// <summary>Splits <c>/proc/PID/root/REST</c> into the root and <c>/REST</c>.</summary>
    internal static bool TrySplitRoot(string path, out string root, out string inside)
    {
        root = inside = "";
        if (!path.StartsWith("/proc/", StringComparison.Ordinal))
        {
            return false;
        }

        var slash = path.IndexOf('/', 6);
        if (slash < 0 || !int.TryParse(path.AsSpan(6, slash - 6), NumberStyles.None, CultureInfo.InvariantCulture, out _)
            || !path.AsSpan(slash).StartsWith("/root/"))
        {
            return false;
        }

        root = path[..(slash + 5)];
        inside = path[(slash + 5)..];
        return true;
    }

    /// <summary>
    /// RESOLVE_IN_ROOT by hand: each component opened O_PATH | O_NOFOLLOW from its parent; a symbolic link is read and
    /// its target walked instead (an absolute one from the root), ".." never goes above the root, and a link into
    /// /proc of the profiler (a "magic link") is never followed because every link is resolved here, as text.
    /// </summary>
    private static int OpenInRootByHand(int rootFd, string inside, int flags, int mode, out string? error)
    {
        error = null;
        var pending = new Stack<string>(Components(inside).Reverse());
        var parents = new Stack<int>();
        var current = WorkloadNative.OpenAt(rootFd, ".", WorkloadNative.OPath | WorkloadNative.ODirectory | WorkloadNative.OCloExec);
        if (current < 0)
        {
            return current;
        }

        var links = 0;
        try
        {
            while (pending.TryPop(out var component))
            {
                if (component == "..")
                {
                    if (parents.TryPop(out var parent))
                    {
                        WorkloadNative.Close(current);
                        current = parent;
                    }

                    continue;
                }

                var last = pending.Count == 0;
                var next = WorkloadNative.OpenAt(current, component, WorkloadNative.OPath | WorkloadNative.ONoFollow | WorkloadNative.OCloExec);
                if (next < 0)
                {
                    // A file to create does not exist yet.
                    return last && (flags & WorkloadNative.OCreat) != 0 && -next == WorkloadNative.ENOENT
                        ? WorkloadNative.OpenAt(current, component, flags | WorkloadNative.ONoFollow, mode)
                        : next;
                }

                if (WorkloadNative.Stat(next) is { Type: WorkloadNative.SIfLnk })
                {
                    var target = WorkloadNative.ReadLink(next);
                    WorkloadNative.Close(next);
                    if ((flags & WorkloadNative.ONoFollow) != 0 && last)
                    {
                        return -WorkloadNative.ELOOP;
                    }

                    if (target is null || ++links > MaxLinks)
                    {
                        error = "a link loops or cannot be read";
                        return -WorkloadNative.ELOOP;
                    }

                    if (target.StartsWith('/'))
                    {
                        while (parents.TryPop(out var parent))
                        {
                            WorkloadNative.Close(current);
                            current = parent;
                        }
                    }

                    foreach (var part in Components(target).Reverse())
                    {
                        pending.Push(part);
                    }

                    continue;
                }

                if (last)
                {
                    WorkloadNative.Close(next);
                    return WorkloadNative.OpenAt(current, component, flags | WorkloadNative.ONoFollow, mode);
                }

                parents.Push(current);
                current = next;
            }

            return -WorkloadNative.EINVAL;
        }
        finally
        {
            WorkloadNative.Close(current);
            while (parents.TryPop(out var parent))
            {
                WorkloadNative.Close(parent);
            }
        }
    }

    private static IEnumerable<string> Components(string path) =>
        path.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(c => c != ".");
}
