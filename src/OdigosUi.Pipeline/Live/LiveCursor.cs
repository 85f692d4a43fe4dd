using OdigosUi.Pipeline.Slots;
using OdigosUi.Profiles.Aggregation;
using OdigosUi.Profiles.Model;

namespace OdigosUi.Pipeline.Live;

/// <summary>
/// What one watcher of a slot has been sent (frame count, node count, self value per node) and the slot state it
/// was sent from, so the next <see cref="ProfileUpdate"/> carries only new frames, new nodes and signed self deltas.
/// It starts over (<see cref="ProfileUpdate.Reset"/>) when the slot was cleared or recreated or the shown type
/// changed; a new view (type, window) is a new cursor. Memory: one long per node of the shown tree.
/// Not thread-safe: one watcher uses it, through <see cref="ProfilingSlots.NextUpdate"/>.
/// </summary>
public sealed class LiveCursor
{
    private const long NeverSent = -1;
    private const long ClosedSent = -2;
    private const long AllTimeKey = long.MinValue;
    private const long EmptyWindowKey = long.MaxValue;

    private long _generation = NeverSent;
    private ProfileType? _type;
    private string[] _available = [];
    private long _slotVersion;
    private long _treeVersion;
    private long _windowKey;
    private int _frames;
    private int _nodes = 1;
    private long[] _self = [];
    private long _total;
    private long _sampleCount;
    private long _droppedSamples;
    private long _period;

    /// <param name="requestedType">The type to show; null follows the slot's default (the CPU type when present).</param>
    /// <param name="windowSeconds">0: everything since the slot opened; otherwise the last that many seconds.</param>
    public LiveCursor(ProfileType? requestedType, int windowSeconds)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(windowSeconds);
        RequestedType = requestedType;
        WindowSeconds = windowSeconds;
    }

    public ProfileType? RequestedType { get; }

    public int WindowSeconds { get; }

    /// <summary>Nodes the client has, the root included.</summary>
    public int NodesSent => _nodes;

    public int FramesSent => _frames;

    /// <summary>Heap bytes of the per-node state.</summary>
    public long EstimatedBytes => _self.Length * 8L;

    /// <summary>
    /// Reads what changed since the last update; called under the slot's own lock. When nothing changed this compares
    /// versions (and, for a sliding window, finds the first bucket in it) and copies nothing.
    /// </summary>
    internal LiveCapture Capture(ProfilingSlot? slot, DateTimeOffset now)
    {
        if (slot is null)
        {
            return _generation == ClosedSent ? LiveCapture.Unchanged : LiveCapture.SlotClosed;
        }

        var window = Window(now);
        if (slot.Generation == _generation && slot.Version == _slotVersion)
        {
            // Same data; only time can have moved a sliding window past a bucket.
            if (window.IsAll || WindowKey(_type is { } shown ? slot.Tree(shown) : null, window) == _windowKey)
            {
                return LiveCapture.Unchanged;
            }
        }

        var available = slot.ProfileTypes.OrderBy(t => t.ToString(), StringComparer.Ordinal).ToList();
        var chosen = RequestedType ?? ProfileType.PickDefault(available);
        // Nothing is sent without a type, so a first type needs no reset.
        var reset = slot.Generation != _generation || (chosen != _type && _type is not null);
        var tree = chosen is { } c ? slot.Tree(c) : null;
        var windowKey = WindowKey(tree, window);
        var treeVersion = tree?.Version ?? -1;
        var treeChanged = reset || treeVersion != _treeVersion || windowKey != _windowKey;
        var snapshot = treeChanged && tree is not null ? slot.LiveSnapshot(tree, window, windowKey) : null;
        return new LiveCapture(reset, slot.Generation, chosen, available, slot.Version, treeVersion, windowKey, snapshot,
            slot.SampleCount, slot.DroppedSamples, tree?.Period ?? 0);
    }

    /// <summary>Turns a capture into the update the client needs and records it as sent; null when nothing changed.</summary>
    internal ProfileUpdate? Apply(LiveCapture capture)
    {
        switch (capture.Kind)
        {
            case LiveCaptureKind.Unchanged:
                return null;
            case LiveCaptureKind.Closed:
                _generation = ClosedSent;
                var closed = Describe(reset: false);
                closed.Closed = true;
                return closed;
        }

        var snapshot = capture.Snapshot;
        var reset = capture.Reset || (snapshot is not null && (snapshot.NodeCount < _nodes || snapshot.Frames.Length < _frames));
        if (reset)
        {
            _frames = 0;
            _nodes = 1;
            _self = [];
            _total = 0;
        }

        _generation = capture.Generation;
        _type = capture.Type;
        if (reset || capture.Available.Count != _available.Length)
        {
            _available = [.. capture.Available.Select(t => t.ToString())];
        }

        _slotVersion = capture.SlotVersion;
        _treeVersion = capture.TreeVersion;
        _windowKey = capture.WindowKey;
        _sampleCount = capture.SampleCount;
        _droppedSamples = capture.DroppedSamples;
        _period = capture.Period;

        var update = Describe(reset);
        if (snapshot is not null)
        {
            AddFrames(update, snapshot);
            AddNodes(update, snapshot);
            AddSelfDeltas(update, snapshot);
            _total = snapshot.TotalValue;
            update.TotalValue = _total;
        }

        return update;
    }

    private ProfileUpdate Describe(bool reset) => new()
    {
        Reset = reset,
        ProfileType = _type?.ToString(),
        AvailableTypes = _available,
        FrameStart = _frames,
        NodeStart = _nodes,
        TotalValue = _total,
        SampleCount = _sampleCount,
        DroppedSamples = _droppedSamples,
        Unit = _type?.SampleUnit ?? "",
        Period = _period,
    };

    private void AddFrames(ProfileUpdate update, ProfileSnapshot snapshot)
    {
        var count = snapshot.Frames.Length - _frames;
        if (count <= 0)
        {
            return;
        }

        var labels = new string[count];
        var kinds = new string[count];
        for (var i = 0; i < count; i++)
        {
            var frame = snapshot.Frames[_frames + i];
            labels[i] = frame.Label ?? "";
            kinds[i] = frame.Kind ?? "";
        }

        update.FrameLabels = labels;
        update.FrameKinds = kinds;
        _frames = snapshot.Frames.Length;
    }

    private void AddNodes(ProfileUpdate update, ProfileSnapshot snapshot)
    {
        var count = snapshot.NodeCount - _nodes;
        if (count <= 0)
        {
            return;
        }

        update.NodeParents = snapshot.Parent.AsSpan(_nodes, count).ToArray();
        update.NodeFrames = snapshot.FrameOf.AsSpan(_nodes, count).ToArray();
        _nodes = snapshot.NodeCount;
    }

    private void AddSelfDeltas(ProfileUpdate update, ProfileSnapshot snapshot)
    {
        var count = snapshot.NodeCount;
        if (_self.Length < count)
        {
            Array.Resize(ref _self, Math.Max(count, _self.Length + (_self.Length / 2)));
        }

        var self = snapshot.Self;
        List<int> changed = [];
        List<long> deltas = [];
        for (var node = 0; node < count; node++)
        {
            var delta = self[node] - _self[node];
            if (delta != 0)
            {
                changed.Add(node);
                deltas.Add(delta);
                _self[node] = self[node];
            }
        }

        update.ChangedNodes = [.. changed];
        update.SelfDeltas = [.. deltas];
    }

    private TimeWindow Window(DateTimeOffset now) =>
        WindowSeconds == 0 ? TimeWindow.All : TimeWindow.Last(TimeSpan.FromSeconds(WindowSeconds), now);

    /// <summary>
    /// Identifies which of a tree's buckets a window covers: the start of the first bucket in it. Two windows with
    /// the same key hold the same values, whatever their length.
    /// </summary>
    private static long WindowKey(ProfileTree? tree, TimeWindow window)
    {
        if (window.IsAll)
        {
            return AllTimeKey;
        }

        if (tree is null)
        {
            return EmptyWindowKey;
        }

        var width = Math.Max(1, tree.Options.BucketWidth.Ticks * 100);
        foreach (var bucket in tree.Buckets)
        {
            if (bucket.StartUnixNano + width > window.FromUnixNano)
            {
                return bucket.StartUnixNano;
            }
        }

        return EmptyWindowKey;
    }
}
