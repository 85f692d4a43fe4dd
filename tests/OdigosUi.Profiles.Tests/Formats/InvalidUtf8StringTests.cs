using System.Text;
using Google.Protobuf;
using OdigosUi.Profiles.Conversion;
using OdigosUi.Profiles.Formats;
using OdigosUi.Profiles.Formats.Pprof;
using OdigosUi.Profiles.Otlp.Common;
using PprofProto = OdigosUi.Profiles.Pprof.Proto;

namespace OdigosUi.Profiles.Tests.Formats;

/// <summary>
/// Invalid UTF-8 in a string table is read, not refused: each invalid byte becomes U+FFFD, as Google.Protobuf
/// decodes <c>string</c> fields and as Go's pprof (whose strings are bytes) accepts such files. The same holds for
/// pprof, OTLP protobuf and OTLP/JSON input.
/// </summary>
public class InvalidUtf8StringTests
{
    private const string Placeholder = "QQQQ";

    // 'W', two bytes that never occur in UTF-8, '!'.
    private static readonly byte[] InvalidUtf8 = [0x57, 0xFF, 0xFE, 0x21];

    private const string Replaced = "W\uFFFD\uFFFD!";

    [Fact]
    public void Pprof_function_name_with_invalid_utf8_reads_with_replacement_characters()
    {
        var pprof = Patch(OneFrameProfile().ToByteArray());

        Assert.Equal($"{Replaced} 3\n", Folded(pprof));
    }

    [Fact]
    public void Otlp_protobuf_string_with_invalid_utf8_reads_with_replacement_characters()
    {
        var otlp = Patch(PprofReader.Read(OneFrameProfile().ToByteArray()).ToByteArray());

        Assert.Equal($"{Replaced} 3\n", Folded(otlp));
    }

    [Fact]
    public void Otlp_json_string_with_invalid_utf8_reads_with_replacement_characters()
    {
        var json = Patch(Encoding.UTF8.GetBytes(JsonFormatter.Default.Format(PprofReader.Read(OneFrameProfile().ToByteArray()))));

        Assert.Equal($"{Replaced} 3\n", Folded(json));
    }

    [Fact]
    public void Otlp_resource_attribute_with_invalid_utf8_reads_with_replacement_characters()
    {
        var request = PprofReader.Read(OneFrameProfile("main").ToByteArray());
        request.ResourceProfiles[0].Resource.Attributes.Add(new KeyValue { Key = "service.name", Value = new AnyValue { StringValue = Placeholder } });

        var (read, _) = ProfilePayloadReader.Read(Patch(request.ToByteArray()));

        Assert.Equal(Replaced, read.ResourceProfiles[0].Resource.Attributes.Single(a => a.Key == "service.name").Value.StringValue);
        Assert.Equal("main 3\n", Folded(Patch(request.ToByteArray())));
    }

    [Fact]
    public void Invalid_utf8_in_a_file_that_is_also_truncated_is_refused_with_one_line()
    {
        var pprof = Patch(OneFrameProfile().ToByteArray());

        var error = Assert.Throws<ProfileFormatException>(() => PprofReader.Read(pprof.AsSpan(0, pprof.Length - 1)));

        Assert.StartsWith("pprof: not a valid protobuf message: ", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }

    private static string Folded(byte[] input) =>
        Encoding.UTF8.GetString(ProfileConverter.Convert(input, OutputFormat.Folded, "samples:count:cpu:nanoseconds").Output);

    /// <summary>Overwrites the placeholder's bytes in place; the same length keeps every length prefix valid.</summary>
    private static byte[] Patch(byte[] bytes)
    {
        var at = bytes.AsSpan().IndexOf(Encoding.ASCII.GetBytes(Placeholder));
        Assert.True(at >= 0, "placeholder not found in the encoded bytes");
        Assert.Equal(-1, bytes.AsSpan(at + 1).IndexOf(Encoding.ASCII.GetBytes(Placeholder)));
        InvalidUtf8.CopyTo(bytes, at);
        return bytes;
    }

    private static PprofProto.Profile OneFrameProfile(string functionName = Placeholder) => new()
    {
        StringTable = { "", "samples", "count", "cpu", "nanoseconds", functionName },
        SampleType = { new PprofProto.ValueType { Type = 1, Unit = 2 } },
        PeriodType = new PprofProto.ValueType { Type = 3, Unit = 4 },
        Period = 10_000_000,
        Function = { new PprofProto.Function { Id = 1, Name = 5 } },
        Location = { new PprofProto.Location { Id = 1, Line = { new PprofProto.Line { FunctionId = 1 } } } },
        Sample = { new PprofProto.Sample { LocationId = { 1 }, Value = { 3 } } },
    };
}
