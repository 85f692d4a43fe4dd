using OdigosUi.Pipeline.Collector;
using OdigosUi.Pipeline.Gateway;
using OdigosUi.Profiles.Aggregation;
using OdigosUi.Profiles.Model;
using OdigosUi.Profiles.Validation;
using OdigosUi.TestSupport;

namespace OdigosUi.Pipeline.Tests.Collector;

public class NodeCollectorTests
{
    private sealed class Recorder : IProfilesConsumer
    {
        public List<ProfileBatch> Batches { get; } = [];

        public ValueTask<ConsumeStatus> ConsumeAsync(ProfileBatch batch, CancellationToken cancellationToken)
        {
            Batches.Add(batch);
            return ValueTask.FromResult(ConsumeStatus.Accepted);
        }
    }

    private sealed class SetFilter(params SourceKey[] enabled) : ISourceFilter
    {
        public bool IsEnabled(SourceKey source) => enabled.Contains(source);
    }

    private static ProfileBatch Batch()
    {
        var b = new OtlpRequestBuilder();
        OtlpRequestBuilder.AddSample(b.Profile(new Dictionary<string, string> { ["k8s.namespace.name"] = "shop", ["k8s.deployment.name"] = "cart" }), b.StackOf("a"), 1);
        OtlpRequestBuilder.AddSample(b.Profile(new Dictionary<string, string> { ["process.executable.name"] = "api" }), b.StackOf("b"), 2);
        OtlpRequestBuilder.AddSample(b.Profile(new Dictionary<string, string> { ["service.name"] = "off" }), b.StackOf("c"), 3);
        return ProfileBatch.Create(b.Request);
    }

    [Fact]
    public async Task Forwards_only_enabled_sources_with_their_identity()
    {
        var recorder = new Recorder();
        var directory = new WorkloadDirectory();
        var cart = new SourceKey("shop", "Deployment", "cart");
        var api = new SourceKey("local", "Process", "api");
        var collector = new NodeCollector(new SetFilter(cart, api), recorder, directory);

        await collector.ConsumeAsync(Batch(), CancellationToken.None);

        var forwarded = Assert.Single(recorder.Batches);
        Assert.True(ProfilesValidator.Validate(forwarded.Request).IsValid);
        Assert.Equal([cart, api], forwarded.Profiles.Select(p => p.Source));
        var cartResource = forwarded.Request.ResourceProfiles[0].Resource;
        Assert.Equal("cart", forwarded.Dictionary.ResourceAttribute(cartResource, "service.name"));
        Assert.Equal("Deployment", forwarded.Dictionary.ResourceAttribute(cartResource, "odigos.workload.kind"));
        Assert.Equal("api", forwarded.Dictionary.ResourceAttribute(forwarded.Request.ResourceProfiles[1].Resource, "service.name"));
        Assert.Equal(3, directory.List().Count);
        Assert.False(directory.List().Single(w => w.Source.Name == "off").Forwarded);
    }

    private sealed class Pods(params PodWorkload[] pods) : IPodWorkloadResolver
    {
        public PodWorkload? Find(string? podUid, string? containerId) =>
            pods.FirstOrDefault(p => p.PodUid == podUid) ?? (containerId == "c0ffee" ? pods[0] with { ContainerName = "app" } : null);
    }

    [Fact]
    public async Task Names_a_profiled_process_by_its_pod_and_workload_in_a_cluster()
    {
        var b = new OtlpRequestBuilder();
        Dictionary<string, string> Process(string exe, params (string Key, string Value)[] more)
        {
            var attributes = new Dictionary<string, string> { ["process.executable.name"] = exe, ["service.name"] = exe };
            foreach (var (key, value) in more)
            {
                attributes[key] = value;
            }

            return attributes;
        }

        OtlpRequestBuilder.AddSample(b.Profile(Process("hot", ("k8s.pod.uid", "uid-1"))), b.StackOf("a"), 1);
        OtlpRequestBuilder.AddSample(b.Profile(Process("java", ("container.id", "c0ffee"))), b.StackOf("b"), 2);
        OtlpRequestBuilder.AddSample(b.Profile(new Dictionary<string, string> { ["process.executable.name"] = "node", ["service.name"] = "my-svc", ["k8s.pod.uid"] = "uid-2" }), b.StackOf("c"), 3);
        OtlpRequestBuilder.AddSample(b.Profile(Process("sshd", ("k8s.pod.uid", "unknown"))), b.StackOf("d"), 4);
        var shop = new SourceKey("shop", "Deployment", "demo-shop");
        var report = new SourceKey("jobs", "CronJob", "report");
        var sshd = new SourceKey("local", "Process", "sshd");
        var recorder = new Recorder();
        var collector = new NodeCollector(new SetFilter(shop, report, sshd), recorder, new WorkloadDirectory(), new Pods(
            new PodWorkload("shop", "demo-shop-5d4f8-x2x9q", "uid-1", "Deployment", "demo-shop"),
            new PodWorkload("jobs", "report-29012-7h2kd", "uid-2", "CronJob", "report")));

        await collector.ConsumeAsync(ProfileBatch.Create(b.Request), CancellationToken.None);

        var forwarded = Assert.Single(recorder.Batches);
        Assert.True(ProfilesValidator.Validate(forwarded.Request).IsValid);
        Assert.Equal([shop, shop, report, sshd], forwarded.Profiles.Select(p => p.Source));
        string? Attribute(int resource, string key) => forwarded.Dictionary.ResourceAttribute(forwarded.Request.ResourceProfiles[resource].Resource, key);
        Assert.Equal(("shop", "demo-shop-5d4f8-x2x9q", "demo-shop", "demo-shop"), (Attribute(0, "k8s.namespace.name"), Attribute(0, "k8s.pod.name"), Attribute(0, "k8s.deployment.name"), Attribute(0, "service.name")));
        Assert.Equal(("uid-1", "app"), (Attribute(1, "k8s.pod.uid"), Attribute(1, "k8s.container.name")));
        Assert.Equal(("report", "my-svc"), (Attribute(2, "k8s.cronjob.name"), Attribute(2, "service.name")));
        Assert.Equal(("sshd", null), (Attribute(3, "service.name"), Attribute(3, "k8s.namespace.name")));
    }

    [Fact]
    public async Task Nothing_enabled_forwards_nothing()
    {
        var recorder = new Recorder();
        var collector = new NodeCollector(new SetFilter(), recorder, new WorkloadDirectory());
        Assert.Equal(ConsumeStatus.Accepted, await collector.ConsumeAsync(Batch(), CancellationToken.None));
        Assert.Empty(recorder.Batches);
    }

    [Fact]
    public async Task Gateway_fans_out_to_every_consumer()
    {
        var first = new Recorder();
        var second = new Recorder();
        var gateway = new GatewayPipeline([first, second]);
        var batch = Batch();
        await gateway.ConsumeAsync(batch, CancellationToken.None);
        Assert.Same(batch, Assert.Single(first.Batches));
        Assert.Same(batch, Assert.Single(second.Batches));
    }
}
