using System.Globalization;
using System.Text.Json;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;

namespace OdigosUi.Pipeline.Receivers;

/// <summary>
/// A <c>google.rpc.Status</c> (code, message, optionally a <c>google.rpc.RetryInfo</c> detail), the error body of
/// OTLP/HTTP and the <c>grpc-status-details-bin</c> trailer of gRPC, encoded by hand to avoid a dependency for three
/// small messages: <c>Status{int32 code = 1; string message = 2; repeated google.protobuf.Any details = 3}</c>,
/// <c>RetryInfo{google.protobuf.Duration retry_delay = 1}</c>.
/// </summary>
internal static class RpcStatus
{
    public const string RetryInfoTypeUrl = "type.googleapis.com/google.rpc.RetryInfo";
    public const string DetailsTrailer = "grpc-status-details-bin";

    public static byte[] ToProtobuf(int code, string message, TimeSpan? retryDelay = null)
    {
        using var stream = new MemoryStream();
        var output = new CodedOutputStream(stream, leaveOpen: true);
        if (code != 0)
        {
            output.WriteTag(1, WireFormat.WireType.Varint);
            output.WriteInt32(code);
        }

        if (message.Length > 0)
        {
            output.WriteTag(2, WireFormat.WireType.LengthDelimited);
            output.WriteString(message);
        }

        if (retryDelay is { } delay)
        {
            output.WriteTag(3, WireFormat.WireType.LengthDelimited);
            output.WriteMessage(new Any { TypeUrl = RetryInfoTypeUrl, Value = RetryInfo(delay) });
        }

        output.Flush();
        return stream.ToArray();
    }

    public static byte[] ToJson(int code, string message, TimeSpan? retryDelay = null)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream))
        {
            json.WriteStartObject();
            json.WriteNumber("code", code);
            json.WriteString("message", message);
            if (retryDelay is { } delay)
            {
                json.WriteStartArray("details");
                json.WriteStartObject();
                json.WriteString("@type", RetryInfoTypeUrl);
                json.WriteString("retryDelay", delay.TotalSeconds.ToString("0.#########", CultureInfo.InvariantCulture) + "s");
                json.WriteEndObject();
                json.WriteEndArray();
            }

            json.WriteEndObject();
        }

        return stream.ToArray();
    }

    /// <summary>Reads a protobuf <c>google.rpc.Status</c>: its code, message and the RetryInfo delay when present.</summary>
    public static (int Code, string Message, TimeSpan? RetryDelay) FromProtobuf(ReadOnlySpan<byte> bytes)
    {
        var code = 0;
        var message = "";
        TimeSpan? delay = null;
        var input = new CodedInputStream(bytes.ToArray());
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (tag)
            {
                case (1 << 3) | (uint)WireFormat.WireType.Varint:
                    code = input.ReadInt32();
                    break;
                case (2 << 3) | (uint)WireFormat.WireType.LengthDelimited:
                    message = input.ReadString();
                    break;
                case (3 << 3) | (uint)WireFormat.WireType.LengthDelimited:
                    var any = new Any();
                    input.ReadMessage(any);
                    if (any.TypeUrl == RetryInfoTypeUrl)
                    {
                        var retryInfo = new CodedInputStream(any.Value.ToByteArray());
                        if (retryInfo.ReadTag() == ((1 << 3) | (uint)WireFormat.WireType.LengthDelimited))
                        {
                            var duration = new Duration();
                            retryInfo.ReadMessage(duration);
                            delay = duration.ToTimeSpan();
                        }
                    }

                    break;
                default:
                    input.SkipLastField();
                    break;
            }
        }

        return (code, message, delay);
    }

    private static ByteString RetryInfo(TimeSpan delay)
    {
        using var stream = new MemoryStream();
        var output = new CodedOutputStream(stream, leaveOpen: true);
        output.WriteTag(1, WireFormat.WireType.LengthDelimited);
        output.WriteMessage(Duration.FromTimeSpan(delay));
        output.Flush();
        return ByteString.CopyFrom(stream.ToArray());
    }
}
