using OdigosUi.Profiles.Aggregation;
using OdigosUi.Profiles.Formats.Folded;
using OdigosUi.Profiles.Formats.Flamebearer;
using OdigosUi.Profiles.Model;
using OdigosUi.Profiles.Otlp.Collector;
using OdigosUi.TestSupport;

namespace OdigosUi.Profiles.Tests.Aggregation;

public class ProfileAggregatorTests
{
    private const long Now = 1_700_000_000_000_000_000;
    private static readonly SourceKey Cart = new("shop", "Deployment", "cart");
    private static readonly Dictionary<string, string> CartAttributes = new()
    {
        ["k8s.namespace.name"] = "shop",
        ["k8s.deployment.name"] = "cart",
    };

    private static ProfileAggregator Aggregate(params ExportProfilesServiceRequest[] requests)
    {
        var aggregator = new ProfileAggregator();
        foreach (var request in requests)
        {
            aggregator.Add(ProfileBatch.Create(request), Now);
        }

        return aggregator;
    }

    [Fact]
    public void Samples_of_the_same_stack_merge_and_totals_add_up()
    {
        var b = new OtlpRequestBuilder();
        var profile = b.Profile(CartAttributes);
        var ab = b.StackOf("b", "a");
        OtlpRequestBuilder.AddSample(profile, ab, 2);
        OtlpRequestBuilder.AddSample(profile, b.StackOf("b", "a"), 3);
        OtlpRequestBuilder.AddSample(profile, b.StackOf("c", "a"), 5);
        OtlpRequestBuilder.AddTimestamps(profile, b.StackOf("a"), 1, 2, 3);

        var snapshot = Aggregate(b.Request).Snapshot(Cart, ProfileType.Cpu, TimeWindow.All)!;

        Assert.Equal(13, snapshot.TotalValue);
        Assert.Equal("a 3\na;b 5\na;c 5\n", FoldedWriter.WriteString(snapshot));
        var a = Assert.Single(snapshot.Children(ProfileTree.Root));
        Assert.Equal("a", snapshot.Label(a));
        Assert.Equal(13, snapshot.Total[a]);
        Assert.Equal(3, snapshot.Self[a]);
        Assert.Equal(["b", "c"], snapshot.Children(a).Select(snapshot.Label));
    }

    [Fact]
    public void Batches_merge_into_the_same_tree_and_frames_are_interned_once()
    {
        var first = new OtlpRequestBuilder();
        OtlpRequestBuilder.AddSample(first.Profile(CartAttributes), first.StackOf("work", "main"), 1);
        var second = new OtlpRequestBuilder();
        second.String("padding-shifts-indices");
        OtlpRequestBuilder.AddSample(second.Profile(CartAttributes), second.StackOf("work", "main"), 4);

        var aggregator = Aggregate(first.Request, second.Request);
        var snapshot = aggregator.Snapshot(Cart, ProfileType.Cpu, TimeWindow.All)!;

        Assert.Equal("main;work 5\n", FoldedWriter.WriteString(snapshot));
        Assert.Equal(3, snapshot.NodeCount);
        Assert.Equal(2, snapshot.Frames.Length);
    }

    [Fact]
    public void Sources_and_profile_types_get_their_own_trees()
    {
        var b = new OtlpRequestBuilder();
        OtlpRequestBuilder.AddSample(b.Profile(CartAttributes), b.StackOf("x"), 1);
        OtlpRequestBuilder.AddSample(b.Profile(new Dictionary<string, string> { ["service.name"] = "api" }), b.StackOf("y"), 2);
        OtlpRequestBuilder.AddSample(b.Profile(CartAttributes, "alloc_space", "bytes", "space", "bytes", 1), b.StackOf("z"), 64);

        var aggregator = Aggregate(b.Request);

        Assert.Equal(["shop/Deployment/cart", "local/Process/api"], aggregator.Sources.Select(s => s.ToString()));
        Assert.Equal(["samples:count:cpu:nanoseconds", "alloc_space:bytes:space:bytes"], aggregator.ProfileTypes.Select(t => t.ToString()));
        Assert.Equal("y 2\n", FoldedWriter.WriteString(aggregator.Snapshot(new SourceKey("local", "Process", "api"), ProfileType.Cpu, TimeWindow.All)!));
        Assert.Equal("z 64\n", FoldedWriter.WriteString(aggregator.Snapshot(Cart, ProfileType.Parse("alloc_space:bytes:space:bytes"), TimeWindow.All)!));
    }

    [Fact]
    public void Invalid_profiles_are_not_aggregated()
    {
        var b = new OtlpRequestBuilder();
        OtlpRequestBuilder.AddSample(b.Profile(CartAttributes), b.StackOf("ok"), 1);
        OtlpRequestBuilder.AddSample(b.Profile(new Dictionary<string, string> { ["service.name"] = "bad" }), 999, 1);

        var aggregator = Aggregate(b.Request);

        Assert.Equal([Cart], aggregator.Sources);
    }

    [Fact]
    public void Time_window_selects_recent_buckets_only()
    {
        const long second = 1_000_000_000;
        var b = new OtlpRequestBuilder();
        var profile = b.Profile(CartAttributes);
        var old = b.StackOf("old");
        var recent = b.StackOf("recent");
        OtlpRequestBuilder.AddTimestamps(profile, old, (ulong)(Now - (120 * second)), (ulong)(Now - (119 * second)));
        OtlpRequestBuilder.AddTimestamps(profile, recent, (ulong)(Now - (5 * second)));
        OtlpRequestBuilder.AddTimestamps(profile, old, (ulong)(Now - (2 * second)));

        var aggregator = Aggregate(b.Request);
        var lastMinute = aggregator.Snapshot(Cart, ProfileType.Cpu, new TimeWindow(Now - (60 * second), long.MaxValue))!;
        var all = aggregator.Snapshot(Cart, ProfileType.Cpu, TimeWindow.All)!;

        Assert.Equal("old 1\nrecent 1\n", FoldedWriter.WriteString(lastMinute));
        Assert.Equal("old 3\nrecent 1\n", FoldedWriter.WriteString(all));
    }

    [Fact]
    public void Buckets_are_bounded_and_old_data_stays_in_all_time()
    {
        var aggregator = new ProfileAggregator(AggregationOptions.Default with { MaxBuckets = 3, BucketWidth = TimeSpan.FromSeconds(1) });
        var b = new OtlpRequestBuilder();
        var profile = b.Profile(CartAttributes);
        var stack = b.StackOf("f");
        for (ulong s = 0; s < 10; s++)
        {
            OtlpRequestBuilder.AddTimestamps(profile, stack, (ulong)Now + (s * 1_000_000_000));
        }

        aggregator.Add(ProfileBatch.Create(b.Request), Now);

        Assert.Equal("f 10\n", FoldedWriter.WriteString(aggregator.Snapshot(Cart, ProfileType.Cpu, TimeWindow.All)!));
        Assert.Equal("f 3\n", FoldedWriter.WriteString(aggregator.Snapshot(Cart, ProfileType.Cpu, new TimeWindow(0, long.MaxValue))!));
    }

    [Fact]
    public void Zero_valued_stacks_are_left_out_and_the_empty_stack_gives_a_line()
    {
        var b = new OtlpRequestBuilder();
        var profile = b.Profile(CartAttributes);
        OtlpRequestBuilder.AddSample(profile, b.StackOf("idle"), 0);
        OtlpRequestBuilder.AddSample(profile, b.StackOf("balanced"), 5);
        OtlpRequestBuilder.AddSample(profile, b.StackOf("balanced"), -5);
        OtlpRequestBuilder.AddSample(profile, 0, 4);

        var aggregator = Aggregate(b.Request);
        var snapshot = aggregator.Snapshot(Cart, ProfileType.Cpu, TimeWindow.All)!;

        Assert.Equal(" 4\n", FoldedWriter.WriteString(snapshot));
        Assert.DoesNotContain(Enumerable.Range(1, snapshot.NodeCount - 1), node => snapshot.Label(node) == "idle");
        Assert.DoesNotContain("idle", System.Text.Encoding.UTF8.GetString(FlamebearerWriter.Write(snapshot)));
        Assert.DoesNotContain("balanced", System.Text.Encoding.UTF8.GetString(FlamebearerWriter.Write(snapshot)));
        Assert.Equal(4, snapshot.TotalValue);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Matches_the_reference_on_synthetic_payloads(int seed)
    {
        var request = SyntheticPayloads.Small(seed);
        var aggregator = new ProfileAggregator(AggregationOptions.Default with { MergeSources = true });
        aggregator.Add(ProfileBatch.Create(request), Now);

        foreach (var type in aggregator.ProfileTypes)
        {
            var snapshot = aggregator.Snapshot(ProfileAggregator.MergedSource, type, TimeWindow.All)!;
            Assert.Equal(ReferenceFolded.Compute(request, type.ToString()), FoldedWriter.WriteString(snapshot));
        }
    }

    [Fact]
    public void Estimated_bytes_grow_with_new_stacks_only()
    {
        var aggregator = new ProfileAggregator();
        var b = new OtlpRequestBuilder();
        OtlpRequestBuilder.AddSample(b.Profile(CartAttributes), b.StackOf("c", "b", "a"), 1);
        aggregator.Add(ProfileBatch.Create(b.Request), Now);
        var before = aggregator.EstimatedBytes;
        aggregator.Add(ProfileBatch.Create(b.Request), Now);
        Assert.Equal(before, aggregator.EstimatedBytes);
        Assert.True(before > 0);
    }
}
