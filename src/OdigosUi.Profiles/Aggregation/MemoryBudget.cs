namespace OdigosUi.Profiles.Aggregation;

/// <summary>
/// The byte budget of one aggregate (a profiling slot): its frame table and trees charge every entry and every
/// table growth before allocating it, so what the aggregate holds stays within <see cref="Limit"/> whatever the input.
/// Charged by the owner under its lock; <see cref="Used"/> and <see cref="Limit"/> may be read from any thread.
/// </summary>
public sealed class MemoryBudget(long limit)
{
    private long _limit = limit;
    private long _used;
    private volatile bool _exhausted;

    /// <summary>A budget that never refuses (the CLI aggregates a whole file); it still counts.</summary>
    public static MemoryBudget Unlimited() => new(long.MaxValue);

    /// <summary>
    /// The most bytes the aggregate may hold; lowering it below <see cref="Used"/> makes it full (nothing is freed),
    /// setting it lets new entries be tried again.
    /// </summary>
    public long Limit
    {
        get => Volatile.Read(ref _limit);
        set
        {
            Volatile.Write(ref _limit, value);
            _exhausted = false;
        }
    }

    /// <summary>Bytes charged and not released: the aggregate's estimated heap size.</summary>
    public long Used => Volatile.Read(ref _used);

    /// <summary>
    /// True once a new frame or stack did not fit (<see cref="MarkFull"/>) or the limit is reached: from then on the
    /// aggregate only looks frames and stacks up, until the limit is set again.
    /// </summary>
    public bool IsFull => _exhausted || Used >= Limit;

    /// <summary>Records that a new frame or stack was refused.</summary>
    public void MarkFull() => _exhausted = true;

    /// <summary>Bytes that can still be charged.</summary>
    public long Available => Math.Max(0, Limit - Used);

    /// <summary>Whether <paramref name="bytes"/> more fit: asked before every allocation the aggregate would keep.</summary>
    public bool CanAfford(long bytes) => bytes <= Available;

    /// <summary>Records a change of what is held (negative when freed); callers charge what they allocated after <see cref="CanAfford"/>.</summary>
    public void Charge(long delta) => Interlocked.Add(ref _used, delta);

    /// <summary>
    /// Grows <paramref name="dictionary"/> to hold at least <paramref name="capacity"/> entries when the budget allows
    /// it (the caller then charges the real growth). A dictionary takes the next prime size, at most about 20% more.
    /// </summary>
    public bool TryGrow<TKey, TValue>(Dictionary<TKey, TValue> dictionary, int capacity, long bytesPerEntry, long alsoNeeded = 0)
        where TKey : notnull
    {
        ArgumentNullException.ThrowIfNull(dictionary);
        var current = dictionary.EnsureCapacity(0);
        if (current >= capacity)
        {
            return true;
        }

        if (!CanAfford((((capacity + (capacity / 4) + 8L) - current) * bytesPerEntry) + alsoNeeded))
        {
            return false;
        }

        dictionary.EnsureCapacity(capacity);
        return true;
    }
}

/// <summary>Heap sizes of the .NET objects the aggregates are made of (64-bit runtime).</summary>
public static class HeapSizes
{
    /// <summary>Object header and method table pointer.</summary>
    public const long ObjectHeader = 16;

    /// <summary>An array's header, method table and length.</summary>
    public const long ArrayHeader = 24;

    /// <summary>A string of <paramref name="length"/> UTF-16 chars: header, length, chars and terminator, 8-byte aligned.</summary>
    public static long String(int length) => Align(ObjectHeader + 4 + (2L * (length + 1)));

    /// <summary>A <see cref="Dictionary{TKey,TValue}"/> entry (hash, next, key, value, padded) and its bucket, for a 4-byte key and up to 8-byte value or a reference.</summary>
    public const long DictionaryEntry = 28;

    /// <summary>A dictionary without its entries.</summary>
    public const long DictionaryObject = 80 + (2 * ArrayHeader);

    public static long Align(long bytes) => (bytes + 7) & ~7L;
}
