using OdigosUi.Pipeline.Exporters;

namespace OdigosUi.Workers;

/// <summary>
/// On shutdown, after every hosted service has stopped (the web server, so the OTLP receivers accept nothing more,
/// the profiler, the Destinations worker), lets the Destination exporters deliver what they accepted within
/// <c>Profiling:Exporter:ShutdownTimeoutSeconds</c>; the host's shutdown timeout covers it.
/// </summary>
public sealed class ExporterDrain(ExporterFleet fleet, ILogger<ExporterDrain> logger) : IHostedLifecycleService
{
    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StoppedAsync(CancellationToken cancellationToken)
    {
        var queued = fleet.Statuses.Sum(s => s.QueueItems);
        if (queued > 0)
        {
            logger.LogInformation("Delivering {Count} queued export requests (at most {Seconds} s)", queued, fleet.Options.ShutdownFlushTimeout.TotalSeconds);
        }

        await fleet.DisposeAsync().ConfigureAwait(false);
    }
}
