using OdigosUi.Pipeline.Live;
using OdigosUi.Profiles.Aggregation;
using OdigosUi.Profiles.Model;

namespace OdigosUi.Pipeline.Slots;

/// <summary>What a caller may know of a slot without holding the lock.</summary>
public sealed record SlotInfo(
    SourceKey Source,
    DateTimeOffset OpenedAt,
    DateTimeOffset LastViewedAt,
    long SampleCount,
    long DroppedSamples,
    long EstimatedBytes,
    bool Full,
    IReadOnlyList<string> ProfileTypes);

/// <summary>A flame graph read from a slot, with the types the slot holds.</summary>
public sealed record SlotSnapshot(ProfileSnapshot? Snapshot, ProfileType? Type, IReadOnlyList<ProfileType> AvailableTypes);

/// <summary>
/// The on-demand UI buffer: only Sources with an open slot are kept, each aggregated (interned frames and stacks,
/// counts per time bucket) so an update costs what is new. Bounded by slot count (least recently viewed evicted),
/// bytes per slot (a full slot keeps counting known stacks and drops new ones) and idle TTL. One lock guards all.
/// </summary>
public sealed class ProfilingSlots : IProfilesConsumer
{
    private readonly Lock _lock = new();
    private readonly Dictionary<SourceKey, ProfilingSlot> _slots = [];
    private readonly TimeProvider _time;
    private SlotOptions _options;
    private long _evicted;
    private long _expired;

    public ProfilingSlots(SlotOptions options, TimeProvider? time = null)
    {
        _options = options.Clone();
        _time = time ?? TimeProvider.System;
    }

    /// <summary>Raised outside the lock after slots open, close or receive data; carries only the Source.</summary>
    public event Action<SourceKey>? Changed;

    public SlotOptions Options
    {
        get
        {
            lock (_lock)
            {
                return _options.Clone();
            }
        }
    }

    public long EvictedCount => Interlocked.Read(ref _evicted);

    public long ExpiredCount => Interlocked.Read(ref _expired);

    public long TotalBytes
    {
        get
        {
            lock (_lock)
            {
                return _slots.Values.Sum(slot => slot.EstimatedBytes);
            }
        }
    }

    public bool IsOpen(SourceKey source)
    {
        lock (_lock)
        {
            return _slots.ContainsKey(source);
        }
    }

    /// <summary>Opens (or touches) the slot of <paramref name="source"/>, evicting the least recently viewed when all are taken.</summary>
    public SlotInfo Open(SourceKey source)
    {
        SlotInfo info;
        SourceKey? evicted = null;
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            if (!_slots.TryGetValue(source, out var slot))
            {
                if (_slots.Count >= _options.MaxSlots)
                {
                    var victim = _slots.Values.MinBy(s => s.LastViewedAt)!;
                    _slots.Remove(victim.Source);
                    evicted = victim.Source;
                    _evicted++;
                }

                slot = new ProfilingSlot(source, now, Aggregation());
                _slots.Add(source, slot);
            }

            slot.LastViewedAt = now;
            info = Describe(slot);
        }

        if (evicted is { } gone)
        {
            Changed?.Invoke(gone);
        }

        Changed?.Invoke(source);
        return info;
    }

    public bool Close(SourceKey source)
    {
        bool removed;
        lock (_lock)
        {
            removed = _slots.Remove(source);
        }

        if (removed)
        {
            Changed?.Invoke(source);
        }

        return removed;
    }

    public bool Clear(SourceKey source)
    {
        lock (_lock)
        {
            if (!_slots.TryGetValue(source, out var slot))
            {
                return false;
            }

            slot.Clear(Aggregation());
        }

        Changed?.Invoke(source);
        return true;
    }

    public IReadOnlyList<SlotInfo> List()
    {
        lock (_lock)
        {
            return [.. _slots.Values.OrderBy(s => s.Source.ToString(), StringComparer.Ordinal).Select(Describe)];
        }
    }

    /// <summary>Time bucket entries held by a slot (all profile types), for memory accounting.</summary>
    public long BucketEntries(SourceKey source)
    {
        lock (_lock)
        {
            return _slots.TryGetValue(source, out var slot) ? slot.ProfileTypes.Sum(t => slot.Tree(t)!.Buckets.Sum(b => (long)b.Count)) : 0;
        }
    }

    public SlotInfo? Get(SourceKey source)
    {
        lock (_lock)
        {
            return _slots.TryGetValue(source, out var slot) ? Describe(slot) : null;
        }
    }

    /// <summary>Reads the flame graph of a slot (and counts as a view); null when the slot is not open.</summary>
    public SlotSnapshot? Snapshot(SourceKey source, ProfileType? type, TimeWindow window)
    {
        lock (_lock)
        {
            if (!_slots.TryGetValue(source, out var slot))
            {
                return null;
            }

            slot.LastViewedAt = _time.GetUtcNow();
            var available = slot.ProfileTypes.OrderBy(t => t.ToString(), StringComparer.Ordinal).ToList();
            var chosen = type ?? ProfileType.PickDefault(available);
            var tree = chosen is { } t ? slot.Tree(t) : null;
            return new SlotSnapshot(tree?.Snapshot(window), chosen, available);
        }
    }

    /// <summary>Counts as a view of the slot, so it does not expire; false when it is not open (it is not reopened).</summary>
    public bool Touch(SourceKey source)
    {
        lock (_lock)
        {
            if (!_slots.TryGetValue(source, out var slot))
            {
                return false;
            }

            slot.LastViewedAt = _time.GetUtcNow();
            return true;
        }
    }

    /// <summary>
    /// The next live update for <paramref name="cursor"/> from the slot of <paramref name="source"/> (counts as a
    /// view): null when nothing changed since the cursor's last update, a <see cref="ProfileUpdate.Closed"/> update
    /// once when the slot is gone. Versions are compared under the lock; the tree is copied only when it changed.
    /// </summary>
    public ProfileUpdate? NextUpdate(SourceKey source, LiveCursor cursor)
    {
        ArgumentNullException.ThrowIfNull(cursor);
        LiveCapture capture;
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            if (_slots.TryGetValue(source, out var slot))
            {
                slot.LastViewedAt = now;
            }

            capture = cursor.Capture(slot, now);
        }

        return cursor.Apply(capture);
    }

    /// <summary>Adds the profiles of Sources with an open slot; others are ignored.</summary>
    public ValueTask<ConsumeStatus> ConsumeAsync(ProfileBatch batch, CancellationToken cancellationToken)
    {
        List<SourceKey>? changed = null;
        lock (_lock)
        {
            if (_slots.Count == 0)
            {
                return ValueTask.FromResult(ConsumeStatus.Accepted);
            }

            var received = _time.GetUtcNow().ToUnixTimeMilliseconds() * 1_000_000;
            Dictionary<SourceKey, StackResolver>? resolvers = null;
            foreach (var profile in batch.Profiles)
            {
                if (!_slots.TryGetValue(profile.Source, out var slot))
                {
                    continue;
                }

                resolvers ??= [];
                if (!resolvers.TryGetValue(profile.Source, out var resolver))
                {
                    resolver = new StackResolver(batch.Dictionary, slot.Frames);
                    resolvers.Add(profile.Source, resolver);
                }

                var full = slot.EstimatedBytes >= _options.SlotMaxBytes;
                var (added, dropped) = ProfileBatch.AddTo(slot.GetOrAddTree(profile.Type), profile, resolver, received, allowNewStacks: !full);
                slot.DroppedSamples += dropped;
                slot.Added(added);
                changed ??= [];
                if (!changed.Contains(profile.Source))
                {
                    changed.Add(profile.Source);
                }
            }

            if (resolvers is not null)
            {
                foreach (var resolver in resolvers.Values)
                {
                    resolver.Dispose();
                }
            }
        }

        if (changed is not null)
        {
            foreach (var source in changed)
            {
                Changed?.Invoke(source);
            }
        }

        return ValueTask.FromResult(ConsumeStatus.Accepted);
    }

    /// <summary>Applies new limits now: extra slots are evicted least recently viewed first.</summary>
    public void Reconfigure(SlotOptions options)
    {
        List<SourceKey> evicted = [];
        lock (_lock)
        {
            _options = options.Clone();
            while (_slots.Count > _options.MaxSlots)
            {
                var victim = _slots.Values.MinBy(s => s.LastViewedAt)!;
                _slots.Remove(victim.Source);
                evicted.Add(victim.Source);
                _evicted++;
            }
        }

        evicted.ForEach(source => Changed?.Invoke(source));
    }

    /// <summary>Closes slots nobody viewed for the TTL; returns how many.</summary>
    public int ExpireIdle()
    {
        List<SourceKey> expired = [];
        lock (_lock)
        {
            var cutoff = _time.GetUtcNow() - TimeSpan.FromSeconds(_options.SlotTtlSeconds);
            foreach (var slot in _slots.Values)
            {
                if (slot.LastViewedAt <= cutoff)
                {
                    expired.Add(slot.Source);
                }
            }

            expired.ForEach(source => _slots.Remove(source));
            _expired += expired.Count;
        }

        expired.ForEach(source => Changed?.Invoke(source));
        return expired.Count;
    }

    private AggregationOptions Aggregation() => new()
    {
        BucketWidth = TimeSpan.FromSeconds(_options.BucketSeconds),
        MaxBuckets = _options.MaxBuckets,
    };

    private SlotInfo Describe(ProfilingSlot slot)
    {
        var bytes = slot.EstimatedBytes;
        return new SlotInfo(
            slot.Source,
            slot.OpenedAt,
            slot.LastViewedAt,
            slot.SampleCount,
            slot.DroppedSamples,
            bytes,
            bytes >= _options.SlotMaxBytes,
            [.. slot.ProfileTypes.Select(t => t.ToString()).Order(StringComparer.Ordinal)]);
    }
}
