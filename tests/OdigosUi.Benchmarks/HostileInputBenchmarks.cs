using System.Text;
using BenchmarkDotNet.Attributes;
using Google.Protobuf;
using OdigosUi.Profiles.Aggregation;
using OdigosUi.Profiles.Conversion;
using OdigosUi.Profiles.Formats.Otlp;
using OdigosUi.Profiles.Formats.Pprof;
using OdigosUi.Profiles.Otlp.Collector;
using OdigosUi.Profiles.Validation;
using OdigosUi.TestSupport;
using PprofProto = OdigosUi.Profiles.Pprof.Proto;

namespace OdigosUi.Benchmarks;

/// <summary>
/// The issue-15 bombs through the profile core (time and bytes allocated to read, validate and aggregate, or to
/// refuse), next to real input of the same kind. Before/after figures of the bombs: docs/benchmarks.md.
/// </summary>
[Config(typeof(BenchmarkConfig))]
public class HostileInputBenchmarks
{
    private byte[] _collidingPprof = [];
    private byte[] _densePprof = [];
    private byte[] _jsonBomb = [];
    private byte[] _realJson = [];
    private byte[] _expansionBomb = [];
    private byte[] _deepStack = [];

    [GlobalSetup]
    public void Setup()
    {
        _collidingPprof = ProfileBombs.CollidingIdsPprof(80_000);
        var dense = PprofProto.Profile.Parser.ParseFrom(_collidingPprof);
        foreach (var function in dense.Function)
        {
            function.Id /= 0x1_0000_0001UL;
        }

        foreach (var location in dense.Location)
        {
            location.Id /= 0x1_0000_0001UL;
            location.Line[0].FunctionId /= 0x1_0000_0001UL;
        }

        foreach (var sample in dense.Sample)
        {
            for (var i = 0; i < sample.LocationId.Count; i++)
            {
                sample.LocationId[i] /= 0x1_0000_0001UL;
            }
        }

        _densePprof = dense.ToByteArray();
        _jsonBomb = ProfileBombs.JsonBomb(6 << 20);
        _realJson = Encoding.UTF8.GetBytes(OtlpJsonReader.Write(SyntheticPayloads.Large()));
        _expansionBomb = ProfileBombs.ExpansionBomb().ToByteArray();
        _deepStack = ProfileBombs.DeepStack(100_000).ToByteArray();
        Console.WriteLine($"// pprof {_collidingPprof.Length:N0} B, JSON bomb {_jsonBomb.Length:N0} B, real JSON {_realJson.Length:N0} B, " +
            $"expansion bomb {_expansionBomb.Length:N0} B, deep stack {_deepStack.Length:N0} B");
    }

    [Benchmark(Description = "pprof: 80,000 functions+locations, colliding ids")]
    public ExportProfilesServiceRequest PprofCollidingIds() => PprofReader.Read(_collidingPprof);

    [Benchmark(Description = "pprof: the same with ids 1..n")]
    public ExportProfilesServiceRequest PprofDenseIds() => PprofReader.Read(_densePprof);

    [Benchmark(Description = "OTLP/JSON: 6 MiB bomb, refused")]
    public string JsonBomb() => Refusal(() => OtlpJsonReader.Read(_jsonBomb));

    [Benchmark(Description = "OTLP/JSON: real 2.4 MB document (synthetic Large)")]
    public ExportProfilesServiceRequest RealJson() => OtlpJsonReader.Read(_realJson);

    [Benchmark(Description = "Expansion bomb: parse + validate, refused")]
    public bool ExpansionBomb() => ProfilesValidator.Validate(ExportProfilesServiceRequest.Parser.ParseFrom(_expansionBomb)).RequestInvalid;

    [Benchmark(Description = "Expansion bomb, lines allowed: parse + validate, refused")]
    public bool ExpansionBombLinesAllowed() => ProfilesValidator.Validate(
        ExportProfilesServiceRequest.Parser.ParseFrom(_expansionBomb), ProfileLimits.Default with { MaxLinesPerLocation = 1000 }).RequestInvalid;

    [Benchmark(Description = "Deep stack (100,000 frames): parse + validate + aggregate, truncated")]
    public long DeepStack() => new ProfileAggregator().Add(ProfileBatch.Create(ExportProfilesServiceRequest.Parser.ParseFrom(_deepStack)), BenchmarkPayload.ReceivedUnixNano);

    private static string Refusal(Action read)
    {
        try
        {
            read();
        }
        catch (ProfileTooLargeException e)
        {
            return e.Message;
        }

        throw new InvalidOperationException("the bomb was not refused");
    }
}
