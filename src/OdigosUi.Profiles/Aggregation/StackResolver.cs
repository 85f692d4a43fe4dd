using OdigosUi.Profiles.Model;

namespace OdigosUi.Profiles.Aggregation;

/// <summary>
/// Turns one request's stack indices into root-first frame ids of one <see cref="FrameTable"/>. Each location and
/// stack of the request is resolved at most once, so the cost follows the request, not what is stored.
/// </summary>
public sealed class StackResolver
{
    private readonly DictionaryView _dictionary;
    private readonly FrameTable _frames;
    private readonly int[] _locationStart;
    private readonly int[] _locationLength;
    private readonly int[] _stackStart;
    private readonly int[] _stackLength;
    private readonly List<string> _labels = [];
    private int[] _locationFrames = new int[256];
    private int _locationFramesUsed;
    private int[] _stackFrames = new int[1024];
    private int _stackFramesUsed;

    public StackResolver(DictionaryView dictionary, FrameTable frames)
    {
        _dictionary = dictionary;
        _frames = frames;
        _locationStart = new int[dictionary.LocationCount];
        _locationLength = new int[dictionary.LocationCount];
        _stackStart = new int[dictionary.StackCount];
        _stackLength = new int[dictionary.StackCount];
        Array.Fill(_locationStart, -1);
        Array.Fill(_stackStart, -1);
    }

    public FrameTable Frames => _frames;

    public ReadOnlySpan<int> RootFirst(int stackIndex)
    {
        var start = _stackStart[stackIndex];
        if (start < 0)
        {
            start = ResolveStack(stackIndex);
        }

        return _stackFrames.AsSpan(start, _stackLength[stackIndex]);
    }

    private int ResolveStack(int stackIndex)
    {
        var locations = _dictionary.Stack(stackIndex).LocationIndices;
        var length = 0;
        foreach (var location in locations)
        {
            if (_locationStart[location] < 0)
            {
                ResolveLocation(location);
            }

            length += _locationLength[location];
        }

        Reserve(ref _stackFrames, _stackFramesUsed, length);
        var start = _stackFramesUsed;
        var position = start + length;
        foreach (var location in locations)
        {
            var frames = _locationFrames.AsSpan(_locationStart[location], _locationLength[location]);
            foreach (var frame in frames)
            {
                _stackFrames[--position] = frame;
            }
        }

        _stackFramesUsed += length;
        _stackStart[stackIndex] = start;
        _stackLength[stackIndex] = length;
        return start;
    }

    private void ResolveLocation(int index)
    {
        var location = _dictionary.Location(index);
        _labels.Clear();
        FrameLabels.Append(_dictionary, location, _labels);
        var kind = location.AttributeIndices.Count > 0
            ? _dictionary.TableAttribute(location.AttributeIndices, FrameLabels.FrameTypeAttribute) ?? ""
            : "";

        Reserve(ref _locationFrames, _locationFramesUsed, _labels.Count);
        _locationStart[index] = _locationFramesUsed;
        _locationLength[index] = _labels.Count;
        foreach (var label in _labels)
        {
            _locationFrames[_locationFramesUsed++] = _frames.Intern(label, kind);
        }
    }

    private static void Reserve(ref int[] buffer, int used, int more)
    {
        if (used + more > buffer.Length)
        {
            Array.Resize(ref buffer, Math.Max(buffer.Length * 2, used + more));
        }
    }
}
