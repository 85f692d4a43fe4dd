namespace OdigosUi.Profiler;

/// <summary>
/// How the node profiler samples: <see cref="SamplesPerSecond"/> per CPU, one request per <see cref="ReportInterval"/>,
/// every process or only <see cref="TargetPid"/> (and its children). Idle (pid 0) samples are dropped unless
/// <see cref="IncludeIdle"/>.
/// </summary>
public sealed record NodeProfilerOptions
{
    public int SamplesPerSecond { get; init; } = 19;

    public TimeSpan ReportInterval { get; init; } = TimeSpan.FromSeconds(1);

    public int? TargetPid { get; init; }

    public bool IncludeIdle { get; init; }

    /// <summary>Ring buffer data pages per CPU; a power of two.</summary>
    public int DataPagesPerCpu { get; init; } = 64;

    public void Validate()
    {
        if (SamplesPerSecond is < 1 or > 10_000)
        {
            throw new ArgumentOutOfRangeException(nameof(SamplesPerSecond), SamplesPerSecond, "must be between 1 and 10000");
        }

        if (ReportInterval < TimeSpan.FromMilliseconds(10))
        {
            throw new ArgumentOutOfRangeException(nameof(ReportInterval), ReportInterval, "must be at least 10 ms");
        }
    }
}

/// <summary>Counters since <see cref="NodeProfiler.Start"/>.</summary>
public sealed record ProfilerStats(long Samples, long LostSamples, int Processes, long EmittedRequests);
