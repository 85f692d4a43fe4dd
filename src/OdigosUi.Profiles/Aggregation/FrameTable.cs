namespace OdigosUi.Profiles.Aggregation;

/// <summary>A frame as the flame graph shows it: its label and, when the producer said so, its kind (kernel, native, dotnet, ...).</summary>
public readonly record struct Frame(string Label, string Kind);

/// <summary>
/// Interns frames by label within a <see cref="MemoryBudget"/>: a frame the budget cannot hold is not interned
/// (<see cref="Refused"/>) and makes the budget full, frames already known are always found. Not thread-safe: the owner serializes access.
/// </summary>
public sealed class FrameTable
{
    /// <summary>The id <see cref="Intern"/> returns for a new frame the budget has no room for.</summary>
    public const int Refused = -1;

    // A List<Frame> slot is two references; the id dictionary's entry holds a reference key and an int value.
    private const long FrameSlotBytes = 16;
    private const long IdEntryBytes = HeapSizes.DictionaryEntry;
    private const long KindEntryBytes = 64;
    private static readonly long FixedBytes = (3 * HeapSizes.DictionaryObject) + 64;

    private readonly Dictionary<string, int> _ids = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _kinds = new(StringComparer.Ordinal);
    private readonly List<Frame> _frames = [];
    private long _labelBytes;

    public FrameTable()
        : this(MemoryBudget.Unlimited())
    {
    }

    public FrameTable(MemoryBudget budget)
    {
        ArgumentNullException.ThrowIfNull(budget);
        Budget = budget;
        EstimatedBytes = FixedBytes;
        budget.Charge(EstimatedBytes);
    }

    /// <summary>The budget this table and the trees over it charge.</summary>
    public MemoryBudget Budget { get; }

    public int Count => _frames.Count;

    public Frame this[int id] => _frames[id];

    /// <summary>Heap bytes held: label and kind strings, the frame list and the dictionaries, capacity included.</summary>
    public long EstimatedBytes { get; private set; }

    /// <summary>The id of a frame already interned, without adding anything.</summary>
    public bool TryFind(string label, out int id) => _ids.TryGetValue(label, out id);

    /// <summary>The id of <paramref name="label"/>, added when new and the budget has room; <see cref="Refused"/> otherwise.</summary>
    public int Intern(string label, string kind)
    {
        if (_ids.TryGetValue(label, out var id))
        {
            return id;
        }

        if (Budget.IsFull)
        {
            return Refused;
        }

        var cost = HeapSizes.String(label.Length);
        string? storedKind = kind.Length == 0 ? "" : _kinds.GetValueOrDefault(kind);
        if (storedKind is null)
        {
            cost += HeapSizes.String(kind.Length) + KindEntryBytes;
        }

        if (!Budget.CanAfford(cost) || (_frames.Count == _frames.Capacity && !TryGrow(cost)))
        {
            Budget.MarkFull();
            return Refused;
        }

        if (storedKind is null)
        {
            _kinds.Add(kind, kind);
            storedKind = kind;
        }

        id = _frames.Count;
        _frames.Add(new Frame(label, storedKind));
        _ids.Add(label, id);
        _labelBytes += cost;
        Sync();
        return id;
    }

    /// <summary>Doubles the frame list and the id dictionary, or grows them by as much as the budget still allows.</summary>
    private bool TryGrow(long entryCost)
    {
        var capacity = _frames.Capacity;
        for (var grow = Math.Max(16, capacity); grow >= Math.Max(16, capacity / 32); grow /= 2)
        {
            if (Budget.TryGrow(_ids, capacity + grow, IdEntryBytes, entryCost + (grow * FrameSlotBytes)))
            {
                _frames.Capacity = capacity + grow;
                return true;
            }
        }

        return false;
    }

    private void Sync()
    {
        var now = FixedBytes + _labelBytes + (_frames.Capacity * FrameSlotBytes) + (_ids.EnsureCapacity(0) * IdEntryBytes);
        Budget.Charge(now - EstimatedBytes);
        EstimatedBytes = now;
    }
}
