using System.Text;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace OdigosUi.Profiles.Formats;

/// <summary>
/// Parses protobuf as real producers write it. Google.Protobuf refuses a <c>string</c> field that is not valid UTF-8;
/// Go's pprof and Pyroscope read such files, so here each invalid sequence becomes U+FFFD instead, as
/// <see cref="Encoding.UTF8"/> decodes it (and as OTLP/JSON input is read).
/// </summary>
public static class LenientProtobuf
{
    public static T Parse<T>(MessageParser<T> parser, ReadOnlySpan<byte> bytes)
        where T : IMessage<T>, new()
    {
        try
        {
            return parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException e) when (e.InnerException is DecoderFallbackException)
        {
            var repaired = Utf8Repair.TryRepair(bytes, new T().Descriptor);
            if (repaired is null)
            {
                throw;
            }

            return parser.ParseFrom(repaired);
        }
    }

    /// <summary>A base-128 varint at <paramref name="position"/>; false when it runs past the end.</summary>
    internal static bool TryReadVarint(ReadOnlySpan<byte> data, ref int position, out ulong value)
    {
        value = 0;
        for (var shift = 0; shift < 64 && position < data.Length; shift += 7)
        {
            var b = data[position++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>Rewrites a message's wire bytes, guided by its descriptor, so that every string field is valid UTF-8.</summary>
file static class Utf8Repair
{
    private const int MaxDepth = 100;

    /// <returns>The repaired bytes, or null when the bytes are not well-formed protobuf.</returns>
    public static byte[]? TryRepair(ReadOnlySpan<byte> message, MessageDescriptor descriptor)
    {
        using var output = new MemoryStream(message.Length);
        return TryCopy(message, descriptor, output, 0) ? output.ToArray() : null;
    }

    private static bool TryCopy(ReadOnlySpan<byte> message, MessageDescriptor descriptor, MemoryStream output, int depth)
    {
        if (depth > MaxDepth)
        {
            return false;
        }

        var position = 0;
        while (position < message.Length)
        {
            var tagStart = position;
            if (!LenientProtobuf.TryReadVarint(message, ref position, out var tag))
            {
                return false;
            }

            var wireType = (int)(tag & 7);
            if (wireType != 2)
            {
                var end = position;
                var fits = wireType switch
                {
                    0 => LenientProtobuf.TryReadVarint(message, ref end, out _),
                    1 => (end += 8) <= message.Length,
                    5 => (end += 4) <= message.Length,
                    _ => false,
                };
                if (!fits)
                {
                    return false;
                }

                output.Write(message[tagStart..end]);
                position = end;
                continue;
            }

            output.Write(message[tagStart..position]);
            if (!LenientProtobuf.TryReadVarint(message, ref position, out var length) || length > (ulong)(message.Length - position))
            {
                return false;
            }

            var payload = message.Slice(position, (int)length);
            position += (int)length;
            var field = tag >> 3 <= int.MaxValue ? descriptor.FindFieldByNumber((int)(tag >> 3)) : null;
            switch (field?.FieldType)
            {
                case FieldType.String when !System.Text.Unicode.Utf8.IsValid(payload):
                    WriteLengthDelimited(output, Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(payload)));
                    break;
                case FieldType.Message:
                    using (var nested = new MemoryStream(payload.Length))
                    {
                        if (!TryCopy(payload, field.MessageType, nested, depth + 1))
                        {
                            return false;
                        }

                        WriteLengthDelimited(output, nested.GetBuffer().AsSpan(0, (int)nested.Length));
                    }

                    break;
                default:
                    WriteLengthDelimited(output, payload);
                    break;
            }
        }

        return true;
    }

    private static void WriteLengthDelimited(MemoryStream output, ReadOnlySpan<byte> payload)
    {
        var length = (ulong)payload.Length;
        while (length >= 0x80)
        {
            output.WriteByte((byte)(length | 0x80));
            length >>= 7;
        }

        output.WriteByte((byte)length);
        output.Write(payload);
    }
}
