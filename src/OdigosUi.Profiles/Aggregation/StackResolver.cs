using OdigosUi.Profiles.Model;

namespace OdigosUi.Profiles.Aggregation;

/// <summary>
/// Turns one request's stack indices into root-first frame ids of one <see cref="FrameTable"/>. Each location and
/// stack of the request is resolved at most once, so the cost follows the request, not what is stored.
/// </summary>
public sealed class StackResolver : IDisposable
{
    private readonly DictionaryView _dictionary;
    private readonly FrameTable _frames;
    private readonly int[] _locationStart;
    private readonly int[] _locationLength;
    private readonly int[] _stackStart;
    private readonly int[] _stackLength;
    private readonly List<string> _labels = [];
    private int[] _locationFrames;
    private int _locationFramesUsed;
    private int[] _stackFrames;
    private int _stackFramesUsed;
    private readonly int[] _nodeOfStack;
    private readonly int[] _stampOfStack;
    private int _stamp;

    public StackResolver(DictionaryView dictionary, FrameTable frames)
    {
        _dictionary = dictionary;
        _frames = frames;
        var locations = dictionary.LocationCount;
        var stacks = dictionary.StackCount;
        _locationStart = Rent(locations, -1);
        _locationLength = Rent(locations, 0);
        _stackStart = Rent(stacks, -1);
        _stackLength = Rent(stacks, 0);
        _nodeOfStack = Rent(stacks, 0);
        _stampOfStack = Rent(stacks, 0);
        _locationFrames = Pool.Rent(Math.Max(256, locations * 2));

        var indices = 0;
        var table = dictionary.Dictionary.StackTable;
        for (var i = 0; i < table.Count; i++)
        {
            indices += table[i].LocationIndices.Count;
        }

        _stackFrames = Pool.Rent(Math.Max(1024, indices + (indices / 4)));
    }

    private static System.Buffers.ArrayPool<int> Pool => System.Buffers.ArrayPool<int>.Shared;

    /// <summary>Starts a cache of stack index to tree node that is valid until the next call.</summary>
    public int BeginNodeCache() => ++_stamp;

    public bool TryGetCachedNode(int stamp, int stackIndex, out int node)
    {
        node = _nodeOfStack[stackIndex];
        return _stampOfStack[stackIndex] == stamp;
    }

    public void CacheNode(int stamp, int stackIndex, int node)
    {
        _nodeOfStack[stackIndex] = node;
        _stampOfStack[stackIndex] = stamp;
    }

    public void Dispose()
    {
        Pool.Return(_locationStart);
        Pool.Return(_locationLength);
        Pool.Return(_stackStart);
        Pool.Return(_stackLength);
        Pool.Return(_nodeOfStack);
        Pool.Return(_stampOfStack);
        Pool.Return(_locationFrames);
        Pool.Return(_stackFrames);
    }

    private static int[] Rent(int length, int fill)
    {
        var array = Pool.Rent(length);
        array.AsSpan(0, length).Fill(fill);
        return array;
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
        var count = locations.Count;
        var length = 0;
        for (var i = 0; i < count; i++)
        {
            var location = locations[i];
            if (_locationStart[location] < 0)
            {
                ResolveLocation(location);
            }

            length += _locationLength[location];
        }

        Reserve(ref _stackFrames, _stackFramesUsed, length);
        var start = _stackFramesUsed;
        var position = start + length;
        for (var i = 0; i < count; i++)
        {
            var location = locations[i];
            var frames = _locationFrames.AsSpan(_locationStart[location], _locationLength[location]);
            for (var f = 0; f < frames.Length; f++)
            {
                _stackFrames[--position] = frames[f];
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
            var larger = Pool.Rent(Math.Max(buffer.Length * 2, used + more));
            buffer.AsSpan(0, used).CopyTo(larger);
            Pool.Return(buffer);
            buffer = larger;
        }
    }
}
