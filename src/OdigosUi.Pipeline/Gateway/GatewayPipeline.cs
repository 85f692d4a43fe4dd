using OdigosUi.Profiles.Aggregation;

namespace OdigosUi.Pipeline.Gateway;

/// <summary>
/// The gateway's profiles pipeline: every batch goes to each consumer in turn (the UI buffer, the Destination
/// exporter fleet). Consumers do not block: the buffer is in memory and each exporter owns its bounded queue.
/// </summary>
public sealed class GatewayPipeline(IEnumerable<IProfilesConsumer> consumers) : IProfilesConsumer
{
    private readonly IProfilesConsumer[] _consumers = [.. consumers];

    public async ValueTask<ConsumeStatus> ConsumeAsync(ProfileBatch batch, CancellationToken cancellationToken)
    {
        var status = ConsumeStatus.Accepted;
        foreach (var consumer in _consumers)
        {
            if (await consumer.ConsumeAsync(batch, cancellationToken).ConfigureAwait(false) == ConsumeStatus.Saturated)
            {
                status = ConsumeStatus.Saturated;
            }
        }

        return status;
    }
}
