using MessagePack;

namespace OdigosUi.Pipeline.Live;

/// <summary>
/// The server-to-client <c>update</c> of the live flame graph (docs/live-protocol.md): what changed since the
/// previous update of this connection. Serialized as a MessagePack array; the keys are the protocol's indexes.
/// </summary>
[MessagePackObject]
public sealed class ProfileUpdate
{
    /// <summary>Increases by one per update on a connection.</summary>
    [Key(0)]
    public long Seq { get; set; }

    /// <summary>Drop all state (frames, nodes, values) before applying this update.</summary>
    [Key(1)]
    public bool Reset { get; set; }

    /// <summary>The type shown; null while the slot has no data.</summary>
    [Key(2)]
    public string? ProfileType { get; set; }

    [Key(3)]
    public string[] AvailableTypes { get; set; } = [];

    /// <summary>Id of the first frame in <see cref="FrameLabels"/> (the number of frames the client already has).</summary>
    [Key(4)]
    public int FrameStart { get; set; }

    [Key(5)]
    public string[] FrameLabels { get; set; } = [];

    [Key(6)]
    public string[] FrameKinds { get; set; } = [];

    /// <summary>Id of the first node in <see cref="NodeParents"/> (the number of nodes the client already has, root included).</summary>
    [Key(7)]
    public int NodeStart { get; set; } = 1;

    [Key(8)]
    public int[] NodeParents { get; set; } = [];

    [Key(9)]
    public int[] NodeFrames { get; set; } = [];

    [Key(10)]
    public int[] ChangedNodes { get; set; } = [];

    /// <summary>Signed change of self value per entry of <see cref="ChangedNodes"/>.</summary>
    [Key(11)]
    public long[] SelfDeltas { get; set; } = [];

    /// <summary>The root's total after applying, so the client can check itself.</summary>
    [Key(12)]
    public long TotalValue { get; set; }

    [Key(13)]
    public long SampleCount { get; set; }

    [Key(14)]
    public long DroppedSamples { get; set; }

    /// <summary>The slot was closed or evicted; nothing else in this update changed.</summary>
    [Key(15)]
    public bool Closed { get; set; }

    [Key(16)]
    public string Unit { get; set; } = "";

    [Key(17)]
    public long Period { get; set; }
}
