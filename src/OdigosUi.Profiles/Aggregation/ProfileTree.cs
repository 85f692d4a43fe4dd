using System.Runtime.InteropServices;
using OdigosUi.Profiles.Model;

namespace OdigosUi.Profiles.Aggregation;

/// <summary>
/// The aggregated profile of one (Source, profile type): a trie of interned stacks (node = stack prefix, root-first),
/// self value per node, and sparse per-bucket self values so a recent window can be asked for.
/// Adding costs what is added; nothing here walks what is stored. Not thread-safe: the owner holds a lock.
/// </summary>
public sealed class ProfileTree
{
    public const int Root = 0;

    private const long NodeBytes = 48;
    private const long ChildEntryBytes = 24;
    private const long BucketEntryBytes = 24;

    private readonly Dictionary<long, int> _children = [];
    private readonly Dictionary<ulong, int> _leafByHash = [];
    private readonly List<TimeBucket> _buckets = [];
    private Node[] _nodes = new Node[64];

    public ProfileTree(FrameTable frames, ProfileType type, AggregationOptions options)
    {
        Frames = frames;
        Type = type;
        Options = options;
        _nodes[Root] = new Node(-1, -1);
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

    /// <summary>Rough heap cost of nodes, child index and buckets (frames are counted by their table).</summary>
    public long EstimatedBytes => (NodeCount * NodeBytes) + (_children.Count * ChildEntryBytes) + (_leafByHash.Count * ChildEntryBytes) + (_bucketEntries * BucketEntryBytes);

    public IReadOnlyList<TimeBucket> Buckets => _buckets;

    private long _bucketEntries;

    public int Parent(int node) => _nodes[node].Parent;

    public int FrameId(int node) => _nodes[node].Frame;

    public long Self(int node) => _nodes[node].Self;

    public bool IsStackEnd(int node) => _nodes[node].StackEnd;

    /// <summary>The node of the stack whose frames are <paramref name="rootFirstFrames"/>, created when new.</summary>
    public int InternStack(ReadOnlySpan<int> rootFirstFrames)
    {
        // Fast path: a stack seen before is found by the hash of its frames and checked against the parent links,
        // which costs a hash and a walk over a few contiguous nodes instead of one dictionary probe per frame.
        var hash = Hash(rootFirstFrames);
        if (_leafByHash.TryGetValue(hash, out var known) && Matches(known, rootFirstFrames))
        {
            return known;
        }

        var leaf = Walk(rootFirstFrames);
        _leafByHash[hash] = leaf;
        return leaf;
    }

    private bool Matches(int node, ReadOnlySpan<int> rootFirstFrames)
    {
        for (var i = rootFirstFrames.Length - 1; i >= 0; i--)
        {
            ref readonly var current = ref _nodes[node];
            if (node == Root || current.Frame != rootFirstFrames[i])
            {
                return false;
            }

            node = current.Parent;
        }

        return node == Root;
    }

    private static ulong Hash(ReadOnlySpan<int> frames)
    {
        var hash = 0xcbf29ce484222325UL ^ (ulong)frames.Length;
        foreach (var frame in frames)
        {
            hash = (hash ^ (uint)frame) * 0x100000001b3UL;
            hash ^= hash >> 29;
        }

        return hash;
    }

    private int Walk(ReadOnlySpan<int> rootFirstFrames)
    {
        var node = Root;
        foreach (var frame in rootFirstFrames)
        {
            ref var child = ref CollectionsMarshal.GetValueRefOrAddDefault(_children, ((long)node << 32) | (uint)frame, out var exists);
            if (!exists)
            {
                child = AddNode(node, frame);
            }

            node = child;
        }

        return node;
    }

    /// <summary>Finds the node of an existing stack without creating anything.</summary>
    public bool TryFindStack(ReadOnlySpan<int> rootFirstFrames, out int node)
    {
        node = Root;
        foreach (var frame in rootFirstFrames)
        {
            if (!_children.TryGetValue(((long)node << 32) | (uint)frame, out node))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Adds <paramref name="value"/> to the stack ending at <paramref name="node"/> at time <paramref name="unixNano"/>.</summary>
    public void Add(int node, long value, long unixNano)
    {
        ref var target = ref _nodes[node];
        target.Self += value;
        target.StackEnd = true;
        TotalValue += value;
        Version++;

        var bucket = BucketFor(unixNano);
        if (bucket is not null)
        {
            ref var slot = ref CollectionsMarshal.GetValueRefOrAddDefault(bucket.Self, node, out var exists);
            slot += value;
            if (!exists)
            {
                _bucketEntries++;
            }
        }
    }

    public void CountSamples(int count) => SampleCount += count;

    /// <summary>Self, total and presence per node for <paramref name="window"/>, copied so it can be read outside the lock.</summary>
    public ProfileSnapshot Snapshot(TimeWindow window)
    {
        var count = NodeCount;
        var parent = new int[count];
        var frame = new int[count];
        var self = new long[count];
        var present = new bool[count];
        for (var i = 0; i < count; i++)
        {
            ref readonly var node = ref _nodes[i];
            parent[i] = node.Parent;
            frame[i] = node.Frame;
        }

        if (window.IsAll)
        {
            for (var i = 0; i < count; i++)
            {
                self[i] = _nodes[i].Self;
                present[i] = _nodes[i].StackEnd;
            }
        }
        else
        {
            var width = Options.BucketWidthNanos;
            foreach (var bucket in _buckets)
            {
                if (bucket.StartUnixNano + width <= window.FromUnixNano || bucket.StartUnixNano >= window.ToUnixNano)
                {
                    continue;
                }

                foreach (var (node, value) in bucket.Self)
                {
                    self[node] += value;
                    present[node] = true;
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

    private int AddNode(int parent, int frame)
    {
        if (NodeCount == _nodes.Length)
        {
            Array.Resize(ref _nodes, _nodes.Length * 2);
        }

        _nodes[NodeCount] = new Node(parent, frame);
        return NodeCount++;
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
            _bucketEntries -= _buckets[0].Self.Count;
            _buckets.RemoveAt(0);
        }
    }

    private struct Node(int parent, int frame)
    {
        public readonly int Parent = parent;
        public readonly int Frame = frame;
        public long Self;
        public bool StackEnd;
    }
}

/// <summary>Self values per node for the samples whose time falls in [start, start + bucket width).</summary>
public sealed class TimeBucket(long startUnixNano)
{
    public static readonly IComparer<TimeBucket> ByStart = Comparer<TimeBucket>.Create((a, b) => a.StartUnixNano.CompareTo(b.StartUnixNano));

    public long StartUnixNano { get; } = startUnixNano;

    public Dictionary<int, long> Self { get; } = [];
}
