using System.Runtime.InteropServices;

namespace OdigosUi.Profiler.Processes;

/// <summary>The Linux calls <see cref="WorkloadFiles"/> opens and checks files with (x86-64 and arm64 flag values).</summary>
internal static unsafe partial class WorkloadNative
{
    private const long SysOpenat2 = 437;
    public const int AtFdCwd = -100;
    public const int AtEmptyPath = 0x1000;
    public const int AtSymlinkNoFollow = 0x100;
    public const int EPERM = 1;
    public const int ENOENT = 2;
    public const int ENOSYS = 38;
    public const int ELOOP = 40;
    public const int ENXIO = 6;
    public const int EXDEV = 18;
    public const int EINVAL = 22;
    public const int ENOTDIR = 20;
    public const ulong ResolveNoMagicLinks = 0x02;
    public const ulong ResolveInRoot = 0x10;
    public const uint SIfMt = 0xF000;
    public const uint SIfReg = 0x8000;
    public const uint SIfDir = 0x4000;
    public const uint SIfLnk = 0xA000;
    public const long OverlayFsMagic = 0x794c7630;

    private static readonly bool Arm = RuntimeInformation.ProcessArchitecture == Architecture.Arm64;

    public const int ORdOnly = 0;
    public const int OWrOnly = 1;
    public const int OCreat = 0x40;
    public const uint SIfSock = 0xC000;
    public const int ONonBlock = 0x800;
    public const int OCloExec = 0x80000;
    public const int OPath = 0x200000;
    public static readonly int ONoFollow = Arm ? 0x8000 : 0x20000;
    public static readonly int ODirectory = Arm ? 0x4000 : 0x10000;

    [StructLayout(LayoutKind.Sequential)]
    private struct OpenHow
    {
        public ulong Flags;
        public ulong Mode;
        public ulong Resolve;
    }

    /// <summary>What statx says of an open file.</summary>
    public readonly record struct FileStat(uint Mode, ulong Size, ulong Inode, uint DeviceMajor, uint DeviceMinor, long ModifiedSeconds, uint ModifiedNanoseconds)
    {
        public uint Type => Mode & SIfMt;
    }

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial long Syscall(long number, int dirfd, byte* path, OpenHow* how, nuint size);

    [LibraryImport("libc", EntryPoint = "openat", SetLastError = true)]
    private static partial int OpenAt(int dirfd, byte* path, int flags, int mode);

    [LibraryImport("libc", EntryPoint = "fchown", SetLastError = true)]
    public static partial int Fchown(int fd, uint owner, uint group);

    [LibraryImport("libc", EntryPoint = "close")]
    public static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true)]
    private static partial int Statx(int dirfd, byte* path, int flags, uint mask, byte* buffer);

    [LibraryImport("libc", EntryPoint = "fstatfs", SetLastError = true)]
    private static partial int Fstatfs(int fd, byte* buffer);

    [LibraryImport("libc", EntryPoint = "readlinkat", SetLastError = true)]
    private static partial nint ReadLinkAt(int dirfd, byte* path, byte* buffer, nuint size);

    /// <summary>openat2(2); -errno on failure.</summary>
    public static int OpenAt2(int dirfd, string path, int flags, ulong resolve, int mode = 0)
    {
        var how = new OpenHow { Flags = (ulong)(uint)flags, Mode = (ulong)mode, Resolve = resolve };
        fixed (byte* p = Utf8(path))
        {
            var fd = Syscall(SysOpenat2, dirfd, p, &how, (nuint)sizeof(OpenHow));
            return fd >= 0 ? (int)fd : -Marshal.GetLastPInvokeError();
        }
    }

    /// <summary>openat(2); -errno on failure.</summary>
    public static int OpenAt(int dirfd, string path, int flags, int mode = 0)
    {
        fixed (byte* p = Utf8(path))
        {
            var fd = OpenAt(dirfd, p, flags, mode);
            return fd >= 0 ? fd : -Marshal.GetLastPInvokeError();
        }
    }

    /// <summary>statx(2) of the open file <paramref name="fd"/> (an O_PATH one too: a symbolic link is not followed).</summary>
    public static FileStat? Stat(int fd)
    {
        const uint StatxBasicStats = 0x7ff;
        var buffer = stackalloc byte[256];
        fixed (byte* empty = "\0"u8)
        {
            if (Statx(fd, empty, AtEmptyPath | AtSymlinkNoFollow, StatxBasicStats, buffer) != 0)
            {
                return null;
            }
        }

        return new FileStat(
            *(ushort*)(buffer + 28),
            *(ulong*)(buffer + 40),
            *(ulong*)(buffer + 32),
            *(uint*)(buffer + 136),
            *(uint*)(buffer + 140),
            *(long*)(buffer + 112),
            *(uint*)(buffer + 120));
    }

    /// <summary>The file system type (<c>f_type</c> of fstatfs) of the open file; 0 when unknown.</summary>
    public static long FileSystemType(int fd)
    {
        var buffer = stackalloc byte[256];
        return Fstatfs(fd, buffer) == 0 ? *(long*)buffer : 0;
    }

    /// <summary>The target of the symbolic link opened (O_PATH | O_NOFOLLOW) as <paramref name="fd"/>; null when it is not one.</summary>
    public static string? ReadLink(int fd)
    {
        var buffer = stackalloc byte[4096];
        fixed (byte* empty = "\0"u8)
        {
            var n = ReadLinkAt(fd, empty, buffer, 4096);
            return n is > 0 and < 4096 ? System.Text.Encoding.UTF8.GetString(buffer, (int)n) : null;
        }
    }

    private static byte[] Utf8(string s)
    {
        var bytes = new byte[System.Text.Encoding.UTF8.GetByteCount(s) + 1];
        System.Text.Encoding.UTF8.GetBytes(s, bytes);
        return bytes;
    }
}
