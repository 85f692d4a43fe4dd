namespace OdigosUi.Resources.Sources;

/// <summary>
/// The workloads that exist where OdigosUi runs, whether or not they are Sources or have sent profiles: in a cluster
/// its Deployments, StatefulSets, DaemonSets and CronJobs. Reads are a snapshot, refreshed in the background.
/// </summary>
public interface IWorkloadCatalog
{
    IReadOnlyList<WorkloadRef> Workloads { get; }

    /// <summary>Why the last refresh failed (for the UI), or null.</summary>
    string? LastError { get; }

    Task RefreshAsync(CancellationToken cancellationToken);
}
