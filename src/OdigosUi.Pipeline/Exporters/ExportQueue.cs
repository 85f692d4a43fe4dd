namespace OdigosUi.Pipeline.Exporters;

/// <summary>One encoded request waiting for (or in) delivery: the exact body an exporter sends.</summary>
/// <remarks>The body may be shared by several exporters' queues: it is never modified.</remarks>
public sealed class ExportItem(byte[] body, DateTimeOffset enqueuedAt)
{
    public byte[] Body { get; } = body;

    public long Bytes => Body.Length;

    public DateTimeOffset EnqueuedAt { get; } = enqueuedAt;
}

/// <summary>What <see cref="ExportQueue.Enqueue"/> did.</summary>
/// <param name="Accepted">The new item is queued.</param>
/// <param name="DroppedItems">Items dropped to make room (the oldest ones), plus the new one when it was not accepted.</param>
/// <param name="DroppedBytes">Their bytes.</param>
public readonly record struct EnqueueResult(bool Accepted, int DroppedItems, long DroppedBytes);

/// <summary>
/// The bounded FIFO of one exporter, like the Collector's sending_queue but bounded by BYTES (profile requests range
/// from a few KB to MBs, so a count says little about memory) and, secondarily, by items.
/// <para>
/// When full, the OLDEST queued items are dropped to make room: the newest profiles are the ones a flame graph in the
/// backend is looked at for, and an outage then costs its oldest minutes rather than the present. An item larger
/// than the whole bound is dropped at once. The item being delivered (taken but not yet <see cref="Release"/>d)
/// still counts in <see cref="Bytes"/>, so memory held by the queue never exceeds <see cref="MaxBytes"/>.
/// </para>
/// Thread-safe: one lock guards all state; <see cref="TakeAsync"/> waits on a signal outside it.
/// </summary>
public sealed class ExportQueue
{
    private readonly Lock _lock = new();
    private readonly LinkedList<ExportItem> _items = new();
    private readonly HashSet<ExportItem> _taken = new(ReferenceEqualityComparer.Instance);
    private readonly SemaphoreSlim _signal = new(0, 1);
    private long _bytes;
    private long _droppedItems;
    private long _droppedBytes;
    private bool _completed;

    public ExportQueue(long maxBytes, int maxItems = int.MaxValue)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBytes, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxItems, 1);
        MaxBytes = maxBytes;
        MaxItems = maxItems;
    }

    public long MaxBytes { get; }

    public int MaxItems { get; }

    /// <summary>Bytes held: queued items plus the ones taken and not yet released.</summary>
    public long Bytes
    {
        get
        {
            lock (_lock)
            {
                return _bytes;
            }
        }
    }

    /// <summary>Items held: queued plus taken.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _items.Count + _taken.Count;
            }
        }
    }

    /// <summary>Items dropped because the queue was full (or closed).</summary>
    public long DroppedItems => Interlocked.Read(ref _droppedItems);

    public long DroppedBytes => Interlocked.Read(ref _droppedBytes);

    public bool IsCompleted
    {
        get
        {
            lock (_lock)
            {
                return _completed;
            }
        }
    }

    /// <summary>Adds <paramref name="item"/> at the tail, dropping the oldest queued items when it does not fit. Never blocks.</summary>
    public EnqueueResult Enqueue(ExportItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        lock (_lock)
        {
            if (_completed || item.Bytes > MaxBytes)
            {
                return Dropped(0, 0, item);
            }

            var droppedItems = 0;
            var droppedBytes = 0L;
            while ((_bytes + item.Bytes > MaxBytes || _items.Count + _taken.Count + 1 > MaxItems) && _items.First is { } oldest)
            {
                _items.RemoveFirst();
                _bytes -= oldest.Value.Bytes;
                droppedItems++;
                droppedBytes += oldest.Value.Bytes;
            }

            if (_bytes + item.Bytes > MaxBytes || _items.Count + _taken.Count + 1 > MaxItems)
            {
                // Only items in delivery are left and they fill the bound.
                return Dropped(droppedItems, droppedBytes, item);
            }

            _items.AddLast(item);
            _bytes += item.Bytes;
            CountDropped(droppedItems, droppedBytes);
            Signal();
            return new EnqueueResult(true, droppedItems, droppedBytes);
        }
    }

    /// <summary>
    /// Waits for the oldest item and takes it; it keeps counting in <see cref="Bytes"/> until <see cref="Release"/>
    /// or <see cref="Requeue"/>. Null once the queue is completed and empty.
    /// </summary>
    public async ValueTask<ExportItem?> TakeAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            lock (_lock)
            {
                if (_items.First is { } first)
                {
                    _items.RemoveFirst();
                    _taken.Add(first.Value);
                    if (_items.Count > 0)
                    {
                        Signal();
                    }

                    return first.Value;
                }

                if (_completed)
                {
                    Signal();
                    return null;
                }
            }

            await _signal.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Delivery of a taken item is over (sent or dropped): its bytes are free.</summary>
    public void Release(ExportItem item)
    {
        lock (_lock)
        {
            if (_taken.Remove(item))
            {
                _bytes -= item.Bytes;
            }
        }
    }

    /// <summary>Puts a taken item back at the head (delivery interrupted, e.g. by a restart).</summary>
    public void Requeue(ExportItem item)
    {
        lock (_lock)
        {
            if (_taken.Remove(item))
            {
                _items.AddFirst(item);
                Signal();
            }
        }
    }

    /// <summary>Counts a taken item as dropped (permanent error, retries exhausted) and releases it.</summary>
    public void Drop(ExportItem item)
    {
        lock (_lock)
        {
            if (_taken.Remove(item))
            {
                _bytes -= item.Bytes;
                CountDropped(1, item.Bytes);
            }
        }
    }

    /// <summary>No more items: <see cref="Enqueue"/> drops, <see cref="TakeAsync"/> returns null once empty.</summary>
    public void Complete()
    {
        lock (_lock)
        {
            _completed = true;
            Signal();
        }
    }

    /// <summary>Removes and returns every queued (not taken) item, oldest first, without counting them as dropped.</summary>
    public IReadOnlyList<ExportItem> DrainQueued()
    {
        lock (_lock)
        {
            var items = _items.ToList();
            _items.Clear();
            foreach (var item in items)
            {
                _bytes -= item.Bytes;
            }

            return items;
        }
    }

    /// <summary>Drops every queued item (counted); returns how many.</summary>
    public int DropQueued()
    {
        lock (_lock)
        {
            var count = _items.Count;
            var bytes = _items.Sum(i => i.Bytes);
            _items.Clear();
            _bytes -= bytes;
            CountDropped(count, bytes);
            return count;
        }
    }

    private EnqueueResult Dropped(int droppedItems, long droppedBytes, ExportItem item)
    {
        CountDropped(droppedItems + 1, droppedBytes + item.Bytes);
        return new EnqueueResult(false, droppedItems + 1, droppedBytes + item.Bytes);
    }

    private void CountDropped(int items, long bytes)
    {
        if (items > 0)
        {
            Interlocked.Add(ref _droppedItems, items);
            Interlocked.Add(ref _droppedBytes, bytes);
        }
    }

    /// <summary>Wakes a waiting taker; the semaphore holds at most one permit (called under the lock).</summary>
    private void Signal()
    {
        if (_signal.CurrentCount == 0)
        {
            _signal.Release();
        }
    }
}
