namespace OdigosUi.Pipeline.Collector;

/// <summary>A pod as the cluster describes it: where it lives and the workload that controls it.</summary>
/// <param name="WorkloadKind">Deployment, StatefulSet, DaemonSet, CronJob, Job, ReplicaSet, … or Pod for a bare pod.</param>
/// <param name="ContainerName">The container the looked-up container id belongs to, when known.</param>
public sealed record PodWorkload(string Namespace, string PodName, string PodUid, string WorkloadKind, string WorkloadName, string? ContainerName = null);

/// <summary>Finds the pod of a profiled process by its pod UID or container id (read from its cgroup by the profiler).</summary>
public interface IPodWorkloadResolver
{
    PodWorkload? Find(string? podUid, string? containerId);
}
