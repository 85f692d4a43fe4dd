using OdigosUi.Profiles.Aggregation;

namespace OdigosUi.Pipeline;

/// <summary>A pipeline stage that takes validated batches: the node collector, the gateway fan-out, the slots, an exporter.</summary>
public interface IProfilesConsumer
{
    /// <summary>Takes <paramref name="batch"/>; <see cref="ConsumeStatus.Saturated"/> means it was not taken and the sender should retry later.</summary>
    ValueTask<ConsumeStatus> ConsumeAsync(ProfileBatch batch, CancellationToken cancellationToken);
}

public enum ConsumeStatus
{
    Accepted,
    Saturated,
}
