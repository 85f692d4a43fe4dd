using BenchmarkDotNet.Attributes;
using OdigosUi.Profiles.Aggregation;
using OdigosUi.Profiles.Otlp.Collector;
using OdigosUi.Profiles.Validation;

namespace OdigosUi.Benchmarks;

/// <summary>
/// Receiving the Large payload (20 services, 8,000 distinct stacks, 400,000 CPU samples in ~16,500 Sample messages,
/// ~780 KB): bare protobuf decoding as the baseline, then what the receiver adds on top.
/// </summary>
[Config(typeof(BenchmarkConfig.Ingest))]
public class IngestBenchmarks
{
    private byte[] _bytes = [];
    private ProfileAggregator _warm = new();

    [GlobalSetup]
    public void Setup()
    {
        _bytes = BenchmarkPayload.Bytes;

        // The steady state: every stack of the payload already interned, every time bucket already there. Adding the
        // same payload again only adds values, so this aggregator does not grow from one invocation to the next.
        _warm = new ProfileAggregator();
        BenchmarkPayload.Ingest(_warm, _bytes);
        Console.WriteLine(
            $"// payload: {_bytes.Length:N0} bytes, {BenchmarkPayload.SampleValues:N0} CPU samples in {BenchmarkPayload.SampleMessages:N0} Sample messages");
    }

    [Benchmark(Baseline = true, Description = "Parse (bare protobuf)")]
    public ExportProfilesServiceRequest Parse() => ExportProfilesServiceRequest.Parser.ParseFrom(_bytes);

    [Benchmark(Description = "Parse + validate")]
    public ValidationResult ParseValidate() => ProfilesValidator.Validate(ExportProfilesServiceRequest.Parser.ParseFrom(_bytes));

    [Benchmark(Description = "Full path, fresh aggregator")]
    public ProfileAggregator FullPathFresh()
    {
        var aggregator = new ProfileAggregator();
        BenchmarkPayload.Ingest(aggregator, _bytes);
        return aggregator;
    }

    [Benchmark(Description = "Full path, warm aggregator")]
    public long FullPathWarm() => BenchmarkPayload.Ingest(_warm, _bytes);
}
