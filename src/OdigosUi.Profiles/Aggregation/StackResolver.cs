using OdigosUi.Profiles.Model;
using OdigosUi.Profiles.Validation;

namespace OdigosUi.Profiles.Aggregation;

/// <summary>
/// Turns one request's stack indices into root-first frame ids of one <see cref="FrameTable"/>. Each location and
/// stack of the request is resolved at most once, so the cost follows the request, not what is stored. A stack deeper
/// than <see cref="ProfileLimits.MaxStackDepth"/> keeps its leaf-most frames under a
/// <see cref="ProfileLimits.TruncatedFrameLabel"/> root; the frames of all stacks together stay within
/// <see cref="ProfileLimits.MaxFramesPerRequest"/>, which <see cref="ProfilesValidator"/> checks before.
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
    private readonly int _maxDepth;
    private readonly long _maxFrames;
    private int _truncatedFrame = -1;

    public StackResolver(DictionaryView dictionary, FrameTable frames)
        : this(dictionary, frames, ProfileLimits.Default)
    {
    }

    public StackResolver(DictionaryView dictionary, FrameTable frames, ProfileLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        _dictionary = dictionary;
        _frames = frames;
        _maxDepth = limits.MaxStackDepth;
        _maxFrames = limits.MaxFramesPerRequest;
        var locations = dictionary.LocationCount;
        var stacks = dictionary.StackCount;
        _locationStart = Rent(locations, -1);
        _locationLength = Rent(locations, 0);
        _stackStart = Rent(stacks, -1);
        _stackLength = Rent(stacks, 0);
        _nodeOfStack = Rent(stacks, 0);
        _stampOfStack = Rent(stacks, 0);
        _locationFrames = Pool.Rent(InitialSize(256, 2L * locations));

        long indices = 0;
        var table = dictionary.Dictionary.StackTable;
        for (var i = 0; i < table.Count; i++)
        {
            indices += table[i].LocationIndices.Count;
        }

        _stackFrames = Pool.Rent(InitialSize(1024, Math.Min(indices + (indices / 4), _maxFrames)));
    }

    /// <summary>Frames resolved so far for all the stacks asked for.</summary>
    public long ResolvedFrames => _stackFramesUsed;

    private static int InitialSize(int least, long wanted) => (int)Math.Clamp(wanted, least, 1 << 24);

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

    /// <summary>The root-first frame ids of a stack, interning the frames the table does not have yet.</summary>
    public ReadOnlySpan<int> RootFirst(int stackIndex)
    {
        var start = _stackStart[stackIndex];
        if (start < 0)
        {
            start = ResolveStack(stackIndex, intern: true);
        }

        return _stackFrames.AsSpan(start, _stackLength[stackIndex]);
    }

    /// <summary>
    /// The root-first frame ids of a stack whose every frame the table already has; false, and nothing interned, when
    /// one is new (what a full slot does: it only looks frames up).
    /// </summary>
    public bool TryFindRootFirst(int stackIndex, out ReadOnlySpan<int> frames)
    {
        var start = _stackStart[stackIndex];
        if (start == Unresolved)
        {
            start = ResolveStack(stackIndex, intern: false);
        }

        frames = start >= 0 ? _stackFrames.AsSpan(start, _stackLength[stackIndex]) : default;
        return start >= 0;
    }

    /// <summary>Start of a location or stack not resolved yet.</summary>
    private const int Unresolved = -1;

    /// <summary>Start of a location or stack that has a frame the table does not have, looked up without interning.</summary>
    private const int HasNewFrame = -2;

    private int ResolveStack(int stackIndex, bool intern)
    {
        // Leaf first: only the locations that the kept frames come from are resolved.
        var locations = _dictionary.Stack(stackIndex).LocationIndices;
        var count = 0;
        long frameCount = 0;
        while (count < locations.Count && frameCount <= _maxDepth)
        {
            var location = locations[count++];
            if (_locationStart[location] == Unresolved || (intern && _locationStart[location] == HasNewFrame))
            {
                ResolveLocation(location, intern);
            }

            if (_locationStart[location] == HasNewFrame)
            {
                _stackStart[stackIndex] = HasNewFrame;
                return HasNewFrame;
            }

            frameCount += _locationLength[location];
        }

        var truncatedFrame = -1;
        if (frameCount > _maxDepth && !TryTruncatedFrame(intern, out truncatedFrame))
        {
            _stackStart[stackIndex] = HasNewFrame;
            return HasNewFrame;
        }

        var truncated = frameCount > _maxDepth;
        var marker = truncated ? 1 : 0;
        var length = (int)Math.Min(frameCount, _maxDepth) + marker;
        if (_stackFramesUsed + (long)length > _maxFrames)
        {
            throw new InvalidOperationException(
                $"the request expands to more than {_maxFrames} frames; {nameof(ProfilesValidator)} refuses it with the same limits");
        }

        Reserve(ref _stackFrames, _stackFramesUsed, length);
        var start = _stackFramesUsed;
        var position = start + length;
        for (var i = 0; i < count && position > start + marker; i++)
        {
            var location = locations[i];
            var frames = _locationFrames.AsSpan(_locationStart[location], _locationLength[location]);
            for (var f = 0; f < frames.Length && position > start + marker; f++)
            {
                _stackFrames[--position] = frames[f];
            }
        }

        if (truncated)
        {
            _stackFrames[start] = truncatedFrame;
        }

        _stackFramesUsed += length;
        _stackStart[stackIndex] = start;
        _stackLength[stackIndex] = length;
        return start;
    }

    private bool TryTruncatedFrame(bool intern, out int frame)
    {
        if (_truncatedFrame < 0)
        {
            if (intern)
            {
                _truncatedFrame = _frames.Intern(ProfileLimits.TruncatedFrameLabel, "");
            }
            else if (_frames.TryFind(ProfileLimits.TruncatedFrameLabel, out var found))
            {
                _truncatedFrame = found;
            }
        }

        frame = _truncatedFrame;
        return frame >= 0;
    }

    private void ResolveLocation(int index, bool intern)
    {
        var location = _dictionary.Location(index);
        _labels.Clear();
        FrameLabels.Append(_dictionary, location, _labels);
        var kind = location.AttributeIndices.Count > 0
            ? _dictionary.TableAttribute(location.AttributeIndices, FrameLabels.FrameTypeAttribute) ?? ""
            : "";

        Reserve(ref _locationFrames, _locationFramesUsed, _labels.Count);
        var start = _locationFramesUsed;
        for (var i = 0; i < _labels.Count; i++)
        {
            int frame;
            if (intern)
            {
                frame = _frames.Intern(_labels[i], kind);
            }
            else if (!_frames.TryFind(_labels[i], out frame))
            {
                _locationStart[index] = HasNewFrame;
                return;
            }

            _locationFrames[start + i] = frame;
        }

        _locationStart[index] = start;
        _locationLength[index] = _labels.Count;
        _locationFramesUsed += _labels.Count;
    }

    private static void Reserve(ref int[] buffer, int used, int more)
    {
        var needed = (long)used + more;
        if (needed > buffer.Length)
        {
            if (needed > Array.MaxLength)
            {
                throw new InvalidOperationException($"a request cannot resolve to more than {Array.MaxLength} frames");
            }

            var larger = Pool.Rent((int)Math.Min(Math.Max(buffer.Length * 2L, needed), Array.MaxLength));
            buffer.AsSpan(0, used).CopyTo(larger);
            Pool.Return(buffer);
            buffer = larger;
        }
    }
}
