namespace OdigosUi.Profiler.Symbolization.ReadyToRun;

/// <summary>
/// A NativeFormat hashtable (the ReadyToRun INSTANCE_METHOD_ENTRYPOINTS table), read only to enumerate every entry: a
/// header byte (log2 of the bucket count, size of the bucket offsets), the bucket offsets, then per bucket its entries,
/// each a low hash byte and a signed offset (relative to itself) to the entry's data.
/// </summary>
internal static class NativeHashtable
{
    /// <summary>The file offset of every entry's data of the table at [<paramref name="offset"/>, <paramref name="end"/>), at most <paramref name="maxEntries"/>.</summary>
    public static List<int> Entries(ImageReader reader, int offset, int end, int maxEntries)
    {
        var header = reader.Byte(offset);
        var bucketsShift = header >> 2;
        var cellSize = (header & 3) switch
        {
            0 => 1,
            1 => 2,
            2 => 4,
            _ => throw new BadImageFormatException("bad NativeHashtable entry size"),
        };
        var cells = offset + 1;
        if (bucketsShift > 24 || cells + ((1L << bucketsShift) + 1) * cellSize > end)
        {
            throw new BadImageFormatException("NativeHashtable buckets outside their section");
        }

        var entries = new List<int>();
        var buckets = 1 << bucketsShift;
        for (var bucket = 0; bucket < buckets; bucket++)
        {
            var start = cells + Cell(reader, cells, bucket, cellSize);
            var stop = cells + Cell(reader, cells, bucket + 1, cellSize);
            if (start < cells || stop > end)
            {
                throw new BadImageFormatException("NativeHashtable bucket outside its section");
            }

            for (var at = start; at < stop;)
            {
                if (entries.Count >= maxEntries)
                {
                    throw new BadImageFormatException($"more than {maxEntries} NativeHashtable entries");
                }

                at++;
                var relative = at;
                var delta = reader.NativeSigned(ref at);
                entries.Add(checked(relative + delta));
            }
        }

        return entries;
    }

    private static int Cell(ImageReader reader, int cells, int index, int size)
    {
        var value = size switch
        {
            1 => reader.Byte(cells + index),
            2 => reader.UInt16(cells + index * 2),
            _ => reader.UInt32(cells + index * 4),
        };
        return value <= int.MaxValue / 2 ? (int)value : throw new BadImageFormatException("NativeHashtable bucket offset too large");
    }
}
