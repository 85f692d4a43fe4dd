using OdigosUi.Profiles.Aggregation;
using OdigosUi.Profiles.Model;

namespace OdigosUi.Pipeline.Slots;

/// <summary>
/// The in-memory buffer of one Source while someone looks at it: one aggregated tree per profile type over a
/// frame table of its own. Guarded by the lock of <see cref="ProfilingSlots"/>.
/// </summary>
public sealed class ProfilingSlot
{
    private static long s_generations;
    private readonly Dictionary<ProfileType, ProfileTree> _trees = [];
    private AggregationOptions _aggregation;
    private SharedSnapshot? _live;

    internal ProfilingSlot(SourceKey source, DateTimeOffset now, AggregationOptions aggregation)
    {
        Source = source;
        OpenedAt = now;
        LastViewedAt = now;
        _aggregation = aggregation;
        Generation = Interlocked.Increment(ref s_generations);
    }

    public SourceKey Source { get; }

    public DateTimeOffset OpenedAt { get; }

    public DateTimeOffset LastViewedAt { get; internal set; }

    public FrameTable Frames { get; private set; } = new();

    public long SampleCount { get; private set; }

    /// <summary>Samples not kept because the slot was full with stacks it had never seen.</summary>
    public long DroppedSamples { get; internal set; }

    /// <summary>Bumped on every change so watchers can tell there is something new.</summary>
    public long Version { get; private set; }

    /// <summary>Unique per slot instance and per clear, so a watcher can tell its data is gone.</summary>
    public long Generation { get; private set; }

    public long EstimatedBytes => Frames.EstimatedBytes + _trees.Values.Sum(tree => tree.EstimatedBytes);

    public IReadOnlyCollection<ProfileType> ProfileTypes => _trees.Keys;

    internal ProfileTree? Tree(ProfileType type) => _trees.GetValueOrDefault(type);

    internal ProfileTree GetOrAddTree(ProfileType type)
    {
        if (!_trees.TryGetValue(type, out var tree))
        {
            tree = new ProfileTree(Frames, type, _aggregation);
            _trees.Add(type, tree);
        }

        return tree;
    }

    internal void Added(int samples)
    {
        SampleCount += samples;
        Version++;
    }

    internal void Clear(AggregationOptions aggregation)
    {
        _aggregation = aggregation;
        _trees.Clear();
        Frames = new FrameTable();
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
