using OdigosUi.Profiles.Aggregation;
using OdigosUi.Profiles.Model;
using OdigosUi.Profiles.Otlp.Common;
using OdigosUi.Profiles.Otlp.Resource;

namespace OdigosUi.Pipeline.Collector;

/// <summary>
/// The node collector stage: names each resource's workload (Source key attributes, <c>service.name</c> from the
/// workload when absent), keeps only enabled Sources and hands the rest to the gateway (in process or over OTLP/gRPC).
/// </summary>
public sealed class NodeCollector(ISourceFilter filter, IProfilesConsumer next, WorkloadDirectory directory) : IProfilesConsumer
{
    public const string WorkloadKindAttribute = "odigos.workload.kind";
    public const string WorkloadNameAttribute = "odigos.workload.name";
    public const string NamespaceAttribute = "k8s.namespace.name";
    public const string ServiceNameAttribute = "service.name";

    public async ValueTask<ConsumeStatus> ConsumeAsync(ProfileBatch batch, CancellationToken cancellationToken)
    {
        var request = batch.Request;
        var dictionary = batch.Dictionary;
        var kept = 0;
        var dropped = false;
        for (var r = request.ResourceProfiles.Count - 1; r >= 0; r--)
        {
            var resourceProfiles = request.ResourceProfiles[r];
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
            kept++;
        }

        if (kept == 0)
        {
            return ConsumeStatus.Accepted;
        }

        // Positions changed when resources were removed, so the batch is rebuilt; what is left stays valid.
        var forwarded = dropped ? ProfileBatch.CreateValidated(request) : batch;
        return await next.ConsumeAsync(forwarded, cancellationToken).ConfigureAwait(false);
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
