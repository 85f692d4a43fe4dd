namespace OdigosUi.Profiler.Symbolization.ReadyToRun;

/// <summary>
/// A NativeFormat sparse array (the ReadyToRun METHODDEF_ENTRYPOINTS table): a header (element count, size of the block
/// offsets), one offset per block of 16 elements, and per block a binary tree of depth 4 whose leaves are the elements
/// present; an element is found by walking the bits of its index.
/// </summary>
internal readonly ref struct NativeArray
{
    private const int BlockSize = 16;

    private readonly ImageReader _reader;
    private readonly int _blocks;
    private readonly int _blockOffsetSize;

    public NativeArray(ImageReader reader, int offset)
    {
        _reader = reader;
        var header = reader.NativeUnsigned(ref offset);
        _blocks = offset;
        Count = header >> 2;
        _blockOffsetSize = (header & 3) switch
        {
            0 => 1,
            1 => 2,
            2 => 4,
            _ => throw new BadImageFormatException("bad NativeArray entry size"),
        };
    }

    public uint Count { get; }

    /// <summary>The file offset of element <paramref name="index"/>; false when the array has no such element.</summary>
    public bool TryGet(uint index, out int elementOffset)
    {
        elementOffset = 0;
        if (index >= Count)
        {
            return false;
        }

        var at = _blocks + (int)(index / BlockSize) * _blockOffsetSize;
        var blockOffset = _blockOffsetSize switch
        {
            1 => _reader.Byte(at),
            2 => _reader.UInt16(at),
            _ => _reader.UInt32(at),
        };
        if (blockOffset > int.MaxValue - _blocks)
        {
            throw new BadImageFormatException("NativeArray block outside the file");
        }

        var offset = _blocks + (int)blockOffset;
        for (var bit = BlockSize >> 1; bit > 0; bit >>= 1)
        {
            var node = offset;
            var descriptor = _reader.NativeUnsigned(ref node);
            if ((index & bit) != 0 && (descriptor & 2) != 0)
            {
                offset = checked(offset + (int)(descriptor >> 2));
                continue;
            }

            if ((index & bit) == 0 && (descriptor & 1) != 0)
            {
                offset = node;
                continue;
            }

            // A leaf where the tree stops early: it holds the one element of its subtree, if that is the one asked for.
            if ((descriptor & 3) == 0 && (descriptor >> 2) == (index & (BlockSize - 1)))
            {
                elementOffset = node;
                return true;
            }

            return false;
        }

        elementOffset = offset;
        return true;
    }
}
