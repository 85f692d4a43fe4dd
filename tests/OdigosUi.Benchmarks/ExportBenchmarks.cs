using BenchmarkDotNet.Attributes;
using Google.Protobuf;
using OdigosUi.Profiles.Aggregation;
using OdigosUi.Profiles.Formats.Flamebearer;
using OdigosUi.Profiles.Formats.Folded;
using OdigosUi.Profiles.Formats.Otlp;
using OdigosUi.Profiles.Formats.Pprof;
using OdigosUi.Profiles.Model;

namespace OdigosUi.Benchmarks;

/// <summary>
/// Encoding the aggregated Large payload. Folded, flamebearer and pprof encode one flame graph of the whole payload
/// (all 20 services merged into one tree, as the CLI does); OTLP encodes the 20 per-Source trees, as the exporters do.
/// Snapshots are taken in <see cref="Setup"/>; taking them is measured on its own.
/// </summary>
[Config(typeof(BenchmarkConfig.Export))]
public class ExportBenchmarks
{
    private ProfileAggregator _merged = new();
    private ProfileAggregator _perSource = new();
    private ProfileSnapshot _snapshot = null!;
    private IReadOnlyList<(SourceKey Source, ProfileSnapshot Snapshot)> _snapshots = [];

    [GlobalSetup]
    public void Setup()
    {
        (_merged, _perSource, _snapshot, _snapshots) = Prepare();
        Console.WriteLine($"// merged tree: {_snapshot.NodeCount:N0} nodes, {_snapshot.Frames.Length:N0} frames; per-Source trees: {_snapshots.Count}, {_snapshots.Sum(s => s.Snapshot.NodeCount):N0} nodes");
        foreach (var (name, size) in OutputSizes())
        {
            Console.WriteLine($"// {name}: {size:N0} bytes");
        }
    }

    [Benchmark(Description = "Snapshot (merged tree)")]
    public ProfileSnapshot Snapshot() => _merged.Snapshots(ProfileType.Cpu, TimeWindow.All)[0].Snapshot;

    [Benchmark(Description = "Snapshot (20 per-Source trees)")]
    public int SnapshotPerSource() => _perSource.Snapshots(ProfileType.Cpu, TimeWindow.All).Count;

    [Benchmark(Description = "Folded")]
    public byte[] Folded() => FoldedWriter.Write(_snapshot);

    [Benchmark(Description = "Flamebearer JSON")]
    public byte[] Flamebearer() => FlamebearerWriter.Write(_snapshot);

    [Benchmark(Description = "pprof (gzip)")]
    public byte[] Pprof() => PprofWriter.Write(_snapshot, BenchmarkPayload.ReceivedUnixNano);

    [Benchmark(Description = "OTLP protobuf (20 Sources)")]
    public byte[] Otlp() => OtlpWriter.WriteBytes(_snapshots, BenchmarkPayload.ReceivedUnixNano);

    /// <summary>Output size per benchmark method, for the Output column and the setup log.</summary>
    public static IReadOnlyDictionary<string, long> OutputSizes() => LazySizes.Value;

    private static readonly Lazy<IReadOnlyDictionary<string, long>> LazySizes = new(() =>
    {
        var (_, _, snapshot, snapshots) = Prepare();
        return new Dictionary<string, long>
        {
            [nameof(Folded)] = FoldedWriter.Write(snapshot).Length,
            [nameof(Flamebearer)] = FlamebearerWriter.Write(snapshot).Length,
            [nameof(Pprof)] = PprofWriter.Write(snapshot, BenchmarkPayload.ReceivedUnixNano).Length,
            [nameof(Otlp)] = OtlpWriter.WriteBytes(snapshots, BenchmarkPayload.ReceivedUnixNano).Length,
        };
    });

    private static (ProfileAggregator Merged, ProfileAggregator PerSource, ProfileSnapshot Snapshot, IReadOnlyList<(SourceKey, ProfileSnapshot)> Snapshots) Prepare()
    {
        var merged = new ProfileAggregator(new AggregationOptions { MergeSources = true });
        BenchmarkPayload.Ingest(merged, BenchmarkPayload.Bytes);
        var perSource = new ProfileAggregator();
        BenchmarkPayload.Ingest(perSource, BenchmarkPayload.Bytes);
        return (merged, perSource, merged.Snapshots(ProfileType.Cpu, TimeWindow.All)[0].Snapshot, perSource.Snapshots(ProfileType.Cpu, TimeWindow.All));
    }
}
