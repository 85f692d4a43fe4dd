namespace OdigosUi.Profiles.Aggregation;

/// <summary>A half-open interval of Unix nanoseconds; <see cref="All"/> means all data ever aggregated.</summary>
public readonly record struct TimeWindow(long FromUnixNano, long ToUnixNano)
{
    public static readonly TimeWindow All = new(long.MinValue, long.MaxValue);

    public bool IsAll => this == All;

    public static TimeWindow Last(TimeSpan span, DateTimeOffset now)
    {
        var to = (now.ToUnixTimeMilliseconds() + 1) * 1_000_000;
        return new TimeWindow(to - span.Ticks * 100, long.MaxValue);
    }
}
