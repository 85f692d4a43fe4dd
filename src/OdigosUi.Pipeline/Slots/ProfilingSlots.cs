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
/// bytes per slot (each new frame, stack and bucket entry is charged to the slot's budget; a full slot keeps counting
/// the stacks it knows and drops the samples that need new ones) and idle TTL. Locks: <c>_lock</c> guards which
/// slots exist and the options, and is held only to find, add or remove slots; each slot's data has its own gate,
/// taken without <c>_lock</c> held, so ingest into one slot never waits for a snapshot of another.
/// </summary>
public sealed class ProfilingSlots : IProfilesConsumer
{
    private readonly Lock _lock = new();
    private readonly Dictionary<SourceKey, ProfilingSlot> _slots = [];
    private readonly TimeProvider _time;
    private SlotOptions _options;
    private long _evicted;
    private long _expired;
    private long _dropped;

    public ProfilingSlots(SlotOptions options, TimeProvider? time = null)
    {
        _options = options.Clone();
        _time = time ?? TimeProvider.System;
    }

    /// <summary>Raised outside the locks after slots open, close or receive data; carries only the Source.</summary>
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

    /// <summary>Samples every slot dropped since start because its budget could not hold their new frames or stacks.</summary>
    public long DroppedSamplesTotal => Interlocked.Read(ref _dropped);

    public long TotalBytes => AllSlots().Sum(slot => slot.EstimatedBytes);

    public bool IsOpen(SourceKey source) => Find(source) is not null;

    /// <summary>Opens (or touches) the slot of <paramref name="source"/>, evicting the least recently viewed when all are taken.</summary>
    public SlotInfo Open(SourceKey source)
    {
        ProfilingSlot slot;
        SourceKey? evicted = null;
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            if (!_slots.TryGetValue(source, out slot!))
            {
                if (_slots.Count >= _options.MaxSlots)
                {
                    var victim = _slots.Values.MinBy(s => s.LastViewedAt)!;
                    _slots.Remove(victim.Source);
                    evicted = victim.Source;
                    _evicted++;
                }

                slot = new ProfilingSlot(source, now, Aggregation(), _options.SlotMaxBytes);
                _slots.Add(source, slot);
            }

            slot.LastViewedAt = now;
        }

        var info = Describe(slot);
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
        ProfilingSlot? slot;
        AggregationOptions aggregation;
        lock (_lock)
        {
            slot = _slots.GetValueOrDefault(source);
            aggregation = Aggregation();
        }

        if (slot is null)
        {
            return false;
        }

        lock (slot.Gate)
        {
            slot.Clear(aggregation);
        }

        Changed?.Invoke(source);
        return true;
    }

    public IReadOnlyList<SlotInfo> List() =>
        [.. AllSlots().OrderBy(s => s.Source.ToString(), StringComparer.Ordinal).Select(Describe)];

    /// <summary>Time bucket entries held by a slot (all profile types), for memory accounting.</summary>
    public long BucketEntries(SourceKey source)
    {
        if (Find(source) is not { } slot)
        {
            return 0;
        }

        lock (slot.Gate)
        {
            return slot.ProfileTypes.Sum(t => slot.Tree(t)!.Buckets.Sum(b => (long)b.Count));
        }
    }

    public SlotInfo? Get(SourceKey source) => Find(source) is { } slot ? Describe(slot) : null;

    /// <summary>Reads the flame graph of a slot (and counts as a view); null when the slot is not open.</summary>
    public SlotSnapshot? Snapshot(SourceKey source, ProfileType? type, TimeWindow window)
    {
        if (Find(source) is not { } slot)
        {
            return null;
        }

        lock (slot.Gate)
        {
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
        if (Find(source) is not { } slot)
        {
            return false;
        }

        slot.LastViewedAt = _time.GetUtcNow();
        return true;
    }

    /// <summary>
    /// The next live update for <paramref name="cursor"/> from the slot of <paramref name="source"/> (counts as a
    /// view): null when nothing changed since the cursor's last update, a <see cref="ProfileUpdate.Closed"/> update
    /// once when the slot is gone. Versions are compared under the slot's gate; the tree is copied only when it changed.
    /// </summary>
    public ProfileUpdate? NextUpdate(SourceKey source, LiveCursor cursor)
    {
        ArgumentNullException.ThrowIfNull(cursor);
        LiveCapture capture;
        var slot = Find(source);
        if (slot is null)
        {
            capture = cursor.Capture(null, _time.GetUtcNow());
        }
        else
        {
            lock (slot.Gate)
            {
                var now = _time.GetUtcNow();
                slot.LastViewedAt = now;
                capture = cursor.Capture(slot, now);
            }
        }

        return cursor.Apply(capture);
    }

    /// <summary>Adds the profiles of Sources with an open slot, each under its own slot's gate; others are ignored.</summary>
    public ValueTask<ConsumeStatus> ConsumeAsync(ProfileBatch batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        List<(ProfilingSlot Slot, List<BatchProfile> Profiles)>? targets = null;
        lock (_lock)
        {
            if (_slots.Count == 0)
            {
                return ValueTask.FromResult(ConsumeStatus.Accepted);
            }

            foreach (var profile in batch.Profiles)
            {
                if (!_slots.TryGetValue(profile.Source, out var slot))
                {
                    continue;
                }

                targets ??= [];
                var index = targets.FindIndex(t => t.Slot == slot);
                if (index < 0)
                {
                    targets.Add((slot, [profile]));
                }
                else
                {
                    targets[index].Profiles.Add(profile);
                }
            }
        }

        if (targets is null)
        {
            return ValueTask.FromResult(ConsumeStatus.Accepted);
        }

        var received = _time.GetUtcNow().ToUnixTimeMilliseconds() * 1_000_000;
        foreach (var (slot, profiles) in targets)
        {
            lock (slot.Gate)
            {
                using var resolver = new StackResolver(batch.Dictionary, slot.Frames, batch.Limits);
                foreach (var profile in profiles)
                {
                    var samples = profile.Profile.Samples.Count;
                    var (added, dropped) = slot.GetOrAddTree(profile.Type) is { } tree
                        ? ProfileBatch.AddTo(tree, profile, resolver, received, allowNewStacks: !slot.Full)
                        : (0, samples);
                    slot.Added(added, dropped);
                    Interlocked.Add(ref _dropped, dropped);
                }
            }

            Changed?.Invoke(slot.Source);
        }

        return ValueTask.FromResult(ConsumeStatus.Accepted);
    }

    /// <summary>Applies new limits now: extra slots are evicted least recently viewed first, every slot gets the new byte budget.</summary>
    public void Reconfigure(SlotOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        List<SourceKey> evicted = [];
        List<ProfilingSlot> kept;
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

            kept = [.. _slots.Values];
        }

        foreach (var slot in kept)
        {
            // Under the gate: a clear replaces the slot's budget and must not lose the new limit.
            lock (slot.Gate)
            {
                slot.Budget.Limit = options.SlotMaxBytes;
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

    private ProfilingSlot? Find(SourceKey source)
    {
        lock (_lock)
        {
            return _slots.GetValueOrDefault(source);
        }
    }

    private List<ProfilingSlot> AllSlots()
    {
        lock (_lock)
        {
            return [.. _slots.Values];
        }
    }

    private AggregationOptions Aggregation() => new()
    {
        BucketWidth = TimeSpan.FromSeconds(_options.BucketSeconds),
        MaxBuckets = _options.MaxBuckets,
    };

    private static SlotInfo Describe(ProfilingSlot slot)
    {
        lock (slot.Gate)
        {
            return new SlotInfo(
                slot.Source,
                slot.OpenedAt,
                slot.LastViewedAt,
                slot.SampleCount,
                slot.DroppedSamples,
                slot.EstimatedBytes,
                slot.Full,
                [.. slot.ProfileTypes.Select(t => t.ToString()).Order(StringComparer.Ordinal)]);
        }
    }
}
