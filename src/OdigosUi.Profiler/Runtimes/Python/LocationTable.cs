namespace OdigosUi.Profiler.Runtimes.Python;

/// <summary>
/// Decodes a code object's <c>co_linetable</c> in the format of CPython 3.11+ (PEP 626/657, InternalDocs/locations.md):
/// entries that each cover 1-8 code units; an entry's first byte has bit 7 set, its code in bits 3-6 and its length
/// minus one in bits 0-2, and the line moves by a delta the code says. Only lines are decoded (columns are skipped).
/// </summary>
public static class LocationTable
{
    private const int NoLocation = 15;
    private const int Long = 14;
    private const int NoColumns = 13;
    private const int OneLine0 = 10;
    private const int OneLine2 = 12;

    /// <summary>
    /// The line of the instruction at <paramref name="codeUnit"/> (its index in 2-byte code units) of a code object
    /// starting at <paramref name="firstLine"/>; null when the table gives it no line, does not reach it or is malformed.
    /// </summary>
    public static int? Line(ReadOnlySpan<byte> table, int firstLine, int codeUnit)
    {
        if (codeUnit < 0)
        {
            return null;
        }

        var line = firstLine;
        var unit = 0;
        var i = 0;
        while (i < table.Length)
        {
            var first = table[i];
            if ((first & 0x80) == 0)
            {
                return null;
            }

            var code = (first >> 3) & 15;
            var length = (first & 7) + 1;
            line += code switch
            {
                Long or NoColumns => SignedVarint(table, i + 1),
                >= OneLine0 and <= OneLine2 => code - OneLine0,
                _ => 0,
            };

            if (codeUnit < unit + length)
            {
                return code == NoLocation ? null : line;
            }

            unit += length;

            // The entry's other bytes (varints, columns) never have bit 7 set.
            do
            {
                i++;
            }
            while (i < table.Length && (table[i] & 0x80) == 0);
        }

        return null;
    }

    // 6-bit groups, least significant first, bit 6 set on all but the last; the lowest bit of the value is the sign.
    private static int SignedVarint(ReadOnlySpan<byte> table, int at)
    {
        uint value = 0;
        for (var shift = 0; at < table.Length && shift < 32; shift += 6, at++)
        {
            value |= (uint)(table[at] & 63) << shift;
            if ((table[at] & 64) == 0)
            {
                break;
            }
        }

        return (value & 1) != 0 ? -(int)(value >> 1) : (int)(value >> 1);
    }
}
