namespace OdigosUi.Profiler.Symbolization;

/// <summary>Parsed ELF files keyed by (path, inode, size, mtime), least recently used evicted beyond the capacity.</summary>
public sealed class ElfCache(int capacity = 256)
{
    private readonly record struct Key(string Path, ulong Inode, long Size, DateTime ModifiedUtc);

    private readonly Dictionary<Key, LinkedListNode<(Key Key, ElfFile? Elf)>> _entries = [];
    private readonly LinkedList<(Key Key, ElfFile? Elf)> _order = [];

    public int Count => _entries.Count;

    /// <summary>The ELF file at <paramref name="path"/>, or null when it cannot be read or is not ELF (also cached).</summary>
    public ElfFile? Get(string path, ulong inode)
    {
        FileInfo info;
        try
        {
            info = new FileInfo(path);
            if (!info.Exists)
            {
                return null;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return null;
        }

        var key = new Key(path, inode, info.Length, info.LastWriteTimeUtc);
        if (_entries.TryGetValue(key, out var node))
        {
            _order.Remove(node);
            _order.AddFirst(node);
            return node.Value.Elf;
        }

        ElfFile.TryOpen(path, out var elf, out _);
        _entries[key] = _order.AddFirst((key, elf));
        while (_entries.Count > capacity && _order.Last is { } last)
        {
            _order.RemoveLast();
            _entries.Remove(last.Value.Key);
        }

        return elf;
    }
}
