using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace OdigosUi.Benchmarks;

/// <summary>A short job (3 warmup + 10 measured iterations, one launch) so every benchmark fits in ~5 minutes on 2 cores.</summary>
public class BenchmarkConfig : ManualConfig
{
    public BenchmarkConfig()
    {
        AddJob(Job.Default.WithLaunchCount(1).WithWarmupCount(3).WithIterationCount(10).WithId("Short"));
        AddDiagnoser(MemoryDiagnoser.Default);
        AddColumn(StatisticColumn.Median);
    }

    public sealed class Ingest : BenchmarkConfig
    {
        public Ingest()
        {
            AddColumn(new ThroughputColumn(ThroughputColumn.Kind.SamplesPerSecond), new ThroughputColumn(ThroughputColumn.Kind.MegabytesPerSecond));
        }
    }

    public sealed class Export : BenchmarkConfig
    {
        public Export()
        {
            AddColumn(new OutputSizeColumn());
        }
    }
}

/// <summary>CPU samples (sum of sample values) or payload megabytes (10^6 bytes) per second, from the mean time of one invocation.</summary>
public sealed class ThroughputColumn(ThroughputColumn.Kind kind) : IColumn
{
    public enum Kind
    {
        SamplesPerSecond,
        MegabytesPerSecond,
    }

    public string Id => $"{nameof(ThroughputColumn)}.{kind}";

    public string ColumnName => kind == Kind.SamplesPerSecond ? "Samples/s" : "MB/s";

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => (int)kind;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Dimensionless;

    public string Legend => kind == Kind.SamplesPerSecond
        ? "CPU samples (sum of sample values) of the payload handled per second, from the mean"
        : "Payload megabytes (10^6 bytes of serialized protobuf) handled per second, from the mean";

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, summary.Style);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        if (summary[benchmarkCase]?.ResultStatistics is not { } statistics || statistics.Mean <= 0)
        {
            return "-";
        }

        var perSecond = 1e9 / statistics.Mean;
        return kind == Kind.SamplesPerSecond
            ? (BenchmarkPayload.SampleValues * perSecond).ToString("N0", System.Globalization.CultureInfo.InvariantCulture)
            : (BenchmarkPayload.Bytes.Length * perSecond / 1e6).ToString("N1", System.Globalization.CultureInfo.InvariantCulture);
    }

    public bool IsAvailable(Summary summary) => true;

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    public override string ToString() => ColumnName;
}

/// <summary>The size of what an export benchmark produces.</summary>
public sealed class OutputSizeColumn : IColumn
{
    public string Id => nameof(OutputSizeColumn);

    public string ColumnName => "Output";

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => 0;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Size;

    public string Legend => "Size of the encoded output";

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, summary.Style);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style) =>
        ExportBenchmarks.OutputSizes().TryGetValue(benchmarkCase.Descriptor.WorkloadMethod.Name, out var size)
            ? $"{size / 1024.0:N1} KiB"
            : "-";

    public bool IsAvailable(Summary summary) => true;

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    public override string ToString() => ColumnName;
}
