using k8s;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OdigosUi.Resources.Sources;

namespace OdigosUi.Resources.Stores.Kubernetes;

/// <summary>
/// Lists the cluster's Deployments, StatefulSets, DaemonSets and CronJobs (all namespaces) for the Sources page.
/// Each refresh replaces the snapshot; a failed refresh keeps the previous one and records why.
/// </summary>
public sealed class KubernetesWorkloadCatalog(IKubernetes client, ILogger<KubernetesWorkloadCatalog>? logger = null) : IWorkloadCatalog
{
    private readonly ILogger _logger = logger ?? NullLogger<KubernetesWorkloadCatalog>.Instance;
    private volatile IReadOnlyList<WorkloadRef> _workloads = [];
    private volatile string? _lastError;

    public IReadOnlyList<WorkloadRef> Workloads => _workloads;

    public string? LastError => _lastError;

    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        try
        {
            var deployments = client.AppsV1.ListDeploymentForAllNamespacesAsync(cancellationToken: cancellationToken);
            var statefulSets = client.AppsV1.ListStatefulSetForAllNamespacesAsync(cancellationToken: cancellationToken);
            var daemonSets = client.AppsV1.ListDaemonSetForAllNamespacesAsync(cancellationToken: cancellationToken);
            var cronJobs = client.BatchV1.ListCronJobForAllNamespacesAsync(cancellationToken: cancellationToken);
            List<WorkloadRef> workloads =
            [
                .. (await deployments.ConfigureAwait(false)).Items.Select(d => new WorkloadRef(d.Metadata.NamespaceProperty, WorkloadKinds.Deployment, d.Metadata.Name)),
                .. (await statefulSets.ConfigureAwait(false)).Items.Select(s => new WorkloadRef(s.Metadata.NamespaceProperty, WorkloadKinds.StatefulSet, s.Metadata.Name)),
                .. (await daemonSets.ConfigureAwait(false)).Items.Select(d => new WorkloadRef(d.Metadata.NamespaceProperty, WorkloadKinds.DaemonSet, d.Metadata.Name)),
                .. (await cronJobs.ConfigureAwait(false)).Items.Select(c => new WorkloadRef(c.Metadata.NamespaceProperty, WorkloadKinds.CronJob, c.Metadata.Name)),
            ];
            _workloads = workloads;
            _lastError = null;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _lastError = $"cannot list workloads: {ex.Message}";
            _logger.LogWarning("Listing the cluster's workloads failed: {Reason}", ex.Message);
        }
    }
}

/// <summary>Refreshes the <see cref="IWorkloadCatalog"/> every <see cref="Interval"/> while the host runs.</summary>
internal sealed class WorkloadCatalogRefresher(IWorkloadCatalog catalog) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(15);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        do
        {
            await catalog.RefreshAsync(stoppingToken).ConfigureAwait(false);
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }
}
