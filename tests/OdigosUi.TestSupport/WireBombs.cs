using Google.Protobuf;

namespace OdigosUi.TestSupport;

/// <summary>
/// OTLP requests of empty messages written at the wire level (issue 15): two bytes each on the wire, tens of bytes each
/// once parsed. Shared by the pre-scan's tests, the receivers' attack tests and the pre-scan benchmark.
/// </summary>
public static class WireBombs
{
    /// <summary>A request whose dictionary holds <paramref name="content"/>.</summary>
    public static byte[] Dictionary(byte[] content) => Message(0x12, content);

    /// <summary>A request whose dictionary holds <paramref name="count"/> empty entries of table <paramref name="field"/>.</summary>
    public static byte[] EmptyTableEntries(int field, int count) => Dictionary(Repeat((byte)(field << 3 | 2), count));

    /// <summary>A request of one profile with <paramref name="count"/> empty samples.</summary>
    public static byte[] Samples(int count) => Message(0x0A, Message(0x12, Message(0x12, Repeat(0x12, count))));

    /// <summary><paramref name="count"/> empty length-delimited fields of tag <paramref name="tag"/>.</summary>
    public static byte[] Repeat(byte tag, int count)
    {
        var bytes = new byte[2 * count];
        for (var i = 0; i < bytes.Length; i += 2)
        {
            bytes[i] = tag;
        }

        return bytes;
    }

    /// <summary>One length-delimited field of tag <paramref name="tag"/> holding <paramref name="content"/>.</summary>
    public static byte[] Message(byte tag, byte[] content)
    {
        using var stream = new MemoryStream();
        var output = new CodedOutputStream(stream);
        output.WriteRawTag(tag);
        output.WriteBytes(ByteString.CopyFrom(content));
        output.Flush();
        return stream.ToArray();
    }
}
