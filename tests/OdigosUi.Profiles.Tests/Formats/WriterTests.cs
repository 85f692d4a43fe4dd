using System.IO.Compression;
using System.Text.Json;
using Google.Protobuf;
using OdigosUi.Profiles.Aggregation;
using OdigosUi.Profiles.Formats.Flamebearer;
using OdigosUi.Profiles.Formats.Folded;
using OdigosUi.Profiles.Formats.Otlp;
using OdigosUi.Profiles.Formats.Pprof;
using OdigosUi.Profiles.Model;
using OdigosUi.Profiles.Otlp.Collector;
using OdigosUi.Profiles.Validation;
using OdigosUi.TestSupport;
using PprofProfile = OdigosUi.Profiles.Pprof.Proto.Profile;

namespace OdigosUi.Profiles.Tests.Formats;

public class WriterTests
{
    private const long Now = 1_700_000_000_000_000_000;

    private static ProfileSnapshot Snapshot(ExportProfilesServiceRequest request, ProfileType? type = null)
    {
        var aggregator = new ProfileAggregator(AggregationOptions.Default with { MergeSources = true });
        aggregator.Add(ProfileBatch.Create(request), Now);
        return aggregator.Snapshot(ProfileAggregator.MergedSource, type ?? ProfileType.Cpu, TimeWindow.All)!;
    }

    private static ExportProfilesServiceRequest Sample()
    {
        var b = new OtlpRequestBuilder();
        var profile = b.Profile(new Dictionary<string, string> { ["service.name"] = "svc" }, period: 10_000_000);
        OtlpRequestBuilder.AddSample(profile, b.StackOf("b", "a"), 2);
        OtlpRequestBuilder.AddSample(profile, b.StackOf("c", "a"), 5);
        OtlpRequestBuilder.AddSample(profile, b.StackOf("a"), 1);
        OtlpRequestBuilder.AddSample(profile, b.StackOf("b", "d"), 4);
        OtlpRequestBuilder.AddSample(profile, b.Stack(b.AddressLocation(b.Mapping("/lib/libc.so.6"), 0xabc, "native")), 3);
        return b.Request;
    }

    [Fact]
    public void Flamebearer_levels_decode_to_the_tree()
    {
        var json = JsonDocument.Parse(FlamebearerWriter.Write(Snapshot(Sample()))).RootElement;
        var fb = json.GetProperty("flamebearer");
        var names = fb.GetProperty("names").EnumerateArray().Select(n => n.GetString()!).ToArray();
        var levels = fb.GetProperty("levels").EnumerateArray().Select(l => l.EnumerateArray().Select(v => v.GetInt64()).ToArray()).ToArray();

        Assert.Equal(1, json.GetProperty("version").GetInt32());
        Assert.Equal(15, fb.GetProperty("numTicks").GetInt64());
        Assert.Equal(5, fb.GetProperty("maxSelf").GetInt64());
        Assert.Equal("single", json.GetProperty("metadata").GetProperty("format").GetString());
        Assert.Equal(100, json.GetProperty("metadata").GetProperty("sampleRate").GetInt64());
        Assert.Equal("total", names[0]);
        Assert.Equal([0L, 15, 0, 0], levels[0]);

        // Decode as Pyroscope does: x = delta + end of the previous bar in the level.
        var bars = new List<(int Level, long X, long Total, long Self, string Name)>();
        for (var level = 0; level < levels.Length; level++)
        {
            long previousEnd = 0;
            for (var i = 0; i < levels[level].Length; i += 4)
            {
                var x = levels[level][i] + previousEnd;
                bars.Add((level, x, levels[level][i + 1], levels[level][i + 2], names[levels[level][i + 3]]));
                previousEnd = x + levels[level][i + 1];
            }
        }

        Assert.Contains((1, 0L, 8L, 1L, "a"), bars);
        Assert.Contains((1, 8L, 4L, 0L, "d"), bars);
        Assert.Contains((1, 12L, 3L, 3L, "libc.so.6+0xabc"), bars);
        Assert.Contains((2, 0L, 2L, 2L, "b"), bars);
        Assert.Contains((2, 2L, 5L, 5L, "c"), bars);
        Assert.Contains((2, 8L, 4L, 4L, "b"), bars);
        Assert.Equal(names.Length, names.Distinct().Count());
    }

    [Fact]
    public void Pprof_output_is_gzip_profile_proto_with_the_same_stacks()
    {
        var snapshot = Snapshot(Sample());
        var bytes = PprofWriter.Write(snapshot);

        Assert.Equal(0x1f, bytes[0]);
        Assert.Equal(0x8b, bytes[1]);
        using var gzip = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
        var profile = PprofProfile.Parser.ParseFrom(gzip);
        Assert.Equal("", profile.StringTable[0]);
        Assert.Equal("samples", profile.StringTable[(int)profile.SampleType.Single().Type]);
        Assert.Equal("cpu", profile.StringTable[(int)profile.PeriodType.Type]);
        Assert.Equal(10_000_000, profile.Period);
        Assert.Equal(15, profile.Sample.Sum(s => s.Value.Single()));
        Assert.All(profile.Location, l => Assert.NotEqual(0UL, l.Id));
        Assert.Equal(profile.Location.Count, profile.Location.Select(l => l.Id).Distinct().Count());

        var reread = PprofReader.Read(profile.ToByteArray());
        Assert.Equal(FoldedWriter.WriteString(snapshot), FoldedWriter.WriteString(Snapshot(reread)));
    }

    [Fact]
    public void Otlp_output_follows_the_pyroscope_rules_and_round_trips()
    {
        var snapshot = Snapshot(Sample());
        var request = OtlpWriter.Write([(new SourceKey("shop", "Deployment", "cart"), snapshot)], Now);
        var bytes = request.ToByteArray();
        var parsed = ExportProfilesServiceRequest.Parser.ParseFrom(bytes);
        var d = parsed.Dictionary;

        Assert.True(ProfilesValidator.Validate(parsed).IsValid);
        Assert.Equal("", d.StringTable[0]);
        Assert.Equal(0, d.MappingTable[0].CalculateSize());
        Assert.Equal(0, d.LocationTable[0].CalculateSize());
        Assert.Equal(0, d.FunctionTable[0].CalculateSize());
        Assert.Equal(0, d.LinkTable[0].CalculateSize());
        Assert.Equal(0, d.AttributeTable[0].CalculateSize());
        Assert.Equal(0, d.StackTable[0].CalculateSize());
        var profile = parsed.ResourceProfiles.Single().ScopeProfiles.Single().Profiles.Single();
        Assert.Equal("samples", d.StringTable[profile.SampleType.TypeStrindex]);
        Assert.Equal("count", d.StringTable[profile.SampleType.UnitStrindex]);
        Assert.Equal("cpu", d.StringTable[profile.PeriodType.TypeStrindex]);
        Assert.Equal("nanoseconds", d.StringTable[profile.PeriodType.UnitStrindex]);
        Assert.Equal(10_000_000, profile.Period);
        Assert.All(profile.Samples, s => Assert.Single(s.Values));
        var serviceName = parsed.ResourceProfiles[0].Resource.Attributes.Single(a => a.Key == "service.name");
        Assert.Equal("cart", serviceName.Value.StringValue);
        Assert.Equal(0, serviceName.KeyStrindex);

        var again = new ProfileAggregator();
        again.Add(ProfileBatch.Create(parsed), Now);
        Assert.Equal([new SourceKey("shop", "Deployment", "cart")], again.Sources);
        Assert.Equal(FoldedWriter.WriteString(snapshot), FoldedWriter.WriteString(again.Snapshot(again.Sources[0], ProfileType.Cpu, TimeWindow.All)!));
        var native = d.LocationTable.Skip(1).Single(l => d.StringTable[d.FunctionTable[l.Lines[0].FunctionIndex].NameStrindex] == "libc.so.6+0xabc");
        Assert.Equal("native", d.AttributeTable[native.AttributeIndices.Single()].Value.StringValue);
    }

    [Fact]
    public void Otlp_output_never_has_a_zero_period()
    {
        var b = new OtlpRequestBuilder();
        OtlpRequestBuilder.AddSample(b.Profile(new Dictionary<string, string>(), period: 0), b.StackOf("x"), 1);
        var request = OtlpWriter.Write([(new SourceKey("local", "Process", "x"), Snapshot(b.Request))], Now);
        Assert.Equal(OtlpWriter.DefaultCpuPeriodNanos, request.ResourceProfiles[0].ScopeProfiles[0].Profiles[0].Period);
    }

    [Fact]
    public void Folded_lines_sort_by_code_point()
    {
        var b = new OtlpRequestBuilder();
        var profile = b.Profile(new Dictionary<string, string>());
        OtlpRequestBuilder.AddSample(profile, b.StackOf("\uFF21"), 1);
        OtlpRequestBuilder.AddSample(profile, b.StackOf("\U0001F600"), 1);
        OtlpRequestBuilder.AddSample(profile, b.StackOf("b", "a"), 1);
        OtlpRequestBuilder.AddSample(profile, b.StackOf("a"), 1);

        Assert.Equal("a 1\na;b 1\n\uFF21 1\n\U0001F600 1\n", FoldedWriter.WriteString(Snapshot(b.Request)));
    }
}
