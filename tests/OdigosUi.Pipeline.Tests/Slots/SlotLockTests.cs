using OdigosUi.Pipeline.Slots;
using OdigosUi.Profiles.Aggregation;
using OdigosUi.Profiles.Formats.Folded;
using OdigosUi.Profiles.Model;

namespace OdigosUi.Pipeline.Tests.Slots;

/// <summary>Each slot has its own lock: a snapshot of one slot that does not finish does not hold up any other slot.</summary>
public class SlotLockTests
{
    private static readonly SourceKey Viewed = new("shop", "Deployment", "viewed");
    private static readonly SourceKey Ingested = new("shop", "Deployment", "ingested");

    [Fact]
    public async Task A_blocked_snapshot_of_one_slot_does_not_block_ingest_into_another()
    {
        using var time = new BlockingTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000));
        var slots = new ProfilingSlots(new SlotOptions(), time);
        slots.Open(Viewed);
        slots.Open(Ingested);

        // The snapshot reads the clock while it holds its slot's lock; this clock stops it there until released.
        var snapshot = Task.Factory.StartNew(() =>
        {
            time.BlockThisThread();
            return slots.Snapshot(Viewed, null, TimeWindow.All);
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        Assert.True(time.Blocked.Wait(TimeSpan.FromSeconds(30)), "the snapshot never reached the clock");

        var ingest = Task.Run(async () =>
        {
            await slots.ConsumeAsync(SlotBudgetTests.FloodBatch(0, 3, depth: 2, new Dictionary<string, string>
            {
                ["k8s.namespace.name"] = "shop",
                ["k8s.deployment.name"] = "ingested",
            }), CancellationToken.None);
            return slots.Get(Ingested)!;
        });
        var other = Task.Run(() => slots.Open(new SourceKey("shop", "Deployment", "third")));

        // Generous for a loaded machine: under one lock for all slots these never finish while the snapshot waits.
        var both = Task.WhenAll(ingest, other);
        var finished = await Task.WhenAny(both, Task.Delay(TimeSpan.FromSeconds(30))) == both;
        time.Release();
        Assert.True(finished, "ingest into one slot waited for a snapshot of another");
        Assert.Equal(4, (await ingest).SampleCount);
        Assert.Equal(0, (await other).SampleCount);
        Assert.NotNull(await snapshot);
        Assert.Contains("main;known 1", FoldedWriter.WriteString(slots.Snapshot(Ingested, null, TimeWindow.All)!.Snapshot!), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ingest_into_a_slot_evicted_meanwhile_is_not_seen_and_does_not_fail()
    {
        var slots = new ProfilingSlots(new SlotOptions { MaxSlots = 1 });
        slots.Open(Ingested);
        var consume = Enumerable.Range(0, 50).Select(round => Task.Run(async () =>
            await slots.ConsumeAsync(SlotBudgetTests.FloodBatch(round, 20, depth: 3, new Dictionary<string, string>
            {
                ["k8s.namespace.name"] = "shop",
                ["k8s.deployment.name"] = "ingested",
            }), CancellationToken.None))).ToList();
        slots.Open(Viewed);

        Assert.All(await Task.WhenAll(consume), status => Assert.Equal(ConsumeStatus.Accepted, status));
        Assert.Equal([Viewed], slots.List().Select(s => s.Source));
    }

    /// <summary>A clock that, on threads that asked for it, stops in <see cref="GetUtcNow"/> until released.</summary>
    private sealed class BlockingTimeProvider(DateTimeOffset now) : TimeProvider, IDisposable
    {
        private readonly ThreadLocal<bool> _block = new();
        private readonly ManualResetEventSlim _release = new();

        public ManualResetEventSlim Blocked { get; } = new();

        public void BlockThisThread() => _block.Value = true;

        public void Release() => _release.Set();

        public override DateTimeOffset GetUtcNow()
        {
            if (_block.Value)
            {
                _block.Value = false;
                Blocked.Set();
                _release.Wait(TimeSpan.FromMinutes(2));
            }

            return now;
        }

        public void Dispose()
        {
            _release.Set();
            _block.Dispose();
            _release.Dispose();
            Blocked.Dispose();
        }
    }
}
