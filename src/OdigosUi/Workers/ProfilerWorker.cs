using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using OdigosUi.Hosting;
using OdigosUi.Pipeline.Collector;
using OdigosUi.Profiler;
using OdigosUi.Profiler.Sampling;
using OdigosUi.Profiles.Aggregation;

namespace OdigosUi.Workers;

/// <summary>What the node profiler is doing, for <c>/readyz</c> and the UI.</summary>
public sealed class ProfilerStatus
{
    public bool Running { get; internal set; }

    public string? UnavailableReason { get; internal set; }

    /// <summary>True when configuration turned the profiler off (not a fault).</summary>
    public bool TurnedOff { get; internal set; }

    public ProfilerStats? Stats { get; internal set; }
}

/// <summary>
/// Runs the perf_event_open profiler on this node and hands its reports to the node collector. Where the profiler
/// cannot run (no root or CAP_PERFMON, perf disabled) the app still starts and says why.
/// </summary>
public sealed class ProfilerWorker(
    IOptions<ProfilingOptions> options,
    NodeCollector collector,
    ProfilerStatus status,
    ILogger<ProfilerWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        if (!settings.Enabled || !settings.ProfilerEnabled)
        {
            status.TurnedOff = true;
            return;
        }

        using var profiler = new NodeProfiler(new NodeProfilerOptions
        {
            SamplesPerSecond = settings.SamplesPerSecond,
            ReportInterval = TimeSpan.FromSeconds(settings.ReportIntervalSeconds),
        });
        try
        {
            await Task.Run(profiler.Start, stoppingToken).ConfigureAwait(false);
        }
        catch (ProfilerUnavailableException e)
        {
            status.UnavailableReason = e.Message;
            logger.LogWarning("The node profiler is unavailable: {Reason}", e.Message);
            return;
        }

        status.Running = true;
        logger.LogInformation("Node profiler sampling every CPU at {Rate} Hz", settings.SamplesPerSecond);
        try
        {
            await profiler.RunAsync(
                async (request, ct) =>
                {
                    status.Stats = profiler.Stats;
                    try
                    {
                        await collector.ConsumeAsync(ProfileBatch.Create(request), ct).ConfigureAwait(false);
                    }
                    catch (Exception e) when (e is not OperationCanceledException)
                    {
                        logger.LogWarning(e, "A profiler report could not be processed");
                    }
                },
                stoppingToken).ConfigureAwait(false);
        }
        finally
        {
            status.Running = false;
        }
    }
}

/// <summary>Reports an unavailable profiler as Degraded: still ready (the pipeline works), with the reason.</summary>
internal sealed class ProfilerHealthCheck(ProfilerStatus status) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(status.UnavailableReason is { } reason
            ? HealthCheckResult.Degraded($"profiler unavailable: {reason}")
            : HealthCheckResult.Healthy(status.TurnedOff ? "profiler turned off" : status.Running ? "profiler running" : "profiler starting"));
}
