using OdigosUi.Pipeline.Slots;
using OdigosUi.Profiles.Aggregation;
using OdigosUi.Profiles.Formats.Folded;
using OdigosUi.Profiles.Model;
using OdigosUi.TestSupport;

namespace OdigosUi.Pipeline.Tests.Slots;

public class ProfilingSlotsTests
{
    private static readonly SourceKey Cart = new("shop", "Deployment", "cart");
    private static readonly SourceKey Api = new("local", "Process", "api");
    private readonly ManualTimeProvider _time = new(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000));

    private static ProfileBatch Batch(params (SourceKey Source, string[] LeafFirst, long Value)[] samples)
    {
        var b = new OtlpRequestBuilder();
        foreach (var (source, leafFirst, value) in samples)
        {
            var attributes = source.Namespace == SourceKey.LocalNamespace
                ? new Dictionary<string, string> { ["service.name"] = source.Name }
                : new Dictionary<string, string> { ["k8s.namespace.name"] = source.Namespace, ["k8s.deployment.name"] = source.Name };
            OtlpRequestBuilder.AddSample(b.Profile(attributes), b.StackOf(leafFirst), value);
        }

        return ProfileBatch.Create(b.Request);
    }

    private ProfilingSlots Slots(int maxSlots = 32, long maxBytes = 8 << 20) =>
        new(new SlotOptions { MaxSlots = maxSlots, SlotMaxBytes = maxBytes, SlotTtlSeconds = 300 }, _time);

    private static string Folded(ProfilingSlots slots, SourceKey source) =>
        FoldedWriter.WriteString(slots.Snapshot(source, null, TimeWindow.All)!.Snapshot!);

    [Fact]
    public async Task Only_sources_with_an_open_slot_are_buffered()
    {
        var slots = Slots();
        slots.Open(Cart);

        await slots.ConsumeAsync(Batch((Cart, ["work", "main"], 3), (Api, ["x"], 1)), CancellationToken.None);
        await slots.ConsumeAsync(Batch((Cart, ["work", "main"], 2)), CancellationToken.None);

        Assert.Equal("main;work 5\n", Folded(slots, Cart));
        Assert.Null(slots.Snapshot(Api, null, TimeWindow.All));
        Assert.Equal(2, slots.Get(Cart)!.SampleCount);
        Assert.Equal(["samples:count:cpu:nanoseconds"], slots.Get(Cart)!.ProfileTypes);
    }

    [Fact]
    public void Least_recently_viewed_slot_is_evicted_when_all_are_taken()
    {
        var slots = Slots(maxSlots: 2);
        slots.Open(Cart);
        _time.Advance(TimeSpan.FromSeconds(1));
        slots.Open(Api);
        _time.Advance(TimeSpan.FromSeconds(1));
        slots.Snapshot(Cart, null, TimeWindow.All);
        _time.Advance(TimeSpan.FromSeconds(1));

        var third = new SourceKey("local", "Process", "third");
        slots.Open(third);

        Assert.Equal([Cart, third], slots.List().Select(s => s.Source).OrderBy(s => s.Name));
        Assert.Equal(1, slots.EvictedCount);
    }

    [Fact]
    public void Idle_slots_expire_after_the_ttl()
    {
        var slots = Slots();
        slots.Open(Cart);
        _time.Advance(TimeSpan.FromSeconds(200));
        slots.Open(Api);
        _time.Advance(TimeSpan.FromSeconds(101));

        Assert.Equal(1, slots.ExpireIdle());
        Assert.False(slots.IsOpen(Cart));
        Assert.True(slots.IsOpen(Api));
    }

    [Fact]
    public async Task Clear_empties_and_close_removes()
    {
        var slots = Slots();
        slots.Open(Cart);
        await slots.ConsumeAsync(Batch((Cart, ["a"], 1)), CancellationToken.None);

        Assert.True(slots.Clear(Cart));
        Assert.Null(slots.Snapshot(Cart, null, TimeWindow.All)!.Snapshot);
        Assert.True(slots.Close(Cart));
        Assert.False(slots.Close(Cart));
        Assert.False(slots.Clear(Cart));
    }

    [Fact]
    public async Task A_full_slot_keeps_counting_known_stacks_and_drops_new_ones()
    {
        var slots = Slots();
        slots.Open(Cart);
        await slots.ConsumeAsync(Batch((Cart, ["known"], 1)), CancellationToken.None);
        slots.Reconfigure(new SlotOptions { SlotMaxBytes = 1 });
        await slots.ConsumeAsync(Batch((Cart, ["known"], 4), (Cart, ["new"], 7)), CancellationToken.None);

        Assert.Equal("known 5\n", Folded(slots, Cart));
        var info = slots.Get(Cart)!;
        Assert.True(info.Full);
        Assert.Equal(1, info.DroppedSamples);
    }

    [Fact]
    public void Reconfigure_applies_new_limits_at_once()
    {
        var slots = Slots(maxSlots: 3);
        slots.Open(Cart);
        _time.Advance(TimeSpan.FromSeconds(1));
        slots.Open(Api);

        slots.Reconfigure(new SlotOptions { MaxSlots = 1 });

        Assert.Equal([Api], slots.List().Select(s => s.Source));
        Assert.Equal(1, slots.Options.MaxSlots);
    }

    [Fact]
    public async Task Changes_are_notified_with_the_source_only()
    {
        var slots = Slots();
        var seen = new List<SourceKey>();
        slots.Changed += seen.Add;
        slots.Open(Cart);
        await slots.ConsumeAsync(Batch((Cart, ["a"], 1), (Api, ["b"], 1)), CancellationToken.None);
        slots.Close(Cart);

        Assert.Equal([Cart, Cart, Cart], seen);
    }
}
