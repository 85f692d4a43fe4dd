namespace OdigosUi.Profiles.Aggregation;

/// <summary>How aggregated data is bucketed in time.</summary>
public sealed record AggregationOptions
{
    public static readonly AggregationOptions Default = new();

    /// <summary>Width of a time bucket. Default 10 s.</summary>
    public TimeSpan BucketWidth { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Buckets kept per tree; older ones are dropped (their data stays in the all-time values). Default 60 (10 min).</summary>
    public int MaxBuckets { get; init; } = 60;

    /// <summary>Aggregate every resource into one tree per profile type (the CLI), instead of one per Source.</summary>
    public bool MergeSources { get; init; }

    internal long BucketWidthNanos => Math.Max(1, BucketWidth.Ticks * 100);
}
