using System.Buffers.Binary;

namespace OdigosUi.Profiler.Unwinding;

/// <summary>Reads DWARF's little-endian integers, LEB128 numbers and encoded pointers; a read past the end throws <see cref="InvalidDataException"/>.</summary>
internal ref struct DwarfReader(ReadOnlySpan<byte> data, int position = 0)
{
    private readonly ReadOnlySpan<byte> _data = data;

    public int Position { get; set; } = position;

    public readonly int Length => _data.Length;

    public readonly bool AtEnd => Position >= _data.Length;

    public byte U8() => Take(1)[0];

    public ushort U16() => BinaryPrimitives.ReadUInt16LittleEndian(Take(2));

    public uint U32() => BinaryPrimitives.ReadUInt32LittleEndian(Take(4));

    public ulong U64() => BinaryPrimitives.ReadUInt64LittleEndian(Take(8));

    public ulong Uleb()
    {
        ulong result = 0;
        for (var shift = 0; ; shift += 7)
        {
            var b = U8();
            if (shift < 64)
            {
                result |= (ulong)(b & 0x7f) << shift;
            }

            if ((b & 0x80) == 0)
            {
                return result;
            }

            if (shift > 70)
            {
                throw new InvalidDataException("LEB128 number too long");
            }
        }
    }

    public long Sleb()
    {
        long result = 0;
        var shift = 0;
        byte b;
        do
        {
            b = U8();
            if (shift < 64)
            {
                result |= (long)(b & 0x7f) << shift;
            }

            shift += 7;
            if (shift > 77)
            {
                throw new InvalidDataException("LEB128 number too long");
            }
        }
        while ((b & 0x80) != 0);

        if (shift < 64 && (b & 0x40) != 0)
        {
            result |= -1L << shift;
        }

        return result;
    }

    /// <summary>A C string, as bytes without its NUL.</summary>
    public ReadOnlySpan<byte> CString()
    {
        var rest = _data[Math.Min(Position, _data.Length)..];
        var end = rest.IndexOf((byte)0);
        if (end < 0)
        {
            throw new InvalidDataException("unterminated string");
        }

        Position += end + 1;
        return rest[..end];
    }

    public ReadOnlySpan<byte> Take(int count)
    {
        if (count < 0 || Position < 0 || Position > _data.Length - count)
        {
            throw new InvalidDataException("call frame information ends inside an entry");
        }

        var span = _data.Slice(Position, count);
        Position += count;
        return span;
    }

    public void Skip(ulong count)
    {
        if (count > (ulong)(_data.Length - Position))
        {
            throw new InvalidDataException("call frame information ends inside an entry");
        }

        Position += (int)count;
    }

    /// <summary>
    /// A pointer in DW_EH_PE <paramref name="encoding"/>; pc-relative values are relative to the field's address,
    /// <paramref name="sectionAddress"/> + position, and data-relative ones to <paramref name="dataAddress"/>.
    /// </summary>
    public ulong Pointer(byte encoding, ulong sectionAddress, ulong dataAddress = 0)
    {
        if (encoding == 0xff)
        {
            return 0;
        }

        var fieldAddress = sectionAddress + (ulong)Position;
        ulong value = (encoding & 0x0f) switch
        {
            0x00 => U64(),
            0x01 => Uleb(),
            0x02 => U16(),
            0x03 => U32(),
            0x04 => U64(),
            0x09 => (ulong)Sleb(),
            0x0a => (ulong)(short)U16(),
            0x0b => (ulong)(int)U32(),
            0x0c => U64(),
            var other => throw new InvalidDataException($"unknown pointer encoding 0x{other:x}"),
        };

        return (encoding & 0x70) switch
        {
            0x00 => value,
            0x10 => value + fieldAddress,
            0x30 => value + dataAddress,
            var other => throw new InvalidDataException($"unsupported pointer application 0x{other:x}"),
        };
    }
}
