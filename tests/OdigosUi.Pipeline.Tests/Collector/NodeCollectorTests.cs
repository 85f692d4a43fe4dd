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
