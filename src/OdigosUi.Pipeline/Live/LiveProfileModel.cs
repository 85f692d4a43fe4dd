namespace OdigosUi.Pipeline.Live;

/// <summary>Raised by <see cref="LiveProfileModel.Apply"/> when an update breaks the protocol.</summary>
public sealed class LiveProtocolException(string message) : Exception(message);

/// <summary>
/// The client side of the live protocol, as the browser implements it: frames, nodes and self values rebuilt from
/// updates applied in order, each checked (ids continue where the client stands, parents precede children, frame ids
/// exist, the total matches). The .NET reference client of docs/live-protocol.md, used by tests and the load tool.
/// </summary>
public sealed class LiveProfileModel
{
    private readonly List<string> _labels = [];
    private readonly List<string> _kinds = [];
    private readonly List<int> _parents = [-1];
    private readonly List<int> _frames = [-1];
    private readonly List<long> _self = [0];

    public long? LastSeq { get; private set; }

    public string? ProfileType { get; private set; }

    public IReadOnlyList<string> AvailableTypes { get; private set; } = [];

    public long SampleCount { get; private set; }

    public long DroppedSamples { get; private set; }

    public bool Closed { get; private set; }

    public string Unit { get; private set; } = "";

    public long Period { get; private set; }

    public int NodeCount => _parents.Count;

    public int FrameCount => _labels.Count;

    /// <summary>Sum of every node's self value: the root's total.</summary>
    public long TotalValue { get; private set; }

    public long Self(int node) => _self[node];

    public int Parent(int node) => _parents[node];

    public string Label(int node) => node == 0 ? "" : _labels[_frames[node]];

    public void Apply(ProfileUpdate update)
    {
        ArgumentNullException.ThrowIfNull(update);
        if (LastSeq is { } last && update.Seq <= last)
        {
            throw new LiveProtocolException($"seq {update.Seq} does not follow {last}");
        }

        if (update.Reset)
        {
            _labels.Clear();
            _kinds.Clear();
            _parents.RemoveRange(1, _parents.Count - 1);
            _frames.RemoveRange(1, _frames.Count - 1);
            _self.Clear();
            _self.Add(0);
            TotalValue = 0;
        }

        AddFrames(update);
        AddNodes(update);
        ApplyDeltas(update);
        if (TotalValue != update.TotalValue)
        {
            throw new LiveProtocolException($"update {update.Seq}: the nodes add up to {TotalValue}, the server says {update.TotalValue}");
        }

        LastSeq = update.Seq;
        ProfileType = update.ProfileType;
        AvailableTypes = update.AvailableTypes;
        SampleCount = update.SampleCount;
        DroppedSamples = update.DroppedSamples;
        Closed = update.Closed;
        Unit = update.Unit;
        Period = update.Period;
    }

    /// <summary>Every stack that has a self value, as root-first labels joined by <c>;</c>, with that value.</summary>
    public IEnumerable<KeyValuePair<string, long>> Stacks()
    {
        var paths = new string[_parents.Count];
        paths[0] = "";
        for (var node = 1; node < _parents.Count; node++)
        {
            var parent = _parents[node];
            paths[node] = parent == 0 ? Label(node) : paths[parent] + ";" + Label(node);
        }

        for (var node = 0; node < _parents.Count; node++)
        {
            if (_self[node] != 0)
            {
                yield return KeyValuePair.Create(paths[node], _self[node]);
            }
        }
    }

    private void AddFrames(ProfileUpdate update)
    {
        if (update.FrameStart != _labels.Count)
        {
            throw new LiveProtocolException($"update {update.Seq}: frameStart {update.FrameStart}, the client has {_labels.Count} frames");
        }

        if (update.FrameLabels.Length != update.FrameKinds.Length)
        {
            throw new LiveProtocolException($"update {update.Seq}: {update.FrameLabels.Length} frame labels but {update.FrameKinds.Length} kinds");
        }

        _labels.AddRange(update.FrameLabels);
        _kinds.AddRange(update.FrameKinds);
    }

    private void AddNodes(ProfileUpdate update)
    {
        if (update.NodeStart != _parents.Count)
        {
            throw new LiveProtocolException($"update {update.Seq}: nodeStart {update.NodeStart}, the client has {_parents.Count} nodes");
        }

        if (update.NodeParents.Length != update.NodeFrames.Length)
        {
            throw new LiveProtocolException($"update {update.Seq}: {update.NodeParents.Length} node parents but {update.NodeFrames.Length} node frames");
        }

        for (var i = 0; i < update.NodeParents.Length; i++)
        {
            var id = update.NodeStart + i;
            var parent = update.NodeParents[i];
            var frame = update.NodeFrames[i];
            if (parent < 0 || parent >= id)
            {
                throw new LiveProtocolException($"update {update.Seq}: node {id} has parent {parent}");
            }

            if (frame < 0 || frame >= _labels.Count)
            {
                throw new LiveProtocolException($"update {update.Seq}: node {id} has frame {frame} of {_labels.Count}");
            }

            _parents.Add(parent);
            _frames.Add(frame);
            _self.Add(0);
        }
    }

    private void ApplyDeltas(ProfileUpdate update)
    {
        if (update.ChangedNodes.Length != update.SelfDeltas.Length)
        {
            throw new LiveProtocolException($"update {update.Seq}: {update.ChangedNodes.Length} changed nodes but {update.SelfDeltas.Length} deltas");
        }

        for (var i = 0; i < update.ChangedNodes.Length; i++)
        {
            var node = update.ChangedNodes[i];
            if (node < 0 || node >= _self.Count)
            {
                throw new LiveProtocolException($"update {update.Seq}: changed node {node} of {_self.Count}");
            }

            _self[node] += update.SelfDeltas[i];
            TotalValue += update.SelfDeltas[i];
        }
    }
}
