using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Google.Protobuf;
using OdigosUi.Profiles.Conversion;
using OdigosUi.Profiles.Formats;
using OdigosUi.Profiles.Formats.Otlp;
using OdigosUi.Profiles.Formats.Pprof;
using OdigosUi.Profiles.Otlp.Collector;
using OdigosUi.TestSupport;

namespace OdigosUi.Profiles.Tests.Conversion;

public class ProfileConverterTests
{
    private const string Cpu = "samples:count:cpu:nanoseconds";

    private static byte[] Gzip(byte[] bytes)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest))
        {
            gzip.Write(bytes);
        }

        return output.ToArray();
    }

    private static string Folded(byte[] input, string? type = null) =>
        Encoding.UTF8.GetString(ProfileConverter.Convert(input, OutputFormat.Folded, type).Output);

    public static TheoryData<string> Encodings => ["protobuf", "protobuf.gz", "json", "json.gz"];

    [Theory]
    [MemberData(nameof(Encodings))]
    public void Every_input_encoding_gives_the_reference_folded_stacks(string encoding)
    {
        var request = SyntheticPayloads.Small(7);
        var bytes = encoding.StartsWith("json", StringComparison.Ordinal)
            ? Encoding.UTF8.GetBytes(OtlpJsonReader.Write(request))
            : request.ToByteArray();
        if (encoding.EndsWith(".gz", StringComparison.Ordinal))
        {
            bytes = Gzip(bytes);
        }

        Assert.Equal(ReferenceFolded.Compute(request, Cpu), Folded(bytes));
    }

    [Fact]
    public void Every_output_format_converts_back_to_the_same_folded_stacks()
    {
        var request = SyntheticPayloads.Small(3);
        var expected = ReferenceFolded.Compute(request, Cpu);
        var input = request.ToByteArray();

        var pprof = ProfileConverter.Convert(input, OutputFormat.Pprof, null);
        var otlp = ProfileConverter.Convert(input, OutputFormat.Otlp, null);

        Assert.Equal(Cpu, pprof.ProfileType);
        Assert.Equal(expected, Folded(pprof.Output));
        Assert.Equal(expected, Folded(otlp.Output));
    }

    [Fact]
    public void Flamebearer_total_equals_the_sum_of_folded_values()
    {
        var request = SyntheticPayloads.Small(5);
        var folded = ReferenceFolded.Compute(request, Cpu);
        var sum = ReferenceFolded.Total(folded);
        var json = JsonDocument.Parse(ProfileConverter.Convert(request.ToByteArray(), OutputFormat.Flamebearer, null).Output);
        Assert.Equal(sum, json.RootElement.GetProperty("flamebearer").GetProperty("numTicks").GetInt64());
    }

    [Fact]
    public void Profile_type_picks_one_type_and_unknown_types_list_the_available_ones()
    {
        var b = new OtlpRequestBuilder();
        OtlpRequestBuilder.AddSample(b.Profile(new Dictionary<string, string>(), "alloc_space", "bytes", "space", "bytes", 1), b.StackOf("alloc"), 512);
        OtlpRequestBuilder.AddSample(b.Profile(new Dictionary<string, string>()), b.StackOf("run"), 2);
        var input = b.Request.ToByteArray();

        Assert.Equal("run 2\n", Folded(input));
        Assert.Equal("alloc 512\n", Folded(input, "alloc_space:bytes:space:bytes"));
        var error = Assert.Throws<ProfileFormatException>(() => Folded(input, "inuse_space:bytes:space:bytes"));
        Assert.Contains("it has: alloc_space:bytes:space:bytes, samples:count:cpu:nanoseconds", error.Message);
        Assert.Throws<ProfileFormatException>(() => Folded(input, "nonsense"));
    }

    [Fact]
    public void Pprof_input_is_read()
    {
        var request = SyntheticPayloads.Small(2);
        var pprof = ProfileConverter.Convert(request.ToByteArray(), OutputFormat.Pprof, null).Output;
        Assert.True(PprofReader.LooksLikePprof(ProfilePayloadReader.Gunzip(pprof, 1 << 20).Span));
        Assert.Equal(ReferenceFolded.Compute(request, Cpu), Folded(pprof));
    }

    [Theory]
    [InlineData(new byte[] { 0xff, 0xff, 0xff, 0xff }, "not an OTLP profiles request")]
    [InlineData(new byte[] { }, "empty")]
    [InlineData(new byte[] { 0x1f, 0x8b, 0x08, 0x00, 0x01 }, "gzip")]
    [InlineData(new byte[] { (byte)'{', (byte)'x' }, "OTLP/JSON")]
    public void Garbage_is_refused_with_a_reason(byte[] input, string reason)
    {
        var error = Assert.Throws<ProfileFormatException>(() => Folded(input));
        Assert.Contains(reason, error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void Invalid_profiles_are_refused_with_the_validation_reason()
    {
        var b = new OtlpRequestBuilder();
        OtlpRequestBuilder.AddSample(b.Profile(new Dictionary<string, string>()), 42, 1);
        var error = Assert.Throws<ProfileFormatException>(() => Folded(b.Request.ToByteArray()));
        Assert.Equal("invalid profile: resource_profiles[0].scope_profiles[0].profiles[0].samples[0]: Sample.stack_index 42 is out of range (stack_table has 1 entries)", error.Message);
    }

    [Fact]
    public void Json_lines_from_a_file_exporter_are_all_read()
    {
        var first = SyntheticPayloads.Small(12);
        var second = SyntheticPayloads.Small(13);
        var lines = OtlpJsonReader.Write(first).ReplaceLineEndings("") + "\n" + OtlpJsonReader.Write(second).ReplaceLineEndings("") + "\n";

        var folded = Folded(Gzip(Encoding.UTF8.GetBytes(lines)));

        var expected = ReferenceFolded.Parse(ReferenceFolded.Compute(first, Cpu));
        foreach (var (stack, value) in ReferenceFolded.Parse(ReferenceFolded.Compute(second, Cpu)))
        {
            expected[stack] = expected.GetValueOrDefault(stack) + value;
        }

        Assert.Equal(ReferenceFolded.Format(expected), folded);
    }

    [Fact]
    public void Gzip_bombs_stop_at_the_limit()
    {
        var bomb = Gzip(new byte[8 << 20]);
        var error = Assert.Throws<ProfileFormatException>(() => ProfilePayloadReader.Read(bomb, maxDecompressedBytes: 1 << 20));
        Assert.Contains("beyond the limit", error.Message);
    }
}
