using OdigosUi.Profiles.Aggregation;
using OdigosUi.Profiles.Model;
using OdigosUi.Profiles.Otlp.Common;
using OdigosUi.Profiles.Otlp.Resource;

namespace OdigosUi.Pipeline.Collector;

/// <summary>
/// The node collector stage: names each resource's workload (in a cluster, the pod and its controlling workload from
/// <c>k8s.pod.uid</c> or <c>container.id</c>, as the OpenTelemetry k8sattributes processor does; then the Source key
/// attributes and <c>service.name</c>), keeps only enabled Sources and hands the rest to the gateway (in process or over
/// OTLP/gRPC).
/// </summary>
public sealed class NodeCollector(ISourceFilter filter, IProfilesConsumer next, WorkloadDirectory directory, IPodWorkloadResolver? pods = null) : IProfilesConsumer
{
    public const string WorkloadKindAttribute = "odigos.workload.kind";
    public const string WorkloadNameAttribute = "odigos.workload.name";
    public const string NamespaceAttribute = "k8s.namespace.name";
    public const string ServiceNameAttribute = "service.name";
    public const string PodUidAttribute = "k8s.pod.uid";
    public const string PodNameAttribute = "k8s.pod.name";
    public const string ContainerIdAttribute = "container.id";
    public const string ContainerNameAttribute = "k8s.container.name";
    public const string ExecutableNameAttribute = "process.executable.name";

    private static readonly Dictionary<string, string> WorkloadNameAttributes = new(StringComparer.Ordinal)
    {
        ["Deployment"] = "k8s.deployment.name",
        ["ReplicaSet"] = "k8s.replicaset.name",
        ["StatefulSet"] = "k8s.statefulset.name",
        ["DaemonSet"] = "k8s.daemonset.name",
        ["CronJob"] = "k8s.cronjob.name",
        ["Job"] = "k8s.job.name",
    };

    public ValueTask<ConsumeStatus> ConsumeAsync(ProfileBatch batch, CancellationToken cancellationToken) => ConsumeAsync(batch, null, cancellationToken);

    /// <summary>As <see cref="ConsumeAsync(ProfileBatch, CancellationToken)"/>; <paramref name="forwarding"/> sees each resource kept (its Source enabled).</summary>
    public async ValueTask<ConsumeStatus> ConsumeAsync(ProfileBatch batch, Action<Resource>? forwarding, CancellationToken cancellationToken)
    {
        var request = batch.Request;
        var dictionary = batch.Dictionary;
        var kept = 0;
        var dropped = false;
        var renamed = false;
        for (var r = request.ResourceProfiles.Count - 1; r >= 0; r--)
        {
            var resourceProfiles = request.ResourceProfiles[r];
            if (pods is not null && AddPodAttributes(resourceProfiles.Resource, dictionary, pods))
            {
                renamed = true;
            }

            var source = dictionary.SourceKey(resourceProfiles.Resource);
            var samples = resourceProfiles.ScopeProfiles.Sum(scope => scope.Profiles.Sum(profile => (long)profile.Samples.Count));
            var enabled = filter.IsEnabled(source);
            directory.Record(source, samples, enabled);
            if (!enabled)
            {
                request.ResourceProfiles.RemoveAt(r);
                dropped = true;
                continue;
            }

            resourceProfiles.Resource ??= new Resource();
            Identify(resourceProfiles.Resource, dictionary, source);
            forwarding?.Invoke(resourceProfiles.Resource);
            kept++;
        }

        if (kept == 0)
        {
            return ConsumeStatus.Accepted;
        }

        // Positions changed when resources were removed, and workloads when pods were named, so the batch is rebuilt;
        // what is left stays valid.
        var forwarded = dropped || renamed ? ProfileBatch.CreateValidated(request, batch.Limits) : batch;
        return await next.ConsumeAsync(forwarded, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Adds the pod's and its workload's attributes when the resource's pod is known; true when it did.</summary>
    private static bool AddPodAttributes(Resource? resource, DictionaryView dictionary, IPodWorkloadResolver pods)
    {
        if (resource is null || !string.IsNullOrEmpty(dictionary.ResourceAttribute(resource, NamespaceAttribute)))
        {
            return false;
        }

        var podUid = dictionary.ResourceAttribute(resource, PodUidAttribute);
        var containerId = dictionary.ResourceAttribute(resource, ContainerIdAttribute);
        if ((string.IsNullOrEmpty(podUid) && string.IsNullOrEmpty(containerId)) || pods.Find(podUid, containerId) is not { } pod)
        {
            return false;
        }

        var attributes = resource.Attributes;
        attributes.Add(Plain(NamespaceAttribute, pod.Namespace));
        attributes.Add(Plain(PodNameAttribute, pod.PodName));
        if (string.IsNullOrEmpty(podUid))
        {
            attributes.Add(Plain(PodUidAttribute, pod.PodUid));
        }

        if (pod.ContainerName is not null)
        {
            attributes.Add(Plain(ContainerNameAttribute, pod.ContainerName));
        }

        if (WorkloadNameAttributes.TryGetValue(pod.WorkloadKind, out var workloadAttribute))
        {
            attributes.Add(Plain(workloadAttribute, pod.WorkloadName));
        }

        attributes.Add(Plain(WorkloadKindAttribute, pod.WorkloadKind));
        attributes.Add(Plain(WorkloadNameAttribute, pod.WorkloadName));

        // A service.name that only repeats the executable's name (the profiler's default) gives way to the workload's.
        var serviceName = dictionary.ResourceAttribute(resource, ServiceNameAttribute);
        if (!string.IsNullOrEmpty(serviceName) && serviceName == dictionary.ResourceAttribute(resource, ExecutableNameAttribute))
        {
            for (var i = attributes.Count - 1; i >= 0; i--)
            {
                if (dictionary.Key(attributes[i]) == ServiceNameAttribute)
                {
                    attributes.RemoveAt(i);
                }
            }
        }

        return true;
    }

    private static void Identify(Resource resource, DictionaryView dictionary, SourceKey source)
    {
        if (string.IsNullOrEmpty(dictionary.ResourceAttribute(resource, ServiceNameAttribute)))
        {
            resource.Attributes.Add(Plain(ServiceNameAttribute, source.Name));
        }

        if (source.Namespace == SourceKey.LocalNamespace)
        {
            return;
        }

        if (string.IsNullOrEmpty(dictionary.ResourceAttribute(resource, WorkloadKindAttribute)))
        {
            resource.Attributes.Add(Plain(WorkloadKindAttribute, source.Kind));
        }

        if (string.IsNullOrEmpty(dictionary.ResourceAttribute(resource, WorkloadNameAttribute)))
        {
            resource.Attributes.Add(Plain(WorkloadNameAttribute, source.Name));
        }
    }

    private static KeyValue Plain(string key, string value) => new() { Key = key, Value = new AnyValue { StringValue = value } };
}
