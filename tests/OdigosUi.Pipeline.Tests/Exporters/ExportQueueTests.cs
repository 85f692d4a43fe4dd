using OdigosUi.Pipeline.Exporters;

namespace OdigosUi.Pipeline.Tests.Exporters;

public class ExportQueueTests
{
    private static ExportItem Item(int bytes, byte tag = 0)
    {
        var body = new byte[bytes];
        Array.Fill(body, tag);
        return new ExportItem(body, DateTimeOffset.UnixEpoch);
    }

    [Fact]
    public void Full_queue_drops_the_oldest()
    {
        var queue = new ExportQueue(maxBytes: 300);
        Assert.True(queue.Enqueue(Item(100, 1)).Accepted);
        Assert.True(queue.Enqueue(Item(100, 2)).Accepted);
        Assert.True(queue.Enqueue(Item(100, 3)).Accepted);

        var result = queue.Enqueue(Item(150, 4));

        Assert.Equal(new EnqueueResult(true, 2, 200), result);
        Assert.Equal(250, queue.Bytes);
        Assert.Equal(2, queue.DroppedItems);
        Assert.Equal([3, 4], queue.DrainQueued().Select(i => (int)i.Body[0]));
    }

    [Fact]
    public void Item_larger_than_the_bound_is_dropped_at_once()
    {
        var queue = new ExportQueue(maxBytes: 100);
        queue.Enqueue(Item(50));

        var result = queue.Enqueue(Item(101));

        Assert.Equal(new EnqueueResult(false, 1, 101), result);
        Assert.Equal(50, queue.Bytes);
    }

    [Fact]
    public void Item_count_is_bounded_too()
    {
        var queue = new ExportQueue(maxBytes: 1 << 20, maxItems: 2);
        queue.Enqueue(Item(1, 1));
        queue.Enqueue(Item(1, 2));
        queue.Enqueue(Item(1, 3));

        Assert.Equal(2, queue.Count);
        Assert.Equal(1, queue.DroppedItems);
    }

    [Fact]
    public async Task Item_in_delivery_counts_until_released_and_is_never_dropped_for_room()
    {
        var queue = new ExportQueue(maxBytes: 200);
        queue.Enqueue(Item(150, 1));
        var taken = await queue.TakeAsync(CancellationToken.None);
        Assert.Equal(150, queue.Bytes);

        var result = queue.Enqueue(Item(100, 2));

        Assert.False(result.Accepted);
        Assert.Equal(150, queue.Bytes);
        queue.Requeue(taken!);
        Assert.Same(taken, await queue.TakeAsync(CancellationToken.None));
        queue.Release(taken!);
        Assert.Equal(0, queue.Bytes);
        Assert.True(queue.Enqueue(Item(100, 3)).Accepted);
    }

    [Fact]
    public async Task Take_waits_for_an_item_and_ends_when_completed()
    {
        var queue = new ExportQueue(maxBytes: 1000);
        var waiting = queue.TakeAsync(CancellationToken.None).AsTask();
        await Task.Delay(20);
        Assert.False(waiting.IsCompleted);

        queue.Enqueue(Item(10, 7));
        var item = await waiting.WaitAsync(TimeSpan.FromSeconds(2));
        Assert.Equal(7, item!.Body[0]);

        queue.Complete();
        Assert.Null(await queue.TakeAsync(CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(2)));
        Assert.False(queue.Enqueue(Item(10)).Accepted);
    }

    [Fact]
    public async Task Concurrent_producers_never_exceed_the_bound()
    {
        var queue = new ExportQueue(maxBytes: 10_000);
        var maxSeen = 0L;
        using var stop = new CancellationTokenSource();
        var consumer = Task.Run(async () =>
        {
            try
            {
                while (await queue.TakeAsync(stop.Token) is { } item)
                {
                    await Task.Yield();
                    queue.Release(item);
                }
            }
            catch (OperationCanceledException)
            {
            }
        });
        var producers = Enumerable.Range(0, 4).Select(p => Task.Run(() =>
        {
            for (var i = 0; i < 2000; i++)
            {
                queue.Enqueue(Item(100 + ((i * 37) % 900)));
                var bytes = queue.Bytes;
                InterlockedMax(ref maxSeen, bytes);
            }
        })).ToArray();

        await Task.WhenAll(producers);
        await stop.CancelAsync();
        await consumer;

        Assert.True(maxSeen <= 10_000, $"max bytes seen {maxSeen}");
        Assert.True(queue.Bytes <= 10_000);
    }

    private static void InterlockedMax(ref long target, long value)
    {
        long current;
        while (value > (current = Interlocked.Read(ref target)) && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }
}
