using System.Globalization;

namespace OdigosUi.Profiler.Symbolization;

/// <summary>One line of /proc/PID/maps.</summary>
public sealed record MemoryMapping(ulong Start, ulong End, string Permissions, ulong Offset, string Device, ulong Inode, string Path)
{
    public bool IsExecutable => Permissions.Length >= 3 && Permissions[2] == 'x';

    /// <summary>
    /// Backed by a file that can hold symbols: not anonymous, not [vdso]/[stack], not a memfd (.NET maps its JIT code
    /// from <c>/memfd:doublemapper</c>: those addresses are named by the perf map).
    /// </summary>
    public bool IsFileBacked => Inode != 0 && Path.StartsWith('/') && !Path.StartsWith("/memfd:", StringComparison.Ordinal);

    public FileIdentity Identity => new(Device, Inode);

    public bool Contains(ulong address) => address >= Start && address < End;

    /// <summary>The mapping a PERF_RECORD_MMAP2 describes, as its /proc/PID/maps line would.</summary>
    public static MemoryMapping From(in Sampling.PerfMmapRecord record)
    {
        var path = System.Text.Encoding.UTF8.GetString(record.FileName);
        return new MemoryMapping(
            record.Start,
            record.Start + record.Length,
            record.Shared ? "r-xs" : "r-xp",
            record.FileOffset,
            $"{record.Major:x2}:{record.Minor:x2}",
            record.Inode,
            path == "//anon" ? "" : path);
    }
}

/// <summary>The mappings of one process, sorted by start address.</summary>
public sealed class ProcessMaps
{
    private readonly MemoryMapping[] _mappings;

    public ProcessMaps(IEnumerable<MemoryMapping> mappings)
    {
        _mappings = mappings.OrderBy(m => m.Start).ToArray();
    }

    public IReadOnlyList<MemoryMapping> Mappings => _mappings;

    /// <summary>These mappings with <paramref name="added"/>, which replaces every mapping it overlaps.</summary>
    public ProcessMaps With(MemoryMapping added) =>
        new(_mappings.Where(m => m.End <= added.Start || m.Start >= added.End).Append(added));

    public static ProcessMaps Read(int pid) => Parse(File.ReadAllText($"/proc/{pid}/maps"));

    /// <summary>The executable mappings of <paramref name="pid"/> (the only ones a sampled address can fall in).</summary>
    public static ProcessMaps ReadExecutable(int pid)
    {
        var mappings = new List<MemoryMapping>();
        using var stream = new FileStream($"/proc/{pid}/maps", FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 1);
        Utf8Lines.ForEach(stream, line =>
        {
            // "start-end perms ...": perms[2] is 'x' for executable mappings; parse only those.
            var space = line.IndexOf((byte)' ');
            if (space > 0 && line.Length > space + 3 && line[space + 3] == 'x'
                && TryParseLine(System.Text.Encoding.UTF8.GetString(line), out var mapping))
            {
                mappings.Add(mapping);
            }
        });

        return new ProcessMaps(mappings);
    }

    public static ProcessMaps ReadSelf() => Parse(File.ReadAllText("/proc/self/maps"));

    public static ProcessMaps Parse(string text)
    {
        var mappings = new List<MemoryMapping>();
        foreach (var line in text.Split('\n'))
        {
            if (TryParseLine(line, out var mapping))
            {
                mappings.Add(mapping);
            }
        }

        return new ProcessMaps(mappings);
    }

    public static bool TryParseLine(string line, out MemoryMapping mapping)
    {
        mapping = null!;
        var span = line.AsSpan();
        if (!NextField(ref span, out var range) || !NextField(ref span, out var perms) || !NextField(ref span, out var offset)
            || !NextField(ref span, out var device) || !NextField(ref span, out var inode))
        {
            return false;
        }

        var dash = range.IndexOf('-');
        if (dash < 0
            || !ulong.TryParse(range[..dash], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var start)
            || !ulong.TryParse(range[(dash + 1)..], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var end)
            || !ulong.TryParse(offset, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var fileOffset)
            || !ulong.TryParse(inode, NumberStyles.None, CultureInfo.InvariantCulture, out var inodeNumber))
        {
            return false;
        }

        var path = span.Trim().ToString();
        mapping = new MemoryMapping(start, end, perms.ToString(), fileOffset, device.ToString(), inodeNumber, path);
        return true;
    }

    private static bool NextField(ref ReadOnlySpan<char> span, out ReadOnlySpan<char> field)
    {
        span = span.TrimStart(' ');
        var space = span.IndexOf(' ');
        if (span.IsEmpty)
        {
            field = default;
            return false;
        }

        field = space < 0 ? span : span[..space];
        span = space < 0 ? default : span[space..];
        return true;
    }

    public MemoryMapping? Find(ulong address)
    {
        int lo = 0, hi = _mappings.Length - 1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            var m = _mappings[mid];
            if (address < m.Start)
            {
                hi = mid - 1;
            }
            else if (address >= m.End)
            {
                lo = mid + 1;
            }
            else
            {
                return m;
            }
        }

        return null;
    }
}
