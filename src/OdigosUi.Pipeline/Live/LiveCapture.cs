using OdigosUi.Profiles.Aggregation;
using OdigosUi.Profiles.Model;

namespace OdigosUi.Pipeline.Live;

/// <summary>What a <see cref="LiveCursor"/> read of a slot under the slot's own lock; immutable, so the diff runs outside it.</summary>
internal sealed class LiveCapture
{
    public static readonly LiveCapture Unchanged = new(LiveCaptureKind.Unchanged);
    public static readonly LiveCapture SlotClosed = new(LiveCaptureKind.Closed);

    private LiveCapture(LiveCaptureKind kind) => Kind = kind;

    public LiveCapture(
        bool reset,
        long generation,
        ProfileType? type,
        IReadOnlyList<ProfileType> available,
        long slotVersion,
        long treeVersion,
        long windowKey,
        ProfileSnapshot? snapshot,
        long sampleCount,
        long droppedSamples,
        long period)
        : this(LiveCaptureKind.Changed)
    {
        Reset = reset;
        Generation = generation;
        Type = type;
        Available = available;
        SlotVersion = slotVersion;
        TreeVersion = treeVersion;
        WindowKey = windowKey;
        Snapshot = snapshot;
        SampleCount = sampleCount;
        DroppedSamples = droppedSamples;
        Period = period;
    }

    public LiveCaptureKind Kind { get; }

    public bool Reset { get; }

    public long Generation { get; }

    public ProfileType? Type { get; }

    public IReadOnlyList<ProfileType> Available { get; } = [];

    public long SlotVersion { get; }

    /// <summary>The shown tree's version, or -1 when the slot has no tree of the shown type.</summary>
    public long TreeVersion { get; }

    public long WindowKey { get; }

    /// <summary>The shown tree for the window; null when only counters changed or there is no tree.</summary>
    public ProfileSnapshot? Snapshot { get; }

    public long SampleCount { get; }

    public long DroppedSamples { get; }

    public long Period { get; }
}

internal enum LiveCaptureKind
{
    Unchanged,
    Closed,
    Changed,
}
