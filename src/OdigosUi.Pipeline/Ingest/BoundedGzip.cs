using System.Buffers.Binary;
using System.IO.Compression;
using System.Runtime.InteropServices;

namespace OdigosUi.Pipeline.Ingest;

/// <summary>
/// gzip decompression that stops at a size limit (a gzip bomb is refused after at most limit + one read) and
/// refuses truncated input (which <see cref="GZipStream"/> ends quietly on) by checking the trailer's ISIZE.
/// </summary>
internal static class BoundedGzip
{
    public enum Outcome
    {
        Ok,
        Corrupt,
        TooLarge,

        /// <summary>The decompressed data did not fit in the request's <see cref="BytesInFlight.Lease"/>.</summary>
        OverBudget,
    }

    private const string OverBudgetMessage = "the receivers hold as many request bytes as Otlp:MaxBytesInFlight allows; retry later";

    public static bool IsGzip(ReadOnlySpan<byte> bytes) => bytes.Length >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b;

    /// <summary>Decompresses <paramref name="input"/> into <paramref name="output"/> (owned by the caller on <see cref="Outcome.Ok"/>).</summary>
    public static Outcome Decompress(ReadOnlyMemory<byte> input, long limit, out PooledBuffer? output, out string? error) =>
        Decompress(input, limit, null, out output, out error);

    /// <summary>As above, with every buffer reserved in <paramref name="lease"/> first.</summary>
    public static Outcome Decompress(ReadOnlyMemory<byte> input, long limit, BytesInFlight.Lease? lease, out PooledBuffer? output, out string? error)
    {
        output = null;
        var span = input.Span;
        if (!IsGzip(span) || span.Length < 18)
        {
            error = span.Length == 0 ? "corrupt gzip data: the body is empty" : "corrupt gzip data: not a gzip stream or too short";
            return Outcome.Corrupt;
        }

        // ISIZE (the uncompressed length mod 2^32) sizes the first buffer; an attacker's value only costs a clamp.
        var sizeHint = BinaryPrimitives.ReadUInt32LittleEndian(span[^4..]);
        var initial = (int)Math.Min(Math.Min(sizeHint, (ulong)limit + 1), 4L << 20);
        var buffer = lease is null ? new PooledBuffer(initial) : PooledBuffer.TryCreate(initial, lease);
        if (buffer is null)
        {
            error = OverBudgetMessage;
            return Outcome.OverBudget;
        }

        try
        {
            using (var source = AsStream(input))
            using (var gzip = new GZipStream(source, CompressionMode.Decompress))
            {
                while (true)
                {
                    var space = buffer.GetFreeSpace(limit);
                    if (space.IsEmpty)
                    {
                        error = OverBudgetMessage;
                        buffer.Dispose();
                        return Outcome.OverBudget;
                    }

                    if (space.Length > limit + 1 - buffer.Length)
                    {
                        space = space[..(int)(limit + 1 - buffer.Length)];
                    }

                    var read = gzip.Read(space.Span);
                    if (read == 0)
                    {
                        break;
                    }

                    buffer.Advance(read);
                    if (buffer.Length > limit)
                    {
                        error = $"the request expands beyond the limit of {limit} bytes when decompressed";
                        buffer.Dispose();
                        return Outcome.TooLarge;
                    }
                }
            }

            if (BinaryPrimitives.ReadUInt32LittleEndian(span[^4..]) != (uint)buffer.Length)
            {
                error = "corrupt gzip data: truncated or damaged (the trailer's size does not match)";
                buffer.Dispose();
                return Outcome.Corrupt;
            }
        }
        catch (Exception e) when (e is InvalidDataException or IOException or NotSupportedException)
        {
            error = $"corrupt gzip data: {e.Message}";
            buffer.Dispose();
            return Outcome.Corrupt;
        }

        error = null;
        output = buffer;
        return Outcome.Ok;
    }

    private static MemoryStream AsStream(ReadOnlyMemory<byte> input) =>
        MemoryMarshal.TryGetArray(input, out var segment) && segment.Array is not null
            ? new MemoryStream(segment.Array, segment.Offset, segment.Count, writable: false)
            : new MemoryStream(input.ToArray(), writable: false);
}
