using System.Diagnostics;
using Google.Protobuf;
using OdigosUi.Profiles.Conversion;
using OdigosUi.Profiles.Formats.Pprof;
using OdigosUi.TestSupport;
using PprofProto = OdigosUi.Profiles.Pprof.Proto;

namespace OdigosUi.Profiles.Tests.Formats;

/// <summary>pprof ids are the file's: dense ones map through arrays, sparse ones through a seeded hash.</summary>
[Collection(PprofIdTableTests.Alone)]
public class PprofIdTableTests
{
    /// <summary>The timed import runs while no other test class does.</summary>
    public const string Alone = "pprof import timed alone";

    [Fact]
    public void Eighty_thousand_colliding_function_and_location_ids_import_in_linear_time()
    {
        var pprof = ProfileBombs.CollidingIdsPprof(80_000);

        // Generous for a loaded 2-core machine (about 1 s when quiet); it took 67 s before, every id in one hash bucket.
        // The precise figure is HostileInputBenchmarks' (docs/benchmarks.md).
        var watch = Stopwatch.StartNew();
        var request = PprofReader.Read(pprof);
        watch.Stop();

        Assert.Equal(80_001, request.Dictionary.FunctionTable.Count);
        Assert.Equal(800, request.ResourceProfiles[0].ScopeProfiles[0].Profiles[0].Samples.Count);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(15), $"import took {watch.Elapsed}");
    }

    [Theory]
    [InlineData(1UL)]
    [InlineData(0x1_0000_0001UL)]
    [InlineData(1UL << 62)]
    public void Sparse_and_dense_ids_read_the_same_profile(ulong stride)
    {
        var dense = ReadFolded(Profile(1));

        Assert.Equal(dense, ReadFolded(Profile(stride)));
        Assert.Equal("main;work 5\n", dense);
    }

    [Theory]
    [InlineData(1UL)]
    [InlineData(0x1_0000_0001UL)]
    public void Duplicate_and_missing_ids_are_still_reported(ulong stride)
    {
        var duplicate = Profile(stride);
        duplicate.Function[1].Id = duplicate.Function[0].Id;
        Assert.Equal($"pprof: function[1]: duplicate id {stride}", Assert.Throws<ProfileFormatException>(() => PprofReader.Read(duplicate.ToByteArray())).Message);

        var missing = Profile(stride);
        missing.Sample[0].LocationId[0] = 3 * stride;
        Assert.Equal($"pprof: sample[0].location_id[0]: location {3 * stride} does not exist",
            Assert.Throws<ProfileFormatException>(() => PprofReader.Read(missing.ToByteArray())).Message);
    }

    private static string ReadFolded(PprofProto.Profile profile) =>
        System.Text.Encoding.UTF8.GetString(ProfileConverter.Convert(profile.ToByteArray(), OutputFormat.Folded, null).Output);

    /// <summary>main → work, with ids 1·stride and 2·stride.</summary>
    private static PprofProto.Profile Profile(ulong stride) => new()
    {
        SampleType = { new PprofProto.ValueType { Type = 1, Unit = 2 } },
        StringTable = { "", "samples", "count", "main", "work" },
        Function =
        {
            new PprofProto.Function { Id = stride, Name = 3 },
            new PprofProto.Function { Id = 2 * stride, Name = 4 },
        },
        Location =
        {
            new PprofProto.Location { Id = stride, Line = { new PprofProto.Line { FunctionId = stride } } },
            new PprofProto.Location { Id = 2 * stride, Line = { new PprofProto.Line { FunctionId = 2 * stride } } },
        },
        Sample = { new PprofProto.Sample { LocationId = { 2 * stride, stride }, Value = { 5 } } },
    };
}

[CollectionDefinition(PprofIdTableTests.Alone, DisableParallelization = true)]
public sealed class PprofImportTimedAlone;
