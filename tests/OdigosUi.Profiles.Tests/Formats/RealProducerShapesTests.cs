using System.IO.Compression;
using System.Text;
using Google.Protobuf;
using OdigosUi.Profiles.Aggregation;
using OdigosUi.Profiles.Conversion;
using OdigosUi.Profiles.Formats.Folded;
using OdigosUi.Profiles.Formats.Otlp;
using OdigosUi.Profiles.Formats.Pprof;
using OdigosUi.Profiles.Model;
using OdigosUi.Profiles.Otlp.Collector;
using OdigosUi.Profiles.Validation;
using OdigosUi.TestSupport;

namespace OdigosUi.Profiles.Tests.Formats;

/// <summary>What real producers send, read as the spec and Pyroscope read it.</summary>
public class RealProducerShapesTests
{
    private static readonly SourceKey Checkout = new("local", "Process", "checkout");

    [Fact]
    public void The_ebpf_profilers_null_entries_are_on_the_wire_and_accepted()
    {
        var bytes = RealProducerPayloads.EbpfProfiler().ToByteArray();
        var wire = ExportProfilesServiceRequest.Parser.ParseFrom(bytes);

        // Field 2 (value) of length 0: not wire-empty, which the validator once refused.
        Assert.Equal([0x12, 0x00], wire.Dictionary.AttributeTable[0].ToByteArray());
        Assert.Equal(16, wire.Dictionary.LinkTable[0].TraceId.Length);
        Assert.Empty(ProfilesValidator.Validate(wire).Errors);
    }

    [Theory]
    [InlineData(RealProducerPayloads.CpuType)]
    [InlineData(RealProducerPayloads.OffCpuType)]
    public void Folded_output_counts_values_with_timestamps_as_the_spec_does(string type)
    {
        var expected = RealProducerPayloads.ExpectedFolded[type];

        foreach (var input in Encodings(RealProducerPayloads.EbpfProfiler()))
        {
            var result = ProfileConverter.Convert(input, OutputFormat.Folded, type);
            Assert.Equal(expected, Encoding.UTF8.GetString(result.Output));
        }

        Assert.Equal(expected, ReferenceFolded.Compute(RealProducerPayloads.EbpfProfiler(), type));
    }

    [Fact]
    public void The_cpu_type_is_the_default_and_both_types_are_listed()
    {
        var result = ProfileConverter.Convert(RealProducerPayloads.EbpfProfiler().ToByteArray(), OutputFormat.Folded, null);

        Assert.Equal(RealProducerPayloads.CpuType, result.ProfileType);
        Assert.Equal([RealProducerPayloads.CpuType, RealProducerPayloads.OffCpuType], result.AvailableProfileTypes);
    }

    [Fact]
    public void Each_observation_falls_in_the_window_of_its_own_timestamp()
    {
        var aggregator = new ProfileAggregator();
        aggregator.Add(ProfileBatch.Create(RealProducerPayloads.EbpfProfiler()), 0);
        var offCpu = ProfileType.TryParse(RealProducerPayloads.OffCpuType, out var parsed) ? parsed : throw new InvalidOperationException();
        var from = (long)(RealProducerPayloads.Start + (20 * RealProducerPayloads.Second));

        var lastTen = aggregator.Snapshot(Checkout, offCpu, new TimeWindow(from, long.MaxValue))!;
        var firstTwenty = aggregator.Snapshot(Checkout, offCpu, new TimeWindow((long)RealProducerPayloads.Start, from))!;
        var cpuLastTen = aggregator.Snapshot(Checkout, ProfileType.Cpu, new TimeWindow(from, long.MaxValue))!;

        Assert.Equal(RealProducerPayloads.ExpectedOffCpuLastTenSeconds, FoldedWriter.WriteString(lastTen));
        Assert.Equal(6, lastTen.TotalValue);
        Assert.Equal(11, firstTwenty.TotalValue);
        Assert.Equal(1, cpuLastTen.TotalValue);
    }

    [Fact]
    public void Pprof_and_otlp_outputs_keep_the_totals()
    {
        var input = RealProducerPayloads.EbpfProfiler().ToByteArray();
        var type = RealProducerPayloads.OffCpuType;

        var pprof = ProfileConverter.Convert(input, OutputFormat.Pprof, type).Output;
        var fromPprof = ProfileConverter.Convert(pprof, OutputFormat.Folded, type).Output;
        var otlp = ProfileConverter.Convert(input, OutputFormat.Otlp, type).Output;
        var fromOtlp = ProfileConverter.Convert(otlp, OutputFormat.Folded, type).Output;

        Assert.Equal(RealProducerPayloads.ExpectedFolded[type], Encoding.UTF8.GetString(fromPprof));
        Assert.Equal(RealProducerPayloads.ExpectedFolded[type], Encoding.UTF8.GetString(fromOtlp));
    }

    [Fact]
    public void Zero_valued_stacks_are_in_no_output()
    {
        var input = RealProducerPayloads.EbpfProfiler().ToByteArray();
        var type = RealProducerPayloads.OffCpuType;

        var flamebearer = Encoding.UTF8.GetString(ProfileConverter.Convert(input, OutputFormat.Flamebearer, type).Output);
        var pprof = PprofReader.Read(Gunzip(ProfileConverter.Convert(input, OutputFormat.Pprof, type).Output));
        var otlp = ExportProfilesServiceRequest.Parser.ParseFrom(ProfileConverter.Convert(input, OutputFormat.Otlp, type).Output);

        Assert.DoesNotContain("sha256block", flamebearer);
        Assert.DoesNotContain("sha256block", pprof.Dictionary.StringTable);
        Assert.All(otlp.ResourceProfiles.SelectMany(r => r.ScopeProfiles).SelectMany(s => s.Profiles).SelectMany(p => p.Samples),
            sample => Assert.NotEqual(0, DictionaryView.SampleValue(sample)));
    }

    [Theory]
    [InlineData(0x7f0000000000UL)]
    [InlineData(0x7fdcac500000UL)]
    public void Unsymbolized_native_frames_are_labelled_with_the_file_relative_address(ulong libraryBase)
    {
        var input = RealProducerPayloads.PerfNative("checkout", libraryBase).ToByteArray();

        var folded = Encoding.UTF8.GetString(ProfileConverter.Convert(input, OutputFormat.Folded, null).Output);

        Assert.Equal(RealProducerPayloads.ExpectedPerfNativeFolded, folded);
    }

    [Fact]
    public void Replicas_with_the_library_at_different_bases_aggregate_into_one_frame()
    {
        var aggregator = new ProfileAggregator(AggregationOptions.Default with { MergeSources = true });
        aggregator.Add(ProfileBatch.Create(RealProducerPayloads.PerfNative("a", 0x7f0000000000)), 0);
        aggregator.Add(ProfileBatch.Create(RealProducerPayloads.PerfNative("b", 0x7fdcac500000)), 0);

        var folded = FoldedWriter.WriteString(aggregator.Snapshot(ProfileAggregator.MergedSource, ProfileType.Cpu, TimeWindow.All)!);

        Assert.Contains("main;libcrypto.so.3+0x1f00 10\n", folded);
        Assert.Equal(4, folded.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Fact]
    public void A_line_break_in_a_function_name_does_not_split_a_folded_line()
    {
        var b = new OtlpRequestBuilder();
        var profile = b.Profile(new Dictionary<string, string> { ["service.name"] = "svc" });
        OtlpRequestBuilder.AddSample(profile, b.StackOf("bad\nname\r", "main"), 3);

        var folded = Encoding.UTF8.GetString(ProfileConverter.Convert(b.Request.ToByteArray(), OutputFormat.Folded, null).Output);

        Assert.Equal("main;bad\uFFFDname\uFFFD 3\n", folded);
    }

    /// <summary>The request as protobuf, gzip-compressed protobuf, and OTLP/JSON.</summary>
    private static IEnumerable<byte[]> Encodings(ExportProfilesServiceRequest request)
    {
        var protobuf = request.ToByteArray();
        yield return protobuf;
        using (var compressed = new MemoryStream())
        {
            using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
            {
                gzip.Write(protobuf);
            }

            yield return compressed.ToArray();
        }

        yield return Encoding.UTF8.GetBytes(OtlpJsonReader.Write(request));
    }

    private static byte[] Gunzip(byte[] data)
    {
        using var input = new GZipStream(new MemoryStream(data), CompressionMode.Decompress);
        using var output = new MemoryStream();
        input.CopyTo(output);
        return output.ToArray();
    }
}
