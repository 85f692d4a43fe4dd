using OdigosUi.Pipeline.Live;
using OdigosUi.Pipeline.Slots;
using OdigosUi.Profiles.Aggregation;
using OdigosUi.Profiles.Formats.Folded;
using OdigosUi.Profiles.Model;
using OdigosUi.TestSupport;

namespace OdigosUi.Pipeline.Tests.Live;

public class LiveCursorTests
{
    private static readonly SourceKey Cart = new("local", "Process", "cart");
    private static readonly ProfileType Alloc = new("alloc_space", "bytes", "space", "bytes");
    private readonly ManualTimeProvider _time = new(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000));

    private ProfilingSlots Slots(long maxBytes = 8 << 20) =>
        new(new SlotOptions { SlotMaxBytes = maxBytes, BucketSeconds = 5, MaxBuckets = 360 }, _time);

    /// <summary>A batch of random stacks over a small vocabulary, stamped with the test clock's time.</summary>
    private ProfileBatch RandomBatch(Random random, int samples, ProfileType? type = null, int vocabulary = 40)
    {
        type ??= ProfileType.Cpu;
        var builder = new OtlpRequestBuilder();
        var profile = builder.Profile(new Dictionary<string, string> { ["service.name"] = Cart.Name },
            type.Value.SampleType, type.Value.SampleUnit, type.Value.PeriodType, type.Value.PeriodUnit);
        profile.TimeUnixNano = (ulong)(_time.GetUtcNow().ToUnixTimeMilliseconds() * 1_000_000);
        for (var i = 0; i < samples; i++)
        {
            var depth = random.Next(1, 9);
            var leafFirst = new string[depth];
            for (var d = 0; d < depth; d++)
            {
                // Shallow frames come from a few names, so stacks share prefixes as real ones do.
                leafFirst[depth - 1 - d] = $"fn_{random.Next(Math.Min(vocabulary, 3 + (d * 6)))}";
            }

            OtlpRequestBuilder.AddSample(profile, builder.StackOf(leafFirst), random.Next(1, 6));
        }

        return ProfileBatch.Create(builder.Request);
    }

    private static void AssertSameAsSlot(LiveProfileModel model, ProfilingSlots slots, ProfileType? type, TimeWindow window)
    {
        var read = slots.Snapshot(Cart, type, window)!;
        var snapshot = read.Snapshot!;
        Assert.Equal(snapshot.NodeCount, model.NodeCount);
        for (var node = 0; node < snapshot.NodeCount; node++)
        {
            Assert.Equal(snapshot.Self[node], model.Self(node));
            Assert.Equal(snapshot.Parent[node], model.Parent(node));
        }

        Assert.Equal(snapshot.TotalValue, model.TotalValue);
        Assert.Equal(FoldedWriter.WriteString(snapshot), ReferenceFolded.Format(model.Stacks()));
    }

    private static void Apply(LiveProfileModel model, ProfileUpdate update, ref long seq)
    {
        update.Seq = ++seq;
        model.Apply(update);
    }

    [Fact]
    public async Task Applying_every_update_rebuilds_the_slot_exactly()
    {
        var slots = Slots();
        slots.Open(Cart);
        var cursor = new LiveCursor(null, 0);
        var model = new LiveProfileModel();
        var random = new Random(7);
        long seq = 0;

        var first = slots.NextUpdate(Cart, cursor)!;
        Assert.True(first.Reset);
        Assert.Null(first.ProfileType);
        Apply(model, first, ref seq);

        var updates = 0;
        for (var round = 0; round < 40; round++)
        {
            // Sometimes several batches land between two updates; they must arrive merged.
            for (var batch = random.Next(1, 4); batch > 0; batch--)
            {
                await slots.ConsumeAsync(RandomBatch(random, random.Next(1, 60), vocabulary: 10 + round), CancellationToken.None);
            }

            var update = slots.NextUpdate(Cart, cursor);
            Assert.NotNull(update);
            Assert.False(update.Reset);
            Assert.Equal("samples:count:cpu:nanoseconds", update.ProfileType);
            Assert.Equal("count", update.Unit);
            Assert.Equal(52_631_578, update.Period);
            Assert.All(update.SelfDeltas, delta => Assert.True(delta > 0));
            Apply(model, update, ref seq);
            updates++;
            AssertSameAsSlot(model, slots, null, TimeWindow.All);
        }

        Assert.Equal(40, updates);
        Assert.Equal(slots.Get(Cart)!.SampleCount, model.SampleCount);
        Assert.True(model.NodeCount > 100, $"only {model.NodeCount} nodes");
    }

    [Fact]
    public async Task A_late_watcher_gets_everything_in_one_reset_update()
    {
        var slots = Slots();
        slots.Open(Cart);
        var random = new Random(3);
        for (var i = 0; i < 10; i++)
        {
            await slots.ConsumeAsync(RandomBatch(random, 50), CancellationToken.None);
        }

        var model = new LiveProfileModel();
        var update = slots.NextUpdate(Cart, new LiveCursor(null, 0))!;
        Assert.True(update.Reset);
        Assert.Equal(0, update.FrameStart);
        Assert.Equal(1, update.NodeStart);
        model.Apply(update);
        AssertSameAsSlot(model, slots, null, TimeWindow.All);
    }

    [Fact]
    public async Task Nothing_changed_gives_no_update_and_copies_nothing()
    {
        var slots = Slots();
        slots.Open(Cart);
        var random = new Random(5);
        for (var i = 0; i < 20; i++)
        {
            await slots.ConsumeAsync(RandomBatch(random, 200, vocabulary: 60), CancellationToken.None);
        }

        var all = new LiveCursor(null, 0);
        var recent = new LiveCursor(null, 60);
        Assert.NotNull(slots.NextUpdate(Cart, all));
        Assert.NotNull(slots.NextUpdate(Cart, recent));

        Assert.Null(slots.NextUpdate(Cart, all));
        Assert.Null(slots.NextUpdate(Cart, recent));
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++)
        {
            Assert.Null(slots.NextUpdate(Cart, all));
            Assert.Null(slots.NextUpdate(Cart, recent));
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        // A snapshot of this tree is tens of kilobytes; 200 unchanged reads must not make even one.
        Assert.True(allocated < 4096, $"{allocated} bytes allocated by 200 unchanged reads");
    }

    [Fact]
    public async Task A_sliding_window_sends_negative_deltas_as_samples_leave_it()
    {
        var slots = Slots();
        slots.Open(Cart);
        var cursor = new LiveCursor(null, 60);
        var model = new LiveProfileModel();
        var window = () => TimeWindow.Last(TimeSpan.FromSeconds(60), _time.GetUtcNow());
        var random = new Random(11);
        long seq = 0;

        await slots.ConsumeAsync(RandomBatch(random, 100), CancellationToken.None);
        Apply(model, slots.NextUpdate(Cart, cursor)!, ref seq);
        AssertSameAsSlot(model, slots, null, window());
        var early = model.TotalValue;

        _time.Advance(TimeSpan.FromSeconds(30));
        await slots.ConsumeAsync(RandomBatch(random, 100), CancellationToken.None);
        Apply(model, slots.NextUpdate(Cart, cursor)!, ref seq);
        AssertSameAsSlot(model, slots, null, window());
        var both = model.TotalValue;

        // No new data: only time moves, and the first batch leaves the window.
        _time.Advance(TimeSpan.FromSeconds(40));
        var leaving = slots.NextUpdate(Cart, cursor)!;
        Assert.False(leaving.Reset);
        Assert.Contains(leaving.SelfDeltas, delta => delta < 0);
        Apply(model, leaving, ref seq);
        AssertSameAsSlot(model, slots, null, window());
        Assert.Equal(both - early, model.TotalValue);

        Assert.Null(slots.NextUpdate(Cart, cursor));

        _time.Advance(TimeSpan.FromSeconds(60));
        var empty = slots.NextUpdate(Cart, cursor)!;
        Assert.All(empty.SelfDeltas, delta => Assert.True(delta < 0));
        Apply(model, empty, ref seq);
        Assert.Equal(0, model.TotalValue);
        Assert.Empty(model.Stacks());

        // The all-time view of the same slot still has everything.
        var all = new LiveProfileModel();
        all.Apply(slots.NextUpdate(Cart, new LiveCursor(null, 0))!);
        AssertSameAsSlot(all, slots, null, TimeWindow.All);
        Assert.True(all.TotalValue > 0);
    }

    [Fact]
    public async Task Clear_resets_close_is_reported_once_and_a_reopened_slot_resets()
    {
        var slots = Slots();
        slots.Open(Cart);
        var cursor = new LiveCursor(null, 0);
        var model = new LiveProfileModel();
        var random = new Random(13);
        long seq = 0;
        await slots.ConsumeAsync(RandomBatch(random, 80), CancellationToken.None);
        Apply(model, slots.NextUpdate(Cart, cursor)!, ref seq);

        slots.Clear(Cart);
        var cleared = slots.NextUpdate(Cart, cursor)!;
        Assert.True(cleared.Reset);
        Apply(model, cleared, ref seq);
        Assert.Equal(0, model.TotalValue);
        Assert.Equal(1, model.NodeCount);
        Assert.Equal(0, model.FrameCount);

        await slots.ConsumeAsync(RandomBatch(random, 80), CancellationToken.None);
        var refilled = slots.NextUpdate(Cart, cursor)!;
        Assert.False(refilled.Reset);
        Apply(model, refilled, ref seq);
        AssertSameAsSlot(model, slots, null, TimeWindow.All);
        var total = model.TotalValue;

        slots.Close(Cart);
        var closed = slots.NextUpdate(Cart, cursor)!;
        Assert.True(closed.Closed);
        Assert.False(closed.Reset);
        Assert.Empty(closed.ChangedNodes);
        Apply(model, closed, ref seq);
        Assert.True(model.Closed);
        Assert.Equal(total, model.TotalValue);
        Assert.Null(slots.NextUpdate(Cart, cursor));
        Assert.False(slots.IsOpen(Cart), "a closed slot must not be reopened by its watcher");

        slots.Open(Cart);
        await slots.ConsumeAsync(RandomBatch(random, 10), CancellationToken.None);
        var reopened = slots.NextUpdate(Cart, cursor)!;
        Assert.True(reopened.Reset);
        Assert.False(reopened.Closed);
        Apply(model, reopened, ref seq);
        AssertSameAsSlot(model, slots, null, TimeWindow.All);
    }

    [Fact]
    public async Task The_default_type_follows_the_slot_and_a_requested_type_stays()
    {
        var slots = Slots();
        slots.Open(Cart);
        var random = new Random(17);
        var byDefault = new LiveCursor(null, 0);
        var alloc = new LiveCursor(Alloc, 0);
        var defaultModel = new LiveProfileModel();
        var allocModel = new LiveProfileModel();
        long seq = 0, allocSeq = 0;

        await slots.ConsumeAsync(RandomBatch(random, 30, Alloc), CancellationToken.None);
        var first = slots.NextUpdate(Cart, byDefault)!;
        Assert.Equal(Alloc.ToString(), first.ProfileType);
        Assert.Equal("bytes", first.Unit);
        Apply(defaultModel, first, ref seq);
        Apply(allocModel, slots.NextUpdate(Cart, alloc)!, ref allocSeq);

        // CPU data arrives: the default view switches to it (the CPU type is preferred) and starts over.
        await slots.ConsumeAsync(RandomBatch(random, 30), CancellationToken.None);
        var switched = slots.NextUpdate(Cart, byDefault)!;
        Assert.True(switched.Reset);
        Assert.Equal(ProfileType.Cpu.ToString(), switched.ProfileType);
        Assert.Equal([Alloc.ToString(), ProfileType.Cpu.ToString()], switched.AvailableTypes);
        Apply(defaultModel, switched, ref seq);
        AssertSameAsSlot(defaultModel, slots, null, TimeWindow.All);

        // The alloc view keeps its tree; the other type's data only moves its counters (and shared frames).
        var other = slots.NextUpdate(Cart, alloc)!;
        Assert.False(other.Reset);
        Assert.Empty(other.ChangedNodes);
        Assert.Equal(2, other.AvailableTypes.Length);
        Apply(allocModel, other, ref allocSeq);
        AssertSameAsSlot(allocModel, slots, Alloc, TimeWindow.All);
        Assert.Equal(slots.Get(Cart)!.SampleCount, allocModel.SampleCount);
    }

    [Fact]
    public async Task A_full_slot_reports_dropped_samples()
    {
        var slots = Slots(maxBytes: 64 * 1024);
        slots.Open(Cart);
        var cursor = new LiveCursor(null, 0);
        var model = new LiveProfileModel();
        var random = new Random(19);
        long seq = 0;
        for (var i = 0; i < 40 && slots.Get(Cart)!.DroppedSamples == 0; i++)
        {
            await slots.ConsumeAsync(RandomBatch(random, 400, vocabulary: 400), CancellationToken.None);
            Apply(model, slots.NextUpdate(Cart, cursor)!, ref seq);
        }

        Assert.True(model.DroppedSamples > 0);
        Assert.Equal(slots.Get(Cart)!.DroppedSamples, model.DroppedSamples);
        AssertSameAsSlot(model, slots, null, TimeWindow.All);
    }

    [Fact]
    public async Task A_watcher_holds_one_long_per_node_at_most_a_half_more()
    {
        var slots = Slots();
        slots.Open(Cart);
        var cursor = new LiveCursor(null, 0);
        var random = new Random(23);
        for (var i = 0; i < 30; i++)
        {
            await slots.ConsumeAsync(RandomBatch(random, 300, vocabulary: 200), CancellationToken.None);
            slots.NextUpdate(Cart, cursor);
        }

        var nodes = slots.Snapshot(Cart, null, TimeWindow.All)!.Snapshot!.NodeCount;
        Assert.Equal(nodes, cursor.NodesSent);
        Assert.InRange(cursor.EstimatedBytes, nodes * 8L, nodes * 12L + 64);
    }

    [Fact]
    public void Watching_keeps_the_slot_from_expiring_and_touch_does_not_reopen()
    {
        var slots = new ProfilingSlots(new SlotOptions { SlotTtlSeconds = 10 }, _time);
        slots.Open(Cart);
        var cursor = new LiveCursor(null, 0);
        for (var i = 0; i < 5; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(6));
            slots.NextUpdate(Cart, cursor);
            Assert.Equal(0, slots.ExpireIdle());
        }

        _time.Advance(TimeSpan.FromSeconds(6));
        Assert.True(slots.Touch(Cart));
        Assert.Equal(0, slots.ExpireIdle());
        _time.Advance(TimeSpan.FromSeconds(11));
        Assert.Equal(1, slots.ExpireIdle());
        Assert.False(slots.Touch(Cart));
        Assert.False(slots.IsOpen(Cart));
    }
}
