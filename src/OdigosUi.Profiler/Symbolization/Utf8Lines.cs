using System.Buffers;
using System.Buffers.Text;

namespace OdigosUi.Profiler.Symbolization;

/// <summary>Reads a stream line by line as UTF-8 bytes through one reusable buffer, without a string per line.</summary>
internal static class Utf8Lines
{
    public delegate void LineHandler(ReadOnlySpan<byte> line);

    /// <summary>
    /// Calls <paramref name="handler"/> for every complete line of <paramref name="stream"/> (a last line without a
    /// newline only when <paramref name="includeUnterminated"/>). Returns the bytes consumed (up to the last newline handled).
    /// </summary>
    public static long ForEach(Stream stream, LineHandler handler, bool includeUnterminated = true, long maxBytes = long.MaxValue)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            return ForEach(stream, handler, includeUnterminated, maxBytes, ref buffer);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static long ForEach(Stream stream, LineHandler handler, bool includeUnterminated, long maxBytes, ref byte[] buffer)
    {
        var filled = 0;
        long consumed = 0;
        long total = 0;
        while (true)
        {
            if (filled == buffer.Length)
            {
                // A single line longer than the buffer: grow it.
                var larger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                buffer.AsSpan(0, filled).CopyTo(larger);
                ArrayPool<byte>.Shared.Return(buffer);
                buffer = larger;
            }

            var toRead = (int)Math.Min(buffer.Length - filled, maxBytes - total);
            var read = toRead <= 0 ? 0 : stream.Read(buffer, filled, toRead);
            total += read;
            if (read == 0)
            {
                if (includeUnterminated && filled > 0)
                {
                    handler(buffer.AsSpan(0, filled));
                    consumed += filled;
                }

                return consumed;
            }

            filled += read;
            var start = 0;
            int newline;
            while ((newline = buffer.AsSpan(start, filled - start).IndexOf((byte)'\n')) >= 0)
            {
                handler(buffer.AsSpan(start, newline));
                start += newline + 1;
            }

            consumed += start;
            Buffer.BlockCopy(buffer, start, buffer, 0, filled - start);
            filled -= start;
        }
    }

    /// <summary>The next field separated by spaces or tabs; false at the end of the line.</summary>
    public static bool NextField(scoped ref ReadOnlySpan<byte> line, out ReadOnlySpan<byte> field)
    {
        line = line.TrimStart(" \t"u8);
        if (line.IsEmpty)
        {
            field = default;
            return false;
        }

        var end = line.IndexOfAny(" \t"u8);
        field = end < 0 ? line : line[..end];
        line = end < 0 ? default : line[end..];
        return true;
    }

    /// <summary>Hexadecimal with or without a 0x prefix.</summary>
    public static bool TryParseHex(ReadOnlySpan<byte> text, out ulong value)
    {
        if (text.Length > 2 && text[0] == '0' && (text[1] | 0x20) == 'x')
        {
            text = text[2..];
        }

        return Utf8Parser.TryParse(text, out value, out var used, 'x') && used == text.Length;
    }
}
