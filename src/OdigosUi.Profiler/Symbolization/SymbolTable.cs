namespace OdigosUi.Profiler.Symbolization;

/// <summary>A function symbol: [Address, Address + Size). A size of 0 means "up to the next symbol".</summary>
public readonly record struct Symbol(ulong Address, ulong Size, string Name);

/// <summary>Symbols sorted by address, looked up by binary search.</summary>
public sealed class SymbolTable
{
    private readonly Symbol[] _symbols;

    public SymbolTable(IEnumerable<Symbol> symbols)
    {
        _symbols = symbols.OrderBy(s => s.Address).ThenByDescending(s => s.Size).ToArray();
    }

    public static SymbolTable Empty { get; } = new([]);

    public int Count => _symbols.Length;

    public IReadOnlyList<Symbol> Symbols => _symbols;

    /// <summary>The symbol covering <paramref name="address"/>; symbols without a size cover up to the next one.</summary>
    public Symbol? Find(ulong address)
    {
        int lo = 0, hi = _symbols.Length - 1, found = -1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            if (_symbols[mid].Address <= address)
            {
                found = mid;
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }

        // Walk back over symbols at the same address or nested ones to find one whose range covers the address.
        for (var i = found; i >= 0 && i > found - 8; i--)
        {
            var s = _symbols[i];
            if (s.Size == 0 ? i == found : address - s.Address < s.Size)
            {
                return s;
            }
        }

        return null;
    }
}
