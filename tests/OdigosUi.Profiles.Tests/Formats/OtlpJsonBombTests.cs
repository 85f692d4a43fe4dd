using System.IO.Compression;
using System.Text;
using OdigosUi.Profiles.Conversion;
using OdigosUi.Profiles.Formats;
using OdigosUi.Profiles.Formats.Otlp;
using OdigosUi.Profiles.Validation;
using OdigosUi.TestSupport;

namespace OdigosUi.Profiles.Tests.Formats;

/// <summary>
/// The JSON bomb: OTLP/JSON of empty objects, a few bytes each, that once a message each (and a JSON tree node each
/// before) exhausted a 1 GiB heap from a 16 MiB body (16 KB gzipped). Allocation is measured on the test's thread.
/// </summary>
public class OtlpJsonBombTests
{
    [Fact]
    public void Sixteen_MiB_bomb_is_refused_for_its_size_without_being_parsed()
    {
        var bomb = ProfileBombs.JsonBomb(16 << 20);
        Assert.True(Gzip(bomb).Length < 64 * 1024);

        var (error, allocated) = Measure(() => OtlpJsonReader.Read(bomb));

        Assert.IsType<ProfileTooLargeException>(error);
        Assert.Equal($"OTLP/JSON: the document ({bomb.Length} bytes) is larger than the limit of 8388608 bytes (Ingest:Limits:MaxJsonBytes)", error.Message);
        Assert.True(allocated < 64 * 1024, $"refusing allocated {allocated} bytes");
    }

    [Theory]
    [InlineData("locationTable")]
    [InlineData("stackTable")]
    [InlineData("attributeTable")]
    public void Bomb_under_the_size_limit_is_refused_once_it_built_a_few_times_its_size(string table)
    {
        var bomb = ProfileBombs.JsonBomb(6 << 20, table);
        var limits = ProfileLimits.Default;

        var (error, allocated) = Measure(() => OtlpJsonReader.Read(bomb, limits));

        Assert.IsType<ProfileTooLargeException>(error);
        Assert.Contains("Ingest:Limits:MaxJsonAllocationFactor", error.Message);
        var bound = ((limits.MaxJsonAllocationFactor + 2L) * bomb.Length) + (2 << 20);
        Assert.True(allocated < bound, $"parsing {bomb.Length} bytes allocated {allocated} bytes (bound {bound})");
    }

    [Fact]
    public void Gzipped_bomb_in_a_file_is_refused_without_exhausting_memory()
    {
        // A file (CLI, import) may be as large as it decompresses to; what parsing builds is still bounded by its size.
        var gzipped = Gzip(ProfileBombs.JsonBomb(16 << 20));

        var (error, allocated) = Measure(() => ProfilePayloadReader.Read(gzipped));

        Assert.IsType<ProfileTooLargeException>(error);
        Assert.True(allocated < 300L << 20, $"reading the file allocated {allocated} bytes");
    }

    [Fact]
    public void Real_documents_parse_within_their_allocation_budget_and_read_back_the_same()
    {
        foreach (var request in new[] { RealProducerPayloads.EbpfProfiler(), RealProducerPayloads.PerfNative("checkout", 0x7f00_0000_0000), SyntheticPayloads.Large() })
        {
            var json = Encoding.UTF8.GetBytes(OtlpJsonReader.Write(request));

            // The factor that would still accept them: real documents need a fraction of the default.
            var tight = ProfileLimits.Default with { MaxJsonAllocationFactor = 8 };
            Assert.Equal(request, OtlpJsonReader.Read(json, tight));
        }
    }

    [Fact]
    public void Large_original_payload_is_not_taken_for_a_bomb()
    {
        var request = RealProducerPayloads.EbpfProfiler();
        var payload = new byte[3 << 20];
        new Random(15).NextBytes(payload);
        request.ResourceProfiles[0].ScopeProfiles[0].Profiles[0].OriginalPayload = Google.Protobuf.ByteString.CopyFrom(payload);
        var json = Encoding.UTF8.GetBytes(OtlpJsonReader.Write(request));

        Assert.Equal(request, OtlpJsonReader.Read(json));
    }

    [Fact]
    public void String_overload_is_bounded_too()
    {
        var bomb = Encoding.UTF8.GetString(ProfileBombs.JsonBomb(4 << 20));

        Assert.Throws<ProfileTooLargeException>(() => OtlpJsonReader.Read(bomb));
    }

    private static (Exception Error, long Allocated) Measure(Action read)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        var error = Record.Exception(read);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.NotNull(error);
        return (error, allocated);
    }

    private static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.SmallestSize))
        {
            gzip.Write(data);
        }

        return output.ToArray();
    }
}
