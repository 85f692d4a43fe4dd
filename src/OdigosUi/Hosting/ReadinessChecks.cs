using Microsoft.Extensions.Diagnostics.HealthChecks;
using OdigosUi.Resources.Sources;
using OdigosUi.Resources.Stores.Kubernetes;

namespace OdigosUi.Hosting;

/// <summary><c>/readyz</c> waits for the Source resources to be known, so no enabled Source's data is dropped at start.</summary>
internal sealed class SourcesSyncedCheck(SourceRegistry registry) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(registry.IsSynced
            ? HealthCheckResult.Healthy("Source resources synced")
            : HealthCheckResult.Unhealthy("Source resources not synced yet"));
}

/// <summary>
/// In a cluster, <c>/readyz</c> waits for the node's pods to be listed, so the first profiles are named by their workload
/// (and so kept when their Source is enabled). Always healthy in embedded mode, where there are no pods.
/// </summary>
internal sealed class PodIndexSyncedCheck(IServiceProvider services) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(services.GetService<KubernetesPodIndex>() switch
        {
            null => HealthCheckResult.Healthy("no cluster: local processes are named by their executable"),
            { Synced: false } index => HealthCheckResult.Unhealthy($"pods not listed yet{(index.LastError is { } e ? $": {e}" : "")}"),
            { LastError: { } error } => HealthCheckResult.Degraded(error),
            var index => HealthCheckResult.Healthy($"{index.Count} pods indexed"),
        });
}
