using OdigosUi.Pipeline.Exporters;
using OdigosUi.Profiles.Aggregation;

namespace OdigosUi.Pipeline.Collector;

/// <summary>
/// Forwards batches over OTLP/gRPC to the next hop when roles run apart (node → gateway, gateway → UI), through an
/// exporter with its own bounded retry queue so an unreachable hop never blocks or grows memory. The batch's valid
/// profiles go as received, with their dictionary: shaping for a backend is only the backend's exporter's business.
/// </summary>
public sealed class OtlpForwarder : IProfilesConsumer, IAsyncDisposable
{
    private readonly DestinationExporter _exporter;

    public OtlpForwarder(string name, string url, ExporterOptions? options = null, TimeProvider? time = null)
    {
        var config = new DestinationConfig(
            name,
            DestinationTypes.Otlp,
            name,
            new Dictionary<string, string> { [DestinationFields.OtlpGrpcEndpoint] = url },
            [DestinationConfig.ProfilesSignal]);
        _exporter = DestinationExporter.Create(config, options, time);
        _exporter.Start();
    }

    public ExporterStatus Status => _exporter.Status;

    public ValueTask<ConsumeStatus> ConsumeAsync(ProfileBatch batch, CancellationToken cancellationToken)
    {
        if (batch.Profiles.Count > 0)
        {
            _exporter.Enqueue(batch);
        }

        return ValueTask.FromResult(ConsumeStatus.Accepted);
    }

    public async ValueTask DisposeAsync() => await _exporter.DisposeAsync().ConfigureAwait(false);
}
