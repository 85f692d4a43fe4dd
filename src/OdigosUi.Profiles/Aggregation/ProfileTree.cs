using OdigosUi.Profiles.Model;

namespace OdigosUi.Profiles.Aggregation;

/// <summary>
/// The aggregated profile of one (Source, profile type): a trie of interned stacks (node = stack prefix, root-first),
/// self value per node, and per-bucket self values so a recent window can be asked for.
/// Adding costs what is added; nothing here walks what is stored. Not thread-safe: the owner holds a lock.
/// </summary>
/// <remarks>
/// Memory is what a slot's history costs, so nodes are stored as parallel arrays (16 bytes and a bit each) and
/// looked up through open-addressing tables of node ids (about 6 bytes per node) instead of dictionaries. Every
/// growth is charged to the frame table's <see cref="MemoryBudget"/> before it is made: a stack the budget cannot
/// hold is not interned, and a bucket entry that does not fit first pushes the oldest bucket out.
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
    private long _charged;

    public ProfileTree(FrameTable frames, ProfileType type, AggregationOptions options)
    {
        ArgumentNullException.ThrowIfNull(frames);
        Frames = frames;
        Type = type;
        Options = options;
        _parent[Root] = -1;
        _frame[Root] = -1;
        NodeCount = 1;
        Sync();
    }

    /// <summary>What a new, empty tree costs, so an owner can tell whether one more fits.</summary>
    public const long EmptyBytes = (64 * 16) + 8 + (64 * 4) + (16 * 12) + FixedBytes;

    private const long FixedBytes = 256 + (9 * HeapSizes.ArrayHeader);
    private const long BucketObjectBytes = 64;

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
        FixedBytes + (_parent.Length * 16L) + (_stackEnd.Length * 8L) + _children.Bytes + _leaves.Bytes + _bucketBytes + (_buckets.Count * BucketObjectBytes);

    private MemoryBudget Budget => Frames.Budget;

    public IReadOnlyList<TimeBucket> Buckets => _buckets;

    private bool IsStackEnd(int node) => (_stackEnd[node >> 6] & (1UL << node)) != 0;

    /// <summary>The node of the stack whose frames are <paramref name="rootFirstFrames"/>, created when new.</summary>
    /// <exception cref="InvalidOperationException">The budget cannot hold it (see <see cref="TryInternStack"/>).</exception>
    public int InternStack(ReadOnlySpan<int> rootFirstFrames) =>
        TryInternStack(rootFirstFrames, out var node) ? node : throw new InvalidOperationException("The tree's memory budget cannot hold the stack.");

    /// <summary>
    /// The node of the stack whose frames are <paramref name="rootFirstFrames"/>, created when new and the budget can
    /// hold its new nodes; false when it is new and does not fit, or names a frame the frame table refused.
    /// </summary>
    public bool TryInternStack(ReadOnlySpan<int> rootFirstFrames, out int node)
    {
        // A stack seen before is found by the hash of its frames and checked against the parent links: one probe
        // and a walk over a few nodes instead of one index probe per frame.
        var hash = Hash(rootFirstFrames);
        node = _leaves.Find(hash, this, rootFirstFrames);
        if (node >= 0)
        {
            return true;
        }

        if (Budget.IsFull || rootFirstFrames.Contains(FrameTable.Refused))
        {
            return false;
        }

        var (prefix, depth) = LongestPrefix(rootFirstFrames);
        if (!TryReserve(rootFirstFrames.Length - depth))
        {
            Budget.MarkFull();
            node = -1;
            return false;
        }

        node = prefix;
        foreach (var frame in rootFirstFrames[depth..])
        {
            var child = AddNode(node, frame);
            _children.Insert(child, _parent, _frame);
            node = child;
        }

        _leaves.Set(hash, node);
        Sync();
        return true;
    }

    /// <summary>Finds the node of an existing stack without creating anything.</summary>
    public bool TryFindStack(ReadOnlySpan<int> rootFirstFrames, out int node)
    {
        var (prefix, depth) = LongestPrefix(rootFirstFrames);
        node = depth == rootFirstFrames.Length ? prefix : -1;
        return node >= 0;
    }

    /// <summary>Adds <paramref name="value"/> to the stack ending at <paramref name="node"/> at time <paramref name="unixNano"/>.</summary>
    public void Add(int node, long value, long unixNano)
    {
        _self[node] = SaturatingAdd(_self[node], value);
        _stackEnd[node >> 6] |= 1UL << node;
        TotalValue = SaturatingAdd(TotalValue, value);
        Version++;
        var bucket = BucketFor(unixNano);
        while (bucket is not null && !bucket.TryAdd(node, value, Budget, ref _bucketBytes))
        {
            // The budget is spent: the oldest window data goes first; with nothing older left, the value is kept in
            // the all-time view only.
            if (_buckets.Count < 2 || _buckets[0] == bucket)
            {
                break;
            }

            DropOldestBucket();
        }

        Sync();
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

    /// <summary>The deepest existing node along <paramref name="rootFirstFrames"/> and how many frames it matches.</summary>
    private (int Node, int Depth) LongestPrefix(ReadOnlySpan<int> rootFirstFrames)
    {
        var node = Root;
        for (var depth = 0; depth < rootFirstFrames.Length; depth++)
        {
            var child = _children.Find(node, rootFirstFrames[depth], _parent, _frame);
            if (child < 0)
            {
                return (node, depth);
            }

            node = child;
        }

        return (node, rootFirstFrames.Length);
    }

    /// <summary>
    /// Makes room for <paramref name="newNodes"/> nodes and one stack in the arrays and indexes when the budget can
    /// pay for it: the node arrays double, or grow by less near the end of the budget.
    /// </summary>
    private bool TryReserve(int newNodes)
    {
        if (newNodes == 0)
        {
            return _leaves.TryReserve(1, crowded: false, Budget) || _leaves.TryReserve(1, crowded: true, Budget);
        }

        var needed = (long)NodeCount + newNodes;
        if (needed > Array.MaxLength / 2)
        {
            return false;
        }

        // Near the end of the budget the indexes fill up further before they double (linear probing stays short).
        var crowded = !Budget.CanAfford(_children.GrowthBytes(newNodes, crowded: false) + _leaves.GrowthBytes(1, crowded: false) + NodeBytes(needed) - NodeBytes(_parent.Length));
        var indexCost = _children.GrowthBytes(newNodes, crowded) + _leaves.GrowthBytes(1, crowded);
        var capacity = _parent.Length;
        if (needed > capacity)
        {
            // Double, or grow by a quarter, a sixteenth... of that when the budget is short; at least what is needed.
            var larger = needed;
            for (long grow = capacity; grow > 0 && larger == needed; grow /= 4)
            {
                var candidate = Math.Max(needed, capacity + grow);
                if (Budget.CanAfford(indexCost + NodeBytes(candidate) - NodeBytes(capacity)))
                {
                    larger = candidate;
                }
            }

            capacity = (int)larger;
        }

        if (!Budget.CanAfford(indexCost + NodeBytes(capacity) - NodeBytes(_parent.Length)))
        {
            return false;
        }

        if (capacity > _parent.Length)
        {
            Array.Resize(ref _parent, capacity);
            Array.Resize(ref _frame, capacity);
            Array.Resize(ref _self, capacity);
            Array.Resize(ref _stackEnd, (capacity + 63) / 64);
        }

        _children.Reserve(newNodes, crowded, _parent, _frame);
        _leaves.TryReserve(1, crowded, Budget);
        return true;
    }

    private static long NodeBytes(long capacity) => (capacity * 16) + (((capacity + 63) / 64) * 8);

    /// <summary>Charges the budget with what changed since the last call.</summary>
    private void Sync()
    {
        var now = EstimatedBytes;
        Budget.Charge(now - _charged);
        _charged = now;
    }

    private void DropOldestBucket()
    {
        _bucketBytes -= _buckets[0].Bytes;
        _buckets.RemoveAt(0);
        Sync();
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

                if ((~index == 0 && _buckets.Count >= Options.MaxBuckets) || !Budget.CanAfford(BucketObjectBytes))
                {
                    return null;
                }

                var inserted = new TimeBucket(start);
                _buckets.Insert(~index, inserted);
                TrimBuckets();
                return inserted;
            }

            last.Seal(ref _bucketBytes);
            Sync();
        }

        // Time moved on: a new bucket displaces the oldest when the budget is spent, so recent windows stay current.
        while (!Budget.CanAfford(BucketObjectBytes) && _buckets.Count > 0)
        {
            DropOldestBucket();
        }

        if (!Budget.CanAfford(BucketObjectBytes))
        {
            return null;
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

        /// <summary>The bytes the index grows by to take <paramref name="more"/> nodes (kept at most 3/4 full, 7/8 when crowded).</summary>
        public long GrowthBytes(int more, bool crowded) => (SlotsFor(_count + (long)more, crowded) - _slots.Length) * 4L;

        public void Reserve(int more, bool crowded, int[] parents, int[] frames)
        {
            var size = SlotsFor(_count + (long)more, crowded);
            if (size > _slots.Length)
            {
                Rehash(size, parents, frames);
            }
        }

        private long SlotsFor(long count, bool crowded)
        {
            long size = _slots.Length;
            while (crowded ? count * 8 > size * 7 : count * 4 > size * 3)
            {
                size *= 2;
            }

            return size;
        }

        private void Rehash(long size, int[] parents, int[] frames)
        {
            var old = _slots;
            _slots = new int[size];
            foreach (var existing in old)
            {
                if (existing != 0)
                {
                    Place(existing, parents[existing], frames[existing]);
                }
            }
        }

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
            if ((_count + 1L) * 8 > _slots.Length * 7L)
            {
                Rehash(_slots.Length * 2L, parents, frames);
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

        /// <summary>The bytes the index grows by to take <paramref name="more"/> stacks (kept at most half full, 3/4 when crowded).</summary>
        public long GrowthBytes(int more, bool crowded) => (SlotsFor(_count + (long)more, crowded) - _hashes.Length) * 12L;

        public bool TryReserve(int more, bool crowded, MemoryBudget budget)
        {
            var size = SlotsFor(_count + (long)more, crowded);
            if (size == _hashes.Length)
            {
                return true;
            }

            if (!budget.CanAfford((size - _hashes.Length) * 12L))
            {
                return false;
            }

            Rehash(size);
            return true;
        }

        private long SlotsFor(long count, bool crowded)
        {
            long size = _hashes.Length;
            while (crowded ? count * 4 > size * 3 : count * 2 > size)
            {
                size *= 2;
            }

            return size;
        }

        private void Rehash(long size)
        {
            var oldHashes = _hashes;
            var oldNodes = _nodes;
            _hashes = new ulong[size];
            _nodes = new int[size];
            for (var j = 0; j < oldHashes.Length; j++)
            {
                if (oldHashes[j] != 0)
                {
                    Place(oldHashes[j], oldNodes[j]);
                }
            }
        }

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
            if ((_count + 1L) * 4 > _hashes.Length * 3L)
            {
                Rehash(_hashes.Length * 2L);
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

    private const long OpenEntryBytes = HeapSizes.DictionaryEntry;
    private const long SealedEntryBytes = 12;

    private Dictionary<int, long>? _open;
    private int[] _nodes = [];
    private long[] _values = [];

    public long StartUnixNano { get; } = startUnixNano;

    public int Count => _open?.Count ?? _nodes.Length;

    /// <summary>Heap bytes: the open dictionary by its capacity, or the sealed arrays.</summary>
    internal long Bytes => _open is null
        ? (_nodes.Length == 0 ? 0 : (_nodes.Length * SealedEntryBytes) + (2 * HeapSizes.ArrayHeader))
        : (_open.EnsureCapacity(0) * OpenEntryBytes) + HeapSizes.DictionaryObject;

    /// <summary>Adds to the node's value here; false (nothing changed) when a new entry does not fit in <paramref name="budget"/>.</summary>
    internal bool TryAdd(int node, long value, MemoryBudget budget, ref long treeBytes)
    {
        var before = Bytes;
        if (_open is null)
        {
            var reopened = new Dictionary<int, long>();
            if (!budget.TryGrow(reopened, _nodes.Length + 4, OpenEntryBytes, HeapSizes.DictionaryObject))
            {
                return false;
            }

            for (var i = 0; i < _nodes.Length; i++)
            {
                reopened.Add(_nodes[i], _values[i]);
            }

            _open = reopened;
            _nodes = [];
            _values = [];
        }

        ref var slot = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrNullRef(_open, node);
        if (!System.Runtime.CompilerServices.Unsafe.IsNullRef(ref slot))
        {
            slot = ProfileTree.SaturatingAdd(slot, value);
        }
        else
        {
            var capacity = _open.EnsureCapacity(0);
            if (_open.Count == capacity && !budget.TryGrow(_open, Math.Max(8, capacity * 2), OpenEntryBytes)
                && !budget.TryGrow(_open, capacity + Math.Max(1, capacity / 8), OpenEntryBytes))
            {
                treeBytes += Bytes - before;
                return false;
            }

            _open.Add(node, value);
        }

        treeBytes += Bytes - before;
        return true;
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
