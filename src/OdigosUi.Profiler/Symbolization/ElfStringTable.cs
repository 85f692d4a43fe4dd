using System.Text;
using OdigosUi.Profiler.Processes;

namespace OdigosUi.Profiler.Symbolization;

/// <summary>
/// Length, modification time and inode of a file, to tell it is still the file that was parsed (the inode, not the
/// device: through a /proc/PID/map_files link an overlayfs file may show its layer's device).
/// </summary>
public readonly record struct FileStamp(long Length, DateTime ModifiedUtc, ulong Inode = 0);

/// <summary>
/// Names of an ELF string table read from the file when first needed (one open, one small read), through whichever
/// of the remembered paths still opens the same file. A name that cannot be read any more is null (unnamed frame).
/// </summary>
internal sealed class ElfStringTable(string path, ulong offset, ulong size, FileStamp stamp, WorkloadFiles files) : ISymbolNameReader
{
    private const int ChunkBytes = 256;
    private const int MaxNameBytes = 64 * 1024;

    private readonly RecentPaths _paths = new(path);

    public void Remember(ReadOnlySpan<string> paths) => _paths.Remember(paths);

    public string? Read(int nameOffset)
    {
        if ((ulong)nameOffset >= size)
        {
            return null;
        }

        foreach (var candidate in _paths.Snapshot())
        {
            try
            {
                using var file = files.Open(candidate, WorkloadFileKind.Elf);
                if (file is null || file.Stamp != stamp)
                {
                    continue;
                }

                return ReadName(file.Handle, (long)offset + nameOffset, (long)(size - (ulong)nameOffset));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
            {
            }
        }

        return null;
    }

    private static string? ReadName(Microsoft.Win32.SafeHandles.SafeFileHandle handle, long position, long available)
    {
        Span<byte> chunk = stackalloc byte[ChunkBytes];
        var name = new List<byte>();
        while (name.Count < MaxNameBytes && available > 0)
        {
            var read = RandomAccess.Read(handle, chunk[..(int)Math.Min(ChunkBytes, available)], position);
            if (read <= 0)
            {
                return null;
            }

            var end = chunk[..read].IndexOf((byte)0);
            if (end >= 0 && name.Count == 0)
            {
                return Encoding.UTF8.GetString(chunk[..end]);
            }

            name.AddRange(chunk[..(end >= 0 ? end : read)]);
            if (end >= 0)
            {
                break;
            }

            position += read;
            available -= read;
        }

        return Encoding.UTF8.GetString(name.ToArray());
    }
}
