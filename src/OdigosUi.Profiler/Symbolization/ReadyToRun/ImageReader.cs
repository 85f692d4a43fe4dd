using System.Buffers.Binary;

namespace OdigosUi.Profiler.Symbolization.ReadyToRun;

/// <summary>
/// Bounds-checked reads of a PE file's bytes by file offset: fixed-size little-endian values, the NativeFormat
/// variable-length integers of the ReadyToRun tables, and ECMA-335 compressed integers of signatures. Reading outside
/// the file throws <see cref="BadImageFormatException"/>.
/// </summary>
internal readonly ref struct ImageReader(ReadOnlySpan<byte> image)
{
    private readonly ReadOnlySpan<byte> _image = image;

    public int Length => _image.Length;

    public byte Byte(int offset) => Bytes(offset, 1)[0];

    public ushort UInt16(int offset) => BinaryPrimitives.ReadUInt16LittleEndian(Bytes(offset, 2));

    public uint UInt32(int offset) => BinaryPrimitives.ReadUInt32LittleEndian(Bytes(offset, 4));

    public ReadOnlySpan<byte> Bytes(int offset, int count) =>
        offset >= 0 && count >= 0 && offset <= _image.Length - count
            ? _image.Slice(offset, count)
            : throw new BadImageFormatException($"{count} bytes at offset {offset} are outside the {_image.Length} bytes of the file");

    /// <summary>
    /// A NativeFormat unsigned integer: the low bits of the first byte say how many bytes follow (x0: none, x01: one,
    /// x011: two, x0111: three, 01111: a 32-bit value in the next four).
    /// </summary>
    public uint NativeUnsigned(ref int offset)
    {
        var first = Byte(offset);
        var (length, shift) = NativeLength(first);
        uint value = length switch
        {
            1 => first,
            2 => UInt16(offset),
            3 => UInt16(offset) | (uint)Byte(offset + 2) << 16,
            4 => UInt32(offset),
            _ => UInt32(offset + 1),
        };
        offset += length;
        return value >> shift;
    }

    /// <summary>A NativeFormat signed integer: the encoding of <see cref="NativeUnsigned"/>, sign-extended from its top bit.</summary>
    public int NativeSigned(ref int offset)
    {
        var first = Byte(offset);
        var (length, shift) = NativeLength(first);
        var value = length switch
        {
            1 => (sbyte)first,
            2 => (short)UInt16(offset),
            3 => (int)(UInt16(offset) | (uint)Byte(offset + 2) << 16) << 8 >> 8,
            4 => (int)UInt32(offset),
            _ => (int)UInt32(offset + 1),
        };
        offset += length;
        return value >> shift;
    }

    /// <summary>An ECMA-335 compressed unsigned integer (II.23.2): one, two or four bytes, big-endian.</summary>
    public uint Compressed(ref int offset)
    {
        var first = Byte(offset);
        if ((first & 0x80) == 0)
        {
            offset += 1;
            return first;
        }

        if ((first & 0xC0) == 0x80)
        {
            var two = BinaryPrimitives.ReadUInt16BigEndian(Bytes(offset, 2));
            offset += 2;
            return two & 0x3FFFu;
        }

        if ((first & 0xE0) == 0xC0)
        {
            var four = BinaryPrimitives.ReadUInt32BigEndian(Bytes(offset, 4));
            offset += 4;
            return four & 0x1FFF_FFFFu;
        }

        throw new BadImageFormatException($"bad compressed integer at offset {offset}");
    }

    private static (int Length, int Shift) NativeLength(byte first) =>
        (first & 1) == 0 ? (1, 1)
        : (first & 2) == 0 ? (2, 2)
        : (first & 4) == 0 ? (3, 3)
        : (first & 8) == 0 ? (4, 4)
        : (first & 16) == 0 ? (5, 0)
        : throw new BadImageFormatException("64-bit NativeFormat integers are not used by ReadyToRun tables");
}
