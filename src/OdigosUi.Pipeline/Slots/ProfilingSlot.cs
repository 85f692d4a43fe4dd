using OdigosUi.Profiles.Aggregation;
using OdigosUi.Profiles.Model;

namespace OdigosUi.Pipeline.Slots;

/// <summary>
/// The in-memory buffer of one Source while someone looks at it: one aggregated tree per profile type over a
/// frame table of its own, all charged to one <see cref="MemoryBudget"/> of <c>Profiling:Ui:SlotMaxBytes</c>.
/// Its data is guarded by its own <see cref="Gate"/>, so work on one slot never waits for another.
/// </summary>
public sealed class ProfilingSlot
{
    private static long s_generations;
    private readonly Dictionary<ProfileType, ProfileTree> _trees = [];
    private AggregationOptions _aggregation;
    private SharedSnapshot? _live;
    private long _lastViewedTicks;

    internal ProfilingSlot(SourceKey source, DateTimeOffset now, AggregationOptions aggregation, long maxBytes)
    {
        Source = source;
        OpenedAt = now;
        LastViewedAt = now;
        _aggregation = aggregation;
        Frames = new FrameTable(new MemoryBudget(maxBytes));
        Generation = Interlocked.Increment(ref s_generations);
    }

    /// <summary>Held while the slot's trees, frames and counters are read or changed.</summary>
    internal Lock Gate { get; } = new();

    public SourceKey Source { get; }

    public DateTimeOffset OpenedAt { get; }

    /// <summary>Read without the gate (eviction compares every slot's), so it is stored atomically.</summary>
    public DateTimeOffset LastViewedAt
    {
        get => new(Interlocked.Read(ref _lastViewedTicks), TimeSpan.Zero);
        internal set => Interlocked.Exchange(ref _lastViewedTicks, value.UtcTicks);
    }

    public FrameTable Frames { get; private set; }

    /// <summary>The budget every table of the slot charges; replaced on clear.</summary>
    internal MemoryBudget Budget => Frames.Budget;

    public long SampleCount { get; private set; }

    /// <summary>Samples not kept because the slot's budget could not hold their new frames or stacks.</summary>
    public long DroppedSamples { get; private set; }

    /// <summary>Bumped on every change so watchers can tell there is something new.</summary>
    public long Version { get; private set; }

    /// <summary>Unique per slot instance and per clear, so a watcher can tell its data is gone.</summary>
    public long Generation { get; private set; }

    /// <summary>The bytes charged to the slot's budget: frames, stacks, buckets and their tables, capacity included.</summary>
    public long EstimatedBytes => Budget.Used;

    public bool Full => Budget.IsFull;

    public IReadOnlyCollection<ProfileType> ProfileTypes => _trees.Keys;

    internal ProfileTree? Tree(ProfileType type) => _trees.GetValueOrDefault(type);

    /// <summary>The tree of <paramref name="type"/>; null when it is new and the budget has no room for another tree.</summary>
    internal ProfileTree? GetOrAddTree(ProfileType type)
    {
        if (!_trees.TryGetValue(type, out var tree))
        {
            if (!Budget.CanAfford(ProfileTree.EmptyBytes + 64))
            {
                return null;
            }

            tree = new ProfileTree(Frames, type, _aggregation);
            Budget.Charge(64);
            _trees.Add(type, tree);
        }

        return tree;
    }

    internal void Added(int samples, int dropped)
    {
        SampleCount += samples;
        DroppedSamples += dropped;
        Version++;
    }

    internal void Clear(AggregationOptions aggregation)
    {
        _aggregation = aggregation;
        _trees.Clear();
        Frames = new FrameTable(new MemoryBudget(Budget.Limit));
        SampleCount = 0;
        DroppedSamples = 0;
        Version++;
        Generation = Interlocked.Increment(ref s_generations);
        _live = null;
    }

    /// <summary>
    /// The tree's snapshot for a window, shared by the live watchers that ask for the same tree version and window
    /// while one of them still holds it (weakly cached, so it costs no memory once they are done).
    /// </summary>
    internal ProfileSnapshot LiveSnapshot(ProfileTree tree, TimeWindow window, long windowKey)
    {
        if (_live is { } cached && cached.Tree == tree && cached.Version == tree.Version && cached.WindowKey == windowKey
            && cached.Snapshot.TryGetTarget(out var shared))
        {
            return shared;
        }

        var snapshot = tree.Snapshot(window);
        _live = new SharedSnapshot(tree, tree.Version, windowKey, new WeakReference<ProfileSnapshot>(snapshot));
        return snapshot;
    }

    private sealed record SharedSnapshot(ProfileTree Tree, long Version, long WindowKey, WeakReference<ProfileSnapshot> Snapshot);
}
