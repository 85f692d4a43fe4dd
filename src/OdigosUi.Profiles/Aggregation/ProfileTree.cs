using OdigosUi.Profiles.Model;

namespace OdigosUi.Profiles.Aggregation;

/// <summary>
/// The aggregated profile of one (Source, profile type): a trie of interned stacks (node = stack prefix, root-first),
/// self value per node, and per-bucket self values so a recent window can be asked for.
/// Adding costs what is added; nothing here walks what is stored. Not thread-safe: the owner holds a lock.
/// </summary>
/// <remarks>
/// Memory is what a slot's history costs, so nodes are stored as parallel arrays (16 bytes and a bit each) and
/// looked up through open-addressing tables of node ids (about 6 bytes per node) instead of dictionaries.
/// </remarks>
public sealed class ProfileTree
{
    public const int Root = 0;

    /// <summary>Mixed into the index hashes, so stacks crafted to collide in one process do not collide in another.</summary>
    private static readonly ulong HashSeed = (ulong)Random.Shared.NextInt64() | 1;

    private readonly List<TimeBucket> _buckets = [];
    private readonly ChildIndex _children = new();
    private readonly LeafIndex _leaves = new();
    private int[] _parent = new int[64];
    private int[] _frame = new int[64];
    private long[] _self = new long[64];
    private ulong[] _stackEnd = new ulong[1];
    private long _bucketBytes;

    public ProfileTree(FrameTable frames, ProfileType type, AggregationOptions options)
    {
        Frames = frames;
        Type = type;
        Options = options;
        _parent[Root] = -1;
        _frame[Root] = -1;
        NodeCount = 1;
    }

    public FrameTable Frames { get; }

    public ProfileType Type { get; }

    public AggregationOptions Options { get; }

    /// <summary>The period of the latest profile added (1e9 / frequency for CPU profiles).</summary>
    public long Period { get; set; }

    public int NodeCount { get; private set; }

    /// <summary>Sum of all values added.</summary>
    public long TotalValue { get; private set; }

    /// <summary>Number of OTLP samples added (see <see cref="CountSamples"/>).</summary>
    public long SampleCount { get; private set; }

    /// <summary>Incremented on every change, so readers can tell whether anything is new.</summary>
    public long Version { get; private set; }

    /// <summary>Heap bytes of the node arrays, indexes and buckets, capacity included (frames are counted by their table).</summary>
    public long EstimatedBytes =>
        (_parent.Length * 16L) + (_stackEnd.Length * 8L) + _children.Bytes + _leaves.Bytes + _bucketBytes + (_buckets.Count * 64L);

    public IReadOnlyList<TimeBucket> Buckets => _buckets;

    private bool IsStackEnd(int node) => (_stackEnd[node >> 6] & (1UL << node)) != 0;

    /// <summary>The node of the stack whose frames are <paramref name="rootFirstFrames"/>, created when new.</summary>
    public int InternStack(ReadOnlySpan<int> rootFirstFrames)
    {
        // A stack seen before is found by the hash of its frames and checked against the parent links: one probe
        // and a walk over a few nodes instead of one index probe per frame.
        var hash = Hash(rootFirstFrames);
        var known = _leaves.Find(hash, this, rootFirstFrames);
        if (known >= 0)
        {
            return known;
        }

        var leaf = Walk(rootFirstFrames, create: true);
        _leaves.Set(hash, leaf);
        return leaf;
    }

    /// <summary>Finds the node of an existing stack without creating anything.</summary>
    public bool TryFindStack(ReadOnlySpan<int> rootFirstFrames, out int node)
    {
        node = Walk(rootFirstFrames, create: false);
        return node >= 0;
    }

    /// <summary>Adds <paramref name="value"/> to the stack ending at <paramref name="node"/> at time <paramref name="unixNano"/>.</summary>
    public void Add(int node, long value, long unixNano)
    {
        _self[node] = SaturatingAdd(_self[node], value);
        _stackEnd[node >> 6] |= 1UL << node;
        TotalValue = SaturatingAdd(TotalValue, value);
        Version++;
        BucketFor(unixNano)?.Add(node, value, ref _bucketBytes);
    }

    public void CountSamples(int count) => SampleCount += count;

    /// <summary>Values of many samples add up past 64 bits only on hostile input: they stop at the bound instead of wrapping.</summary>
    internal static long SaturatingAdd(long a, long b)
    {
        var sum = a + b;
        return ((a ^ sum) & (b ^ sum)) < 0 ? (a < 0 ? long.MinValue : long.MaxValue) : sum;
    }

    /// <summary>Self, total and presence per node for <paramref name="window"/>, copied so it can be read outside the lock.</summary>
    public ProfileSnapshot Snapshot(TimeWindow window)
    {
        var count = NodeCount;
        var parent = _parent.AsSpan(0, count).ToArray();
        var frame = _frame.AsSpan(0, count).ToArray();
        long[] self;
        var present = new bool[count];
        if (window.IsAll)
        {
            self = _self.AsSpan(0, count).ToArray();
            for (var i = 0; i < count; i++)
            {
                present[i] = IsStackEnd(i);
            }
        }
        else
        {
            self = new long[count];
            var width = Options.BucketWidthNanos;
            foreach (var bucket in _buckets)
            {
                if (bucket.StartUnixNano + width > window.FromUnixNano && bucket.StartUnixNano < window.ToUnixNano)
                {
                    bucket.AddTo(self, present);
                }
            }
        }

        var frames = new Frame[Frames.Count];
        for (var i = 0; i < frames.Length; i++)
        {
            frames[i] = Frames[i];
        }

        return new ProfileSnapshot(Type, Period, parent, frame, self, present, frames);
    }

    private int Walk(ReadOnlySpan<int> rootFirstFrames, bool create)
    {
        var node = Root;
        foreach (var frame in rootFirstFrames)
        {
            var child = _children.Find(node, frame, _parent, _frame);
            if (child < 0)
            {
                if (!create)
                {
                    return -1;
                }

                child = AddNode(node, frame);
                _children.Insert(child, _parent, _frame);
            }

            node = child;
        }

        return node;
    }

    private bool Matches(int node, ReadOnlySpan<int> rootFirstFrames)
    {
        for (var i = rootFirstFrames.Length - 1; i >= 0; i--)
        {
            if (node == Root || _frame[node] != rootFirstFrames[i])
            {
                return false;
            }

            node = _parent[node];
        }

        return node == Root;
    }

    private static ulong Hash(ReadOnlySpan<int> frames)
    {
        var hash = 0xcbf29ce484222325UL ^ HashSeed ^ (ulong)frames.Length;
        foreach (var frame in frames)
        {
            hash = (hash ^ (uint)frame) * 0x100000001b3UL;
            hash ^= hash >> 29;
        }

        return hash | 1;
    }

    private int AddNode(int parent, int frame)
    {
        var node = NodeCount;
        if (node == _parent.Length)
        {
            var size = node * 2;
            Array.Resize(ref _parent, size);
            Array.Resize(ref _frame, size);
            Array.Resize(ref _self, size);
        }

        if ((node >> 6) >= _stackEnd.Length)
        {
            Array.Resize(ref _stackEnd, _stackEnd.Length * 2);
        }

        _parent[node] = parent;
        _frame[node] = frame;
        NodeCount++;
        return node;
    }

    private TimeBucket? BucketFor(long unixNano)
    {
        var width = Options.BucketWidthNanos;
        var start = unixNano - (((unixNano % width) + width) % width);
        if (_buckets.Count > 0)
        {
            var last = _buckets[^1];
            if (last.StartUnixNano == start)
            {
                return last;
            }

            if (start < last.StartUnixNano)
            {
                var index = _buckets.BinarySearch(new TimeBucket(start), TimeBucket.ByStart);
                if (index >= 0)
                {
                    return _buckets[index];
                }

                if (~index == 0 && _buckets.Count >= Options.MaxBuckets)
                {
                    return null;
                }

                var inserted = new TimeBucket(start);
                _buckets.Insert(~index, inserted);
                TrimBuckets();
                return inserted;
            }

            last.Seal(ref _bucketBytes);
        }

        var bucket = new TimeBucket(start);
        _buckets.Add(bucket);
        TrimBuckets();
        return bucket;
    }

    private void TrimBuckets()
    {
        while (_buckets.Count > Options.MaxBuckets)
        {
            _bucketBytes -= _buckets[0].Bytes;
            _buckets.RemoveAt(0);
        }
    }

    /// <summary>Open-addressing index of (parent, frame) to child node; slots hold node ids, 0 is empty (the root is nobody's child).</summary>
    private sealed class ChildIndex
    {
        private int[] _slots = new int[64];
        private int _count;

        public long Bytes => _slots.Length * 4L;

        public int Find(int parent, int frame, int[] parents, int[] frames)
        {
            var mask = _slots.Length - 1;
            for (var i = Slot(parent, frame, mask); ; i = (i + 1) & mask)
            {
                var node = _slots[i];
                if (node == 0)
                {
                    return -1;
                }

                if (parents[node] == parent && frames[node] == frame)
                {
                    return node;
                }
            }
        }

        public void Insert(int node, int[] parents, int[] frames)
        {
            if ((_count + 1) * 4 > _slots.Length * 3)
            {
                var old = _slots;
                _slots = new int[old.Length * 2];
                foreach (var existing in old)
                {
                    if (existing != 0)
                    {
                        Place(existing, parents[existing], frames[existing]);
                    }
                }
            }

            Place(node, parents[node], frames[node]);
            _count++;
        }

        private void Place(int node, int parent, int frame)
        {
            var mask = _slots.Length - 1;
            var i = Slot(parent, frame, mask);
            while (_slots[i] != 0)
            {
                i = (i + 1) & mask;
            }

            _slots[i] = node;
        }

        private static int Slot(int parent, int frame, int mask)
        {
            var h = (((ulong)(uint)parent << 32) | (uint)frame) ^ HashSeed;
            h *= 0x9E3779B97F4A7C15UL;
            return (int)(h >> 32) & mask;
        }
    }

    /// <summary>Open-addressing index of stack hash to leaf node, verified against the tree on every hit.</summary>
    private sealed class LeafIndex
    {
        private ulong[] _hashes = new ulong[16];
        private int[] _nodes = new int[16];
        private int _count;

        public long Bytes => _hashes.Length * 12L;

        public int Find(ulong hash, ProfileTree tree, ReadOnlySpan<int> frames)
        {
            var mask = _hashes.Length - 1;
            for (var i = (int)(hash >> 40) & mask; ; i = (i + 1) & mask)
            {
                var stored = _hashes[i];
                if (stored == 0)
                {
                    return -1;
                }

                if (stored == hash && tree.Matches(_nodes[i], frames))
                {
                    return _nodes[i];
                }
            }
        }

        public void Set(ulong hash, int node)
        {
            if ((_count + 1) * 2 > _hashes.Length)
            {
                var oldHashes = _hashes;
                var oldNodes = _nodes;
                _hashes = new ulong[oldHashes.Length * 2];
                _nodes = new int[oldNodes.Length * 2];
                for (var j = 0; j < oldHashes.Length; j++)
                {
                    if (oldHashes[j] != 0)
                    {
                        Place(oldHashes[j], oldNodes[j]);
                    }
                }
            }

            Place(hash, node);
            _count++;
        }

        private void Place(ulong hash, int node)
        {
            var mask = _hashes.Length - 1;
            var i = (int)(hash >> 40) & mask;
            while (_hashes[i] != 0)
            {
                i = (i + 1) & mask;
            }

            _hashes[i] = hash;
            _nodes[i] = node;
        }
    }
}

/// <summary>
/// Self values per node for the samples whose time falls in [start, start + bucket width). The current bucket is a
/// dictionary; once time moves on it is sealed into sorted arrays (12 bytes an entry).
/// </summary>
public sealed class TimeBucket(long startUnixNano)
{
    public static readonly IComparer<TimeBucket> ByStart = Comparer<TimeBucket>.Create((a, b) => a.StartUnixNano.CompareTo(b.StartUnixNano));

    private const long OpenEntryBytes = 32;
    private const long SealedEntryBytes = 12;

    private Dictionary<int, long>? _open;
    private int[] _nodes = [];
    private long[] _values = [];

    public long StartUnixNano { get; } = startUnixNano;

    public int Count => _open?.Count ?? _nodes.Length;

    internal long Bytes => _open is null ? _nodes.Length * SealedEntryBytes : _open.Count * OpenEntryBytes;

    internal void Add(int node, long value, ref long treeBytes)
    {
        if (_open is null)
        {
            treeBytes -= Bytes;
            _open = new Dictionary<int, long>(_nodes.Length + 4);
            for (var i = 0; i < _nodes.Length; i++)
            {
                _open.Add(_nodes[i], _values[i]);
            }

            _nodes = [];
            _values = [];
            treeBytes += Bytes;
        }

        ref var slot = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_open, node, out var exists);
        slot = ProfileTree.SaturatingAdd(slot, value);
        if (!exists)
        {
            treeBytes += OpenEntryBytes;
        }
    }

    internal void Seal(ref long treeBytes)
    {
        if (_open is null)
        {
            return;
        }

        treeBytes -= Bytes;
        _nodes = [.. _open.Keys];
        Array.Sort(_nodes);
        _values = new long[_nodes.Length];
        for (var i = 0; i < _nodes.Length; i++)
        {
            _values[i] = _open[_nodes[i]];
        }

        _open = null;
        treeBytes += Bytes;
    }

    internal void AddTo(long[] self, bool[] present)
    {
        if (_open is not null)
        {
            foreach (var (node, value) in _open)
            {
                self[node] += value;
                present[node] = true;
            }

            return;
        }

        for (var i = 0; i < _nodes.Length; i++)
        {
            self[_nodes[i]] += _values[i];
            present[_nodes[i]] = true;
        }
    }
}
