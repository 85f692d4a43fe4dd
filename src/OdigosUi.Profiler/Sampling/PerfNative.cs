using System.Runtime.InteropServices;

namespace OdigosUi.Profiler.Sampling;

/// <summary>perf_event_attr up to PERF_ATTR_SIZE_VER5 (112 bytes).</summary>
[StructLayout(LayoutKind.Explicit, Size = 112)]
internal struct PerfEventAttr
{
    [FieldOffset(0)] public uint Type;
    [FieldOffset(4)] public uint Size;
    [FieldOffset(8)] public ulong Config;
    [FieldOffset(16)] public ulong SampleFreq;
    [FieldOffset(24)] public ulong SampleType;
    [FieldOffset(32)] public ulong ReadFormat;
    [FieldOffset(40)] public ulong Flags;
    [FieldOffset(48)] public uint WakeupEvents;
    [FieldOffset(80)] public ulong SampleRegsUser;
    [FieldOffset(88)] public uint SampleStackUser;
    [FieldOffset(92)] public int ClockId;
}

/// <summary>The head of perf_event_mmap_page: only the fields the reader uses.</summary>
[StructLayout(LayoutKind.Explicit)]
internal struct PerfEventMmapPage
{
    [FieldOffset(1024)] public ulong DataHead;
    [FieldOffset(1032)] public ulong DataTail;
    [FieldOffset(1040)] public ulong DataOffset;
    [FieldOffset(1048)] public ulong DataSize;
}

internal static partial class PerfNative
{
    public const uint PerfTypeSoftware = 1;
    public const ulong PerfCountSwCpuClock = 0;

    public const ulong SampleTid = 1UL << 1;
    public const ulong SampleTime = 1UL << 2;
    public const ulong SampleCallchain = 1UL << 5;
    public const ulong SampleCpu = 1UL << 7;
    public const ulong SampleRegsUser = 1UL << 12;
    public const ulong SampleStackUser = 1UL << 13;

    /// <summary>perf_regs of x86-64 in sample order: bp (6), sp (7), ip (8).</summary>
    public const ulong X64RegsBpSpIp = (1UL << 6) | (1UL << 7) | (1UL << 8);

    public const ulong FlagDisabled = 1UL << 0;
    public const ulong FlagInherit = 1UL << 1;
    public const ulong FlagMmap = 1UL << 8;
    public const ulong FlagComm = 1UL << 9;
    public const ulong FlagFreq = 1UL << 10;
    public const ulong FlagTask = 1UL << 13;
    public const ulong FlagSampleIdAll = 1UL << 18;
    public const ulong FlagMmap2 = 1UL << 23;
    public const ulong FlagCommExec = 1UL << 24;
    public const ulong FlagUseClockId = 1UL << 25;

    /// <summary>mmap, comm (with exec), task (fork/exit) side-band records, each carrying pid, tid, time and cpu.</summary>
    public const ulong ProcessTrackingFlags = FlagMmap | FlagMmap2 | FlagComm | FlagCommExec | FlagTask | FlagSampleIdAll;

    public const uint RecordLost = 2;
    public const uint RecordComm = 3;
    public const uint RecordExit = 4;
    public const uint RecordSample = 9;
    public const uint RecordMmap2 = 10;

    public const ushort MiscCommExec = 1 << 13;
    public const ushort MiscMmapBuildId = 1 << 14;

    public const ulong IocEnable = 0x2400;
    public const ulong IocDisable = 0x2401;

    public const int ClockMonotonic = 1;
    public const ulong PerfFlagFdCloexec = 1UL << 3;

    public const int ProtRead = 1;
    public const int ProtWrite = 2;
    public const int MapShared = 1;
    public static readonly nint MapFailed = -1;

    public static long PerfEventOpenSyscall => RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => 298,
        Architecture.Arm64 => 241,
        var other => throw new ProfilerUnavailableException($"perf_event_open: unsupported architecture {other}"),
    };

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static unsafe partial long Syscall(long number, PerfEventAttr* attr, int pid, int cpu, int groupFd, ulong flags);

    public static unsafe int PerfEventOpen(ref PerfEventAttr attr, int pid, int cpu)
    {
        fixed (PerfEventAttr* p = &attr)
        {
            return (int)Syscall(PerfEventOpenSyscall, p, pid, cpu, -1, PerfFlagFdCloexec);
        }
    }

    [LibraryImport("libc", EntryPoint = "mmap", SetLastError = true)]
    public static partial nint Mmap(nint addr, nuint length, int prot, int flags, int fd, long offset);

    [LibraryImport("libc", EntryPoint = "munmap", SetLastError = true)]
    public static partial int Munmap(nint addr, nuint length);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    public static partial int Ioctl(int fd, ulong request, ulong arg);

    [LibraryImport("libc", EntryPoint = "clock_gettime", SetLastError = true)]
    private static unsafe partial int ClockGetTime(int clock, long* timespec);

    public static unsafe long MonotonicNanoseconds()
    {
        long* ts = stackalloc long[2];
        ClockGetTime(ClockMonotonic, ts);
        return ts[0] * 1_000_000_000 + ts[1];
    }

    public static string ErrnoName(int errno) => errno switch
    {
        1 => "EPERM",
        2 => "ENOENT",
        7 => "E2BIG",
        12 => "ENOMEM",
        13 => "EACCES",
        19 => "ENODEV",
        22 => "EINVAL",
        24 => "EMFILE",
        95 => "EOPNOTSUPP",
        3 => "ESRCH",
        _ => $"errno {errno}",
    };
}
