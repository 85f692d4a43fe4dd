using Microsoft.Extensions.Diagnostics.HealthChecks;
using OdigosUi.Resources.Sources;

namespace OdigosUi.Hosting;

/// <summary><c>/readyz</c> waits for the Source resources to be known, so no enabled Source's data is dropped at start.</summary>
internal sealed class SourcesSyncedCheck(SourceRegistry registry) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(registry.IsSynced
            ? HealthCheckResult.Healthy("Source resources synced")
            : HealthCheckResult.Unhealthy("Source resources not synced yet"));
}
