namespace OdigosUi.Profiler.Symbolization.ReadyToRun;

/// <summary>
/// Parsed ReadyToRun images keyed by <see cref="FileIdentity"/> (System.Private.CoreLib.dll mapped by every .NET
/// process of a node is parsed once), least recently used evicted beyond <see cref="MaxBytes"/> (their tables and the
/// names decoded so far) or <see cref="MaxEntries"/>. A file that is not a ReadyToRun image is remembered as such, so
/// each file is opened once. Not thread-safe.
/// </summary>
public sealed class ReadyToRunCache(long maxBytes = ReadyToRunCache.DefaultMaxBytes, int maxEntries = 1024, Processes.WorkloadFiles? files = null)
{
    private readonly Processes.WorkloadFiles _files = files ?? Processes.WorkloadFiles.Shared;

    public const long DefaultMaxBytes = 32L << 20;

    private const long EntryBytes = 128;

    private readonly Dictionary<FileIdentity, LinkedListNode<Entry>> _entries = [];
    private readonly LinkedList<Entry> _order = [];

    public long MaxBytes { get; } = maxBytes;

    public int MaxEntries { get; } = maxEntries;

    public int Count => _entries.Count;

    /// <summary>Files opened so far (cache misses), for tests and benchmarks.</summary>
    public long Parses { get; private set; }

    /// <summary>Bytes held by the cached images, as they are now (names decoded since they were cached included).</summary>
    public long Bytes => _order.Sum(e => EntryBytes + (e.Image?.EstimatedBytes ?? 0));

    /// <summary>
    /// The image with <paramref name="identity"/>, parsed from the first of <paramref name="paths"/> that can be read;
    /// null (also cached) when that file is not a ReadyToRun image or none can be read.
    /// </summary>
    public ReadyToRunImage? Get(FileIdentity identity, params ReadOnlySpan<string> paths) => Get(identity, verify: false, paths);

    /// <summary><see cref="Get(FileIdentity, ReadOnlySpan{string})"/> for a mapping: only the file with its device and inode is read.</summary>
    public ReadyToRunImage? GetMapped(FileIdentity identity, params ReadOnlySpan<string> paths) => Get(identity, verify: true, paths);

    private ReadyToRunImage? Get(FileIdentity identity, bool verify, ReadOnlySpan<string> paths)
    {
        if (_entries.TryGetValue(identity, out var node))
        {
            _order.Remove(node);
            _order.AddFirst(node);
            node.Value.Image?.RememberPaths(paths);
            return node.Value.Image;
        }

        Parses++;
        ReadyToRunImage? image = null;
        foreach (var path in paths)
        {
            if (ReadyToRunImage.TryOpen(path, _files, verify ? identity : null, out image))
            {
                break;
            }
        }

        image?.RememberPaths(paths);
        _entries[identity] = _order.AddFirst(new Entry(identity, image));
        var bytes = Bytes;
        while ((bytes > MaxBytes || _entries.Count > MaxEntries) && _order.Last is { } last && last != _order.First)
        {
            bytes -= EntryBytes + (last.Value.Image?.EstimatedBytes ?? 0);
            _order.RemoveLast();
            _entries.Remove(last.Value.Identity);
        }

        return image;
    }

    private sealed record Entry(FileIdentity Identity, ReadyToRunImage? Image);
}
