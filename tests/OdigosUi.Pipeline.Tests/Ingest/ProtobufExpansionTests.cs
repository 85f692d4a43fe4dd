using Google.Protobuf;
using OdigosUi.Pipeline.Ingest;
using OdigosUi.Profiles.Otlp.Collector;
using OdigosUi.Profiles.Validation;
using OdigosUi.TestSupport;

namespace OdigosUi.Pipeline.Tests.Ingest;

public sealed class ProtobufExpansionTests
{
    public static TheoryData<string> Payloads => ["real", "synthetic", "empty locations", "empty lines", "empty samples"];

    [Theory]
    [MemberData(nameof(Payloads))]
    public void The_estimate_is_close_to_what_parsing_allocates(string name)
    {
        var body = Payload(name);
        var scan = ProtobufExpansion.Scan(body);
        Assert.Null(scan.Malformed);

        var before = GC.GetAllocatedBytesForCurrentThread();
        var request = ExportProfilesServiceRequest.Parser.ParseFrom(body);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        GC.KeepAlive(request);

        // Never far below (the charge must cover the bomb), never so far above that real data is refused.
        Assert.InRange(scan.EstimatedBytes, allocated * 6 / 10, Math.Max(allocated * 3, 4096));
    }

    [Fact]
    public void Counts_the_largest_table_and_the_samples()
    {
        var scan = ProtobufExpansion.Scan(WireBombs.Dictionary(WireBombs.Repeat(0x12, 5000)));
        Assert.Equal(("location_table", 5000L), (scan.LargestTable, scan.LargestTableEntries));
        Assert.Equal(1200, ProtobufExpansion.Scan(WireBombs.Samples(1200)).Samples);

        var limits = ProfileLimits.Default with { MaxTableEntries = 4096, MaxSamplesPerRequest = 1024 };
        Assert.Contains("Ingest:Limits:MaxTableEntries", ProtobufExpansion.Refusal(scan, limits), StringComparison.Ordinal);
        Assert.Contains("Ingest:Limits:MaxSamplesPerRequest", ProtobufExpansion.Refusal(ProtobufExpansion.Scan(WireBombs.Samples(1200)), limits), StringComparison.Ordinal);
        Assert.Null(ProtobufExpansion.Refusal(ProtobufExpansion.Scan(WireBombs.Samples(1000)), limits));
    }

    [Theory]
    [InlineData(new byte[] { 0x12, 0x05, 0x12 }, "longer than its message")]
    [InlineData(new byte[] { 0x0B, 0x0C }, "groups")]
    [InlineData(new byte[] { 0x08, 0x80 }, "truncated varint")]
    [InlineData(new byte[] { 0x00, 0x00 }, "field number 0")]
    public void Malformed_wire_data_is_named(byte[] body, string reason)
    {
        Assert.Contains(reason, ProtobufExpansion.Scan(body).Malformed, StringComparison.Ordinal);
    }

    private static byte[] Payload(string name) => name switch
    {
        "real" => RealProducerPayloads.EbpfProfiler().ToByteArray(),
        "synthetic" => SyntheticPayloads.Large().ToByteArray(),
        "empty locations" => WireBombs.Dictionary(WireBombs.Repeat(0x12, 100_000)),
        "empty lines" => WireBombs.Dictionary(WireBombs.Message(0x12, WireBombs.Repeat(0x1A, 100_000))),
        _ => WireBombs.Samples(100_000),
    };
}
