using OdigosUi.Pipeline.Exporters;
using OdigosUi.Resources.Destinations;
using OdigosUi.Resources.Model;
using OdigosUi.Resources.Stores;

namespace OdigosUi.Workers;

/// <summary>
/// Keeps the gateway's exporter fleet equal to the Destination resources (watched; exporters rebuilt only when a
/// Destination's config changes) and writes each Destination's status: <c>DestinationConfigured</c> and whether its
/// last export failed and why (<c>Exporting</c>).
/// </summary>
public sealed class DestinationsWorker(
    IResourceStore store,
    DestinationService destinations,
    ExporterFleet fleet,
    ILogger<DestinationsWorker> logger) : BackgroundService
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(2);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var statusWrites = System.Threading.Channels.Channel.CreateUnbounded<string>(new() { SingleReader = true });
        fleet.StatusChanged += id => statusWrites.Writer.TryWrite(id);
        var writer = WriteStatusesAsync(statusWrites.Reader, stoppingToken);

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await foreach (var change in store.WatchAsync<Destination>(destinations.Namespace, cancellationToken: stoppingToken).ConfigureAwait(false))
                {
                    logger.LogDebug("Destination {Name} {Type}", change.Object?.Metadata.Name, change.Type);
                    await ApplyAsync(stoppingToken).ConfigureAwait(false);
                    foreach (var status in fleet.Statuses)
                    {
                        statusWrites.Writer.TryWrite(status.DestinationId);
                    }
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "Watching Destinations failed; retrying in {Delay}", RetryDelay);
                await Task.Delay(RetryDelay, stoppingToken).ConfigureAwait(false);
            }
        }

        statusWrites.Writer.TryComplete();
        await writer.ConfigureAwait(false);
    }

    private async Task ApplyAsync(CancellationToken cancellationToken)
    {
        var resolved = await destinations.ResolveForExportAsync(cancellationToken).ConfigureAwait(false);
        var configs = resolved
            .Select(d => new DestinationConfig(d.Id, d.Type, d.Name, d.Fields, d.Signals, d.Disabled))
            .ToList();
        await fleet.ApplyAsync(configs, cancellationToken).ConfigureAwait(false);
    }

    private async Task WriteStatusesAsync(System.Threading.Channels.ChannelReader<string> ids, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var id in ids.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                if (fleet.GetStatus(id) is not { } status)
                {
                    continue;
                }

                try
                {
                    await destinations.SetConfiguredConditionAsync(
                        id,
                        status.Configured,
                        status.Configured ? DestinationConditions.TransformedToOtelcolConfig : DestinationConditions.ErrConfigDestination,
                        status.Configured ? "" : status.ConfigurationError ?? "not configured",
                        cancellationToken).ConfigureAwait(false);
                    if (status.Configured && (status.LastErrorAt is not null || status.LastSuccessAt is not null))
                    {
                        var failing = status.LastErrorAt is { } errorAt && (status.LastSuccessAt is not { } okAt || errorAt > okAt);
                        await destinations.SetConditionAsync(
                            id,
                            DestinationConditions.Exporting,
                            !failing,
                            failing ? DestinationConditions.ExportFailed : DestinationConditions.ExportSucceeded,
                            failing ? status.LastError ?? "export failed" : "",
                            cancellationToken).ConfigureAwait(false);
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    logger.LogWarning(e, "Could not write the status of Destination {Id}", id);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }
}
