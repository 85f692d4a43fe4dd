using System.Text;

namespace OdigosUi.Profiler.Symbolization;

/// <summary>Length and modification time of a file, to tell it is still the file that was parsed.</summary>
public readonly record struct FileStamp(long Length, DateTime ModifiedUtc);

/// <summary>
/// Names of an ELF string table read from the file when first needed (one open, one small read), through whichever
/// of the remembered paths still opens the same file. A name that cannot be read any more is null (unnamed frame).
/// </summary>
internal sealed class ElfStringTable(string path, ulong offset, ulong size, FileStamp stamp) : ISymbolNameReader
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
                using var handle = File.OpenHandle(candidate, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                if (RandomAccess.GetLength(handle) != stamp.Length || File.GetLastWriteTimeUtc(handle) != stamp.ModifiedUtc)
                {
                    continue;
                }

                return ReadName(handle, (long)offset + nameOffset, (long)(size - (ulong)nameOffset));
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
