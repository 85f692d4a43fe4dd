namespace OdigosUi.Profiler.Symbolization;

/// <summary>A mapped file as the kernel names it in /proc/PID/maps: device and inode, the same in every process and container.</summary>
public readonly record struct FileIdentity(string Device, ulong Inode);

/// <summary>
/// Parsed ELF files keyed by <see cref="FileIdentity"/> (so libc mapped by a hundred processes is parsed once), sharing
/// one symbol table between files with the same GNU build id (the same binary copied into several container images),
/// least recently used evicted beyond <see cref="MaxBytes"/> or <see cref="MaxEntries"/>. Not thread-safe.
/// </summary>
public sealed class ElfCache(long maxBytes = ElfCache.DefaultMaxBytes, int maxEntries = 1024)
{
    public const long DefaultMaxBytes = 32L << 20;

    private readonly Dictionary<FileIdentity, LinkedListNode<Entry>> _entries = [];
    private readonly LinkedList<Entry> _order = [];
    private readonly Dictionary<string, (ElfFile Elf, int Users)> _byBuildId = new(StringComparer.Ordinal);

    public long MaxBytes { get; } = maxBytes;

    public int MaxEntries { get; } = maxEntries;

    public int Count => _entries.Count;

    /// <summary>Bytes held by distinct parsed files (a file shared through its build id counts once).</summary>
    public long Bytes { get; private set; }

    /// <summary>Files parsed so far (cache misses), for tests and benchmarks.</summary>
    public long Parses { get; private set; }

    /// <summary>
    /// The ELF file with <paramref name="identity"/>, opened from the first of <paramref name="paths"/> that can be read;
    /// null (also cached) when none is an ELF file.
    /// </summary>
    public ElfFile? Get(FileIdentity identity, params ReadOnlySpan<string> paths)
    {
        if (_entries.TryGetValue(identity, out var node))
        {
            _order.Remove(node);
            _order.AddFirst(node);
            node.Value.Elf?.RememberPaths(paths);
            return node.Value.Elf;
        }

        Parses++;
        ElfFile? elf = null;
        foreach (var path in paths)
        {
            if (ElfFile.TryOpen(path, out elf, out _))
            {
                break;
            }
        }

        elf = Share(elf);
        elf?.RememberPaths(paths);
        _entries[identity] = _order.AddFirst(new Entry(identity, elf));
        while ((Bytes > MaxBytes || _entries.Count > MaxEntries) && _order.Last is { } last && last != _order.First)
        {
            Remove(last);
        }

        return elf;
    }

    private ElfFile? Share(ElfFile? elf)
    {
        if (elf is null)
        {
            return null;
        }

        if (elf.BuildId is not { } buildId)
        {
            Bytes += elf.EstimatedBytes;
            return elf;
        }

        if (_byBuildId.TryGetValue(buildId, out var shared))
        {
            _byBuildId[buildId] = (shared.Elf, shared.Users + 1);
            return shared.Elf;
        }

        _byBuildId[buildId] = (elf, 1);
        Bytes += elf.EstimatedBytes;
        return elf;
    }

    private void Remove(LinkedListNode<Entry> node)
    {
        _order.Remove(node);
        _entries.Remove(node.Value.Identity);
        if (node.Value.Elf is not { } elf)
        {
            return;
        }

        if (elf.BuildId is { } buildId && _byBuildId.TryGetValue(buildId, out var shared))
        {
            if (shared.Users > 1)
            {
                _byBuildId[buildId] = (shared.Elf, shared.Users - 1);
                return;
            }

            _byBuildId.Remove(buildId);
        }

        Bytes -= elf.EstimatedBytes;
    }

    private sealed record Entry(FileIdentity Identity, ElfFile? Elf);
}
