using OdigosUi.Profiles.Model;

namespace OdigosUi.Profiles.Aggregation;

/// <summary>
/// Aggregates batches into one <see cref="ProfileTree"/> per (Source, profile type), all sharing one frame table.
/// Thread-safe: one lock guards every tree.
/// </summary>
public sealed class ProfileAggregator(AggregationOptions? options = null)
{
    /// <summary>The Source every resource is filed under when <see cref="AggregationOptions.MergeSources"/> is set.</summary>
    public static readonly SourceKey MergedSource = new("*", "*", "*");

    private readonly Lock _lock = new();
    private readonly FrameTable _frames = new();
    private readonly Dictionary<(SourceKey Source, ProfileType Type), ProfileTree> _trees = [];
    private readonly List<ProfileType> _typesInOrder = [];

    public AggregationOptions Options { get; } = options ?? AggregationOptions.Default;

    /// <summary>Adds every valid profile of <paramref name="batch"/>; returns the number of samples added.</summary>
    public long Add(ProfileBatch batch, long receivedUnixNano)
    {
        lock (_lock)
        {
            using var resolver = new StackResolver(batch.Dictionary, _frames, batch.Limits);
            long samples = 0;
            foreach (var profile in batch.Profiles)
            {
                var source = Options.MergeSources ? MergedSource : profile.Source;
                if (!_trees.TryGetValue((source, profile.Type), out var tree))
                {
                    tree = new ProfileTree(_frames, profile.Type, Options);
                    _trees.Add((source, profile.Type), tree);
                    if (!_typesInOrder.Contains(profile.Type))
                    {
                        _typesInOrder.Add(profile.Type);
                    }
                }

                samples += ProfileBatch.AddTo(tree, profile, resolver, receivedUnixNano);
            }

            return samples;
        }
    }

    /// <summary>Profile types in the order they were first seen.</summary>
    public IReadOnlyList<ProfileType> ProfileTypes
    {
        get
        {
            lock (_lock)
            {
                return [.. _typesInOrder];
            }
        }
    }

    public IReadOnlyList<SourceKey> Sources
    {
        get
        {
            lock (_lock)
            {
                return [.. _trees.Keys.Select(k => k.Source).Distinct()];
            }
        }
    }

    public ProfileSnapshot? Snapshot(SourceKey source, ProfileType type, TimeWindow window)
    {
        lock (_lock)
        {
            return _trees.TryGetValue((source, type), out var tree) ? tree.Snapshot(window) : null;
        }
    }

    /// <summary>Snapshots of every Source that has <paramref name="type"/>, ordered by Source key.</summary>
    public IReadOnlyList<(SourceKey Source, ProfileSnapshot Snapshot)> Snapshots(ProfileType type, TimeWindow window)
    {
        lock (_lock)
        {
            return [.. _trees
                .Where(entry => entry.Key.Type == type)
                .OrderBy(entry => entry.Key.Source.ToString(), StringComparer.Ordinal)
                .Select(entry => (entry.Key.Source, entry.Value.Snapshot(window)))];
        }
    }

    public long EstimatedBytes
    {
        get
        {
            lock (_lock)
            {
                return _frames.EstimatedBytes + _trees.Values.Sum(tree => tree.EstimatedBytes);
            }
        }
    }
}
