using OdigosUi.Profiler.Processes;

namespace OdigosUi.Profiler.Symbolization;

/// <summary>A mapped file as the kernel names it in /proc/PID/maps: device and inode, the same in every process and container.</summary>
public readonly record struct FileIdentity(string Device, ulong Inode);

/// <summary>
/// Parsed ELF files keyed by <see cref="FileIdentity"/> (so libc mapped by a hundred processes is parsed once), sharing
/// one symbol table between files with the same GNU build id (the same binary copied into several container images),
/// least recently used evicted beyond <see cref="MaxBytes"/> or <see cref="MaxEntries"/>. Files are opened through
/// <see cref="Files"/>. Not thread-safe.
/// </summary>
public sealed class ElfCache(long maxBytes = ElfCache.DefaultMaxBytes, int maxEntries = 1024, WorkloadFiles? files = null)
{
    public const long DefaultMaxBytes = 32L << 20;

    private readonly Dictionary<FileIdentity, LinkedListNode<Entry>> _entries = [];
    private readonly LinkedList<Entry> _order = [];
    private readonly Dictionary<string, (ElfFile Elf, int Users)> _byBuildId = new(StringComparer.Ordinal);

    public long MaxBytes { get; } = maxBytes;

    public int MaxEntries { get; } = maxEntries;

    public WorkloadFiles Files { get; } = files ?? WorkloadFiles.Shared;

    public int Count => _entries.Count;

    /// <summary>Bytes held by distinct parsed files (a file shared through its build id counts once).</summary>
    public long Bytes { get; private set; }

    /// <summary>Files parsed so far (cache misses), for tests and benchmarks.</summary>
    public long Parses { get; private set; }

    /// <summary>
    /// The ELF file with <paramref name="identity"/>, opened from the first of <paramref name="paths"/> that can be read;
    /// null (also cached) when none is an ELF file.
    /// </summary>
    public ElfFile? Get(FileIdentity identity, params ReadOnlySpan<string> paths) => Get(identity, verify: false, paths);

    /// <summary>
    /// <see cref="Get(FileIdentity, ReadOnlySpan{string})"/> for a process's mapping: a path that opens another file than
    /// the one with the mapping's device and inode is not read (a file the workload put in its place).
    /// </summary>
    public ElfFile? GetMapped(FileIdentity identity, params ReadOnlySpan<string> paths) => Get(identity, verify: true, paths);

    private ElfFile? Get(FileIdentity identity, bool verify, ReadOnlySpan<string> paths)
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
            if (ElfFile.TryOpen(path, Files, verify ? identity : null, out elf, out _))
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

    /// <summary>
    /// Looks once for the separate debug file of <paramref name="elf"/>, mapped at <paramref name="path"/> inside the
    /// file system at <paramref name="root"/> (a process's <c>/proc/PID/root</c>), where gdb and perf look: by build id
    /// under <c>/usr/lib/debug/.build-id</c>, then by its <c>.gnu_debuglink</c> beside the file, in its <c>.debug</c>
    /// folder and under <c>/usr/lib/debug</c>. A debug file with another build id is not used.
    /// </summary>
    public ElfFile? AttachDebugFile(ElfFile elf, string root, string path)
    {
        if (elf.DebugFileSearched)
        {
            return elf.DebugFile;
        }

        ElfFile? found = null;
        foreach (var candidate in DebugFileCandidates(elf, root, path))
        {
            if (ElfFile.TryOpen(candidate, Files, null, out var debug, out _) && debug is not null
                && (elf.BuildId is null || debug.BuildId == elf.BuildId)
                && (debug.SymbolSource == SymbolSource.Symtab || debug.Section(".debug_frame") is not null))
            {
                found = debug;
                break;
            }
        }

        var before = elf.EstimatedBytes;
        elf.AttachDebugFile(found);
        if (_entries.Values.Any(n => ReferenceEquals(n.Value.Elf, elf)))
        {
            Bytes += elf.EstimatedBytes - before;
        }

        return found;
    }

    private static IEnumerable<string> DebugFileCandidates(ElfFile elf, string root, string path)
    {
        if (elf.BuildId is { Length: > 2 } id)
        {
            yield return $"{root}/usr/lib/debug/.build-id/{id[..2]}/{id[2..]}.debug";
        }

        if (elf.DebugLink is { } link && System.IO.Path.GetDirectoryName(path) is { } directory)
        {
            if (System.IO.Path.GetFileName(path) != link)
            {
                yield return $"{root}{directory}/{link}";
            }

            yield return $"{root}{directory}/.debug/{link}";
            yield return $"{root}/usr/lib/debug{directory}/{link}";
        }
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
