using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using OdigosUi.Hosting;
using OdigosUi.Pipeline.Collector;
using OdigosUi.Profiler;
using OdigosUi.Profiler.Sampling;
using OdigosUi.Profiles.Aggregation;
using OdigosUi.Resources.Stores.Kubernetes;

namespace OdigosUi.Workers;

/// <summary>
/// Runs the perf_event_open profiler on this node and hands its reports to the node collector. Where the profiler
/// cannot run (no root or CAP_PERFMON, perf disabled) the app still starts and <see cref="ProfilerStatus"/> says why.
/// </summary>
public sealed class ProfilerWorker(
    IOptions<ProfilingOptions> options,
    NodeCollector collector,
    ProfilerStatus status,
    ILogger<ProfilerWorker> logger,
    KubernetesPodIndex? pods = null) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        if (!settings.Enabled || !settings.ProfilerEnabled)
        {
            status.TurnedOff();
            return;
        }

        if (pods is { Synced: false })
        {
            // Sampled before the node's pods are known, a pod's processes would be filed as local processes.
            logger.LogInformation("The node profiler starts once this node's pods are listed");
            await pods.WaitSyncedAsync(stoppingToken).ConfigureAwait(false);
        }

        var profiled = new ProfiledProcesses(TimeProvider.System);
        using var profiler = new NodeProfiler(settings.ToNodeProfilerOptions(), profiled.Contains);
        try
        {
            await Task.Run(profiler.Start, stoppingToken).ConfigureAwait(false);
        }
        catch (ProfilerUnavailableException e)
        {
            status.Unavailable(e.Message, settings.SamplesPerSecond);
            logger.LogWarning("The node profiler is unavailable: {Reason}", e.Message);
            return;
        }

        status.Running(settings.SamplesPerSecond);
        logger.LogInformation("Node profiler sampling every CPU at {Rate} Hz", settings.SamplesPerSecond);
        try
        {
            await profiler.RunAsync(
                async (request, ct) =>
                {
                    status.Update(profiler.Stats);
                    try
                    {
                        await collector.ConsumeAsync(ProfileBatch.Create(request), profiled.Forwarded, ct).ConfigureAwait(false);
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
            status.Stopped();
        }
    }
}

/// <summary>Reports an unavailable profiler as Degraded: still ready (the pipeline works), with the reason.</summary>
internal sealed class ProfilerHealthCheck(ProfilerStatus status) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var snapshot = status.Snapshot;
        return Task.FromResult(snapshot.State switch
        {
            ProfilerState.Unavailable => HealthCheckResult.Degraded($"profiler unavailable: {snapshot.Reason}"),
            ProfilerState.TurnedOff => HealthCheckResult.Healthy("profiler turned off"),
            ProfilerState.Running => HealthCheckResult.Healthy($"profiler running at {snapshot.SamplesPerSecond} Hz"),
            ProfilerState.Stopped => HealthCheckResult.Healthy("profiler stopped"),
            _ => HealthCheckResult.Healthy("profiler starting"),
        });
    }
}
