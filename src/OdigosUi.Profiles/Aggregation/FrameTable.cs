namespace OdigosUi.Profiles.Aggregation;

/// <summary>A frame as the flame graph shows it: its label and, when the producer said so, its kind (kernel, native, dotnet, ...).</summary>
public readonly record struct Frame(string Label, string Kind);

/// <summary>Interns frames by label. Not thread-safe: the owner serializes access.</summary>
public sealed class FrameTable
{
    private readonly Dictionary<string, int> _ids = new(StringComparer.Ordinal);
    private readonly List<Frame> _frames = [];

    public int Count => _frames.Count;

    public Frame this[int id] => _frames[id];

    /// <summary>Rough heap cost: the label strings plus the table entries.</summary>
    public long EstimatedBytes { get; private set; }

    /// <summary>The id of a frame already interned, without adding anything.</summary>
    public bool TryFind(string label, out int id) => _ids.TryGetValue(label, out id);

    public int Intern(string label, string kind)
    {
        if (_ids.TryGetValue(label, out var id))
        {
            return id;
        }

        id = _frames.Count;
        _frames.Add(new Frame(label, kind));
        _ids.Add(label, id);
        EstimatedBytes += 22 + (2L * label.Length) + 48;
        return id;
    }
}
