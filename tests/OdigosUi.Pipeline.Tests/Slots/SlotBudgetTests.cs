using OdigosUi.Pipeline.Slots;
using OdigosUi.Profiles.Aggregation;
using OdigosUi.Profiles.Formats.Folded;
using Google.Protobuf;
using OdigosUi.Profiles.Model;
using OdigosUi.Profiles.Otlp.Collector;
using OdigosUi.TestSupport;

namespace OdigosUi.Pipeline.Tests.Slots;

/// <summary>The wide-frame flood: payloads of nothing but new frames must not grow a slot past its byte budget.</summary>
public class SlotBudgetTests
{
    private static readonly SourceKey Flooded = new("shop", "Deployment", "flood");
    private static readonly Dictionary<string, string> FloodedResource = new() { ["k8s.namespace.name"] = "shop", ["k8s.deployment.name"] = "flood" };

    private readonly ManualTimeProvider _time = new(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000));

    /// <summary>One known stack (main;known, value 1) and <paramref name="stacks"/> stacks of <paramref name="depth"/> frames never seen before.</summary>
    internal static ProfileBatch FloodBatch(int round, int stacks, int depth, IReadOnlyDictionary<string, string>? resource = null) =>
        ProfileBatch.Create(FloodRequest(round, stacks, depth, resource));

    internal static ExportProfilesServiceRequest FloodRequest(int round, int stacks, int depth, IReadOnlyDictionary<string, string>? resource = null) =>
        FloodPayloads.Request(resource ?? FloodedResource, round, stacks, depth);

    private ProfilingSlots Slots(long maxBytes) =>
        new(new SlotOptions { SlotMaxBytes = maxBytes, SlotTtlSeconds = 300 }, _time);

    [Fact]
    public async Task A_flood_of_new_frames_stays_within_the_budget_and_known_stacks_still_count()
    {
        const long Budget = 1L << 20;
        var slots = Slots(Budget);
        slots.Open(Flooded);

        const int Rounds = 30;
        const int Stacks = 500;
        for (var round = 0; round < Rounds; round++)
        {
            await slots.ConsumeAsync(FloodBatch(round, Stacks, depth: 8), CancellationToken.None);
            Assert.InRange(slots.Get(Flooded)!.EstimatedBytes, 0, Budget);
        }

        var info = slots.Get(Flooded)!;
        Assert.True(info.Full, $"the slot holds {info.EstimatedBytes} of {Budget} bytes");
        Assert.InRange(info.EstimatedBytes, Budget * 9 / 10, Budget);
        Assert.True(info.DroppedSamples > 0);
        Assert.Equal(info.DroppedSamples, slots.DroppedSamplesTotal);
        Assert.Equal((long)Rounds * (Stacks + 1), info.SampleCount + info.DroppedSamples);

        // The stack known from the first payload was counted in every one, the slot full or not.
        var folded = FoldedWriter.WriteString(slots.Snapshot(Flooded, null, TimeWindow.All)!.Snapshot!);
        Assert.Contains($"main;known {Rounds}\n", folded, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_flood_inside_one_payload_is_cut_at_the_budget()
    {
        // One payload far larger than the budget: the check is per new frame and stack, not per payload.
        const long Budget = 256 << 10;
        var slots = Slots(Budget);
        slots.Open(Flooded);

        await slots.ConsumeAsync(FloodBatch(0, stacks: 5_000, depth: 10), CancellationToken.None);

        var info = slots.Get(Flooded)!;
        Assert.InRange(info.EstimatedBytes, Budget * 8 / 10, Budget);
        Assert.InRange(info.DroppedSamples, 1, 5_000);
        Assert.Contains("main;known 1\n", FoldedWriter.WriteString(slots.Snapshot(Flooded, null, TimeWindow.All)!.Snapshot!), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Known_stacks_keep_counting_in_new_time_buckets_when_the_slot_is_full()
    {
        const long Budget = 128 << 10;
        var slots = Slots(Budget);
        slots.Open(Flooded);
        for (var round = 0; round < 10; round++)
        {
            await slots.ConsumeAsync(FloodBatch(round, 400, depth: 6), CancellationToken.None);
        }

        Assert.True(slots.Get(Flooded)!.Full);
        for (var minute = 0; minute < 30; minute++)
        {
            _time.Advance(TimeSpan.FromSeconds(60));
            await slots.ConsumeAsync(FloodBatch(1000 + minute, 0, depth: 1), CancellationToken.None);
        }

        // Older buckets made room: the last minute still shows the known stack.
        var recent = slots.Snapshot(Flooded, null, TimeWindow.Last(TimeSpan.FromSeconds(30), _time.GetUtcNow()))!.Snapshot!;
        Assert.Equal("main;known 1\n", FoldedWriter.WriteString(recent));
        Assert.InRange(slots.Get(Flooded)!.EstimatedBytes, 0, Budget);
    }

    [Fact]
    public async Task Lowering_the_budget_at_run_time_stops_new_frames_and_raising_it_lets_them_in()
    {
        var slots = Slots(8 << 20);
        slots.Open(Flooded);
        await slots.ConsumeAsync(FloodBatch(0, 200, depth: 4), CancellationToken.None);
        var held = slots.Get(Flooded)!.EstimatedBytes;

        slots.Reconfigure(new SlotOptions { SlotMaxBytes = 64 << 10 });
        await slots.ConsumeAsync(FloodBatch(1, 200, depth: 4), CancellationToken.None);
        Assert.Equal(200, slots.Get(Flooded)!.DroppedSamples);
        Assert.Equal(held, slots.Get(Flooded)!.EstimatedBytes);

        slots.Reconfigure(new SlotOptions { SlotMaxBytes = 8 << 20 });
        await slots.ConsumeAsync(FloodBatch(2, 200, depth: 4), CancellationToken.None);
        Assert.Equal(200, slots.Get(Flooded)!.DroppedSamples);
        Assert.True(slots.Get(Flooded)!.EstimatedBytes > held);
    }

    [Fact]
    public async Task Clear_gives_the_whole_budget_back()
    {
        const long Budget = 256 << 10;
        var slots = Slots(Budget);
        slots.Open(Flooded);
        await slots.ConsumeAsync(FloodBatch(0, 3_000, depth: 4), CancellationToken.None);
        Assert.True(slots.Get(Flooded)!.Full);

        slots.Clear(Flooded);

        var info = slots.Get(Flooded)!;
        Assert.False(info.Full);
        Assert.InRange(info.EstimatedBytes, 1, 4096);
        await slots.ConsumeAsync(FloodBatch(1, 10, depth: 4), CancellationToken.None);
        Assert.Equal(0, slots.Get(Flooded)!.DroppedSamples);
    }
}

/// <summary>Measured with the GC, alone (no other test allocates meanwhile): the accounted bytes follow the real heap.</summary>
[Collection(nameof(HeapMeasurement))]
public class SlotHeapTests
{
    [Fact]
    public async Task The_accounted_bytes_track_the_live_heap_of_a_flooded_slot()
    {
        const long Budget = 4L << 20;
        var source = new SourceKey("shop", "Deployment", "flood");
        var payloads = Enumerable.Range(0, 12).Select(round => SlotBudgetTests.FloodRequest(round, 1_000, depth: 10).ToByteArray()).ToList();

        // A throwaway pass first, so the pooled buffers of the resolver are not counted as the slot's.
        await Flood(new SlotOptions { SlotMaxBytes = Budget }, source, payloads);

        var before = GC.GetTotalMemory(forceFullCollection: true);
        var slots = await Flood(new SlotOptions { SlotMaxBytes = Budget }, source, payloads);
        var after = GC.GetTotalMemory(forceFullCollection: true);
        var info = slots.Get(source)!;
        GC.KeepAlive(slots);
        GC.KeepAlive(payloads);
        var live = after - before;

        Assert.True(info.Full);
        Assert.InRange(info.EstimatedBytes, 0, Budget);
        // Strings, dictionary entries and arrays are counted by capacity: the live heap is the estimate, give or take
        // what the runtime rounds and the slot's few fixed objects.
        Assert.InRange(live, info.EstimatedBytes * 8 / 10, info.EstimatedBytes * 11 / 10);
    }

    private static async Task<ProfilingSlots> Flood(SlotOptions options, SourceKey source, List<byte[]> payloads)
    {
        var slots = new ProfilingSlots(options);
        slots.Open(source);
        foreach (var payload in payloads)
        {
            await slots.ConsumeAsync(ProfileBatch.Create(ExportProfilesServiceRequest.Parser.ParseFrom(payload)), CancellationToken.None);
        }

        return slots;
    }
}

[CollectionDefinition(nameof(HeapMeasurement), DisableParallelization = true)]
public sealed class HeapMeasurement;
