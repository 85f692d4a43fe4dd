using System.Text;

namespace OdigosUi.Profiler.Symbolization;

/// <summary>A function symbol: [Address, Address + Size). A size of 0 means "up to the next symbol".</summary>
public readonly record struct Symbol(ulong Address, ulong Size, string Name);

/// <summary>
/// Symbols sorted by address, looked up by binary search. Stored as parallel arrays and one UTF-8 name blob (about
/// 16 bytes per symbol plus its name) instead of an object per symbol; a name becomes a string the first time a
/// lookup returns it, and the same string after that.
/// </summary>
public sealed class SymbolTable
{
    private readonly ulong[] _addresses;
    private readonly uint[] _sizes;
    private readonly int[] _nameStarts;
    private readonly byte[] _names;
    private readonly Dictionary<int, string> _decoded = [];

    private SymbolTable(ulong[] addresses, uint[] sizes, int[] nameStarts, byte[] names)
    {
        _addresses = addresses;
        _sizes = sizes;
        _nameStarts = nameStarts;
        _names = names;
    }

    public static SymbolTable Empty { get; } = new([], [], [0], []);

    public int Count => _addresses.Length;

    /// <summary>What the table keeps in memory, in bytes (arrays and names, not the decoded strings).</summary>
    public long EstimatedBytes => 64L + _addresses.Length * 8L + _sizes.Length * 4L + _nameStarts.Length * 4L + _names.Length;

    /// <summary>Every symbol, in address order (materializes every name: for tests and tools, not the sampling path).</summary>
    public IReadOnlyList<Symbol> Symbols => Enumerable.Range(0, Count).Select(At).ToArray();

    /// <summary>The symbol covering <paramref name="address"/>; symbols without a size cover up to the next one.</summary>
    public Symbol? Find(ulong address) => IndexOf(address) is var i and >= 0 ? At(i) : null;

    /// <summary>The name of the symbol covering <paramref name="address"/>, or null.</summary>
    public string? FindName(ulong address) => IndexOf(address) is var i and >= 0 ? Name(i) : null;

    private int IndexOf(ulong address)
    {
        int lo = 0, hi = _addresses.Length - 1, found = -1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            if (_addresses[mid] <= address)
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
            var size = _sizes[i];
            if (size == 0 ? i == found : address - _addresses[i] < size)
            {
                return i;
            }
        }

        return -1;
    }

    private Symbol At(int index) => new(_addresses[index], _sizes[index], Name(index));

    private string Name(int index)
    {
        lock (_decoded)
        {
            if (!_decoded.TryGetValue(index, out var name))
            {
                name = Encoding.UTF8.GetString(_names, _nameStarts[index], _nameStarts[index + 1] - _nameStarts[index]);
                _decoded[index] = name;
            }

            return name;
        }
    }

    public static SymbolTable From(IEnumerable<Symbol> symbols)
    {
        var builder = new Builder();
        foreach (var symbol in symbols)
        {
            builder.Add(symbol.Address, symbol.Size, Encoding.UTF8.GetBytes(symbol.Name));
        }

        return builder.Build();
    }

    /// <summary>Collects symbols in any order; <see cref="Build"/> sorts them by address (larger first at the same address).</summary>
    public sealed class Builder
    {
        private ulong[] _addresses = new ulong[256];
        private uint[] _sizes = new uint[256];
        private int[] _nameStarts = new int[257];
        private byte[] _names = new byte[4096];
        private int _count;

        public int Count => _count;

        public void Add(ulong address, ulong size, ReadOnlySpan<byte> utf8Name)
        {
            if (_count == _addresses.Length)
            {
                Array.Resize(ref _addresses, _count * 2);
                Array.Resize(ref _sizes, _count * 2);
                Array.Resize(ref _nameStarts, _count * 2 + 1);
            }

            var start = _nameStarts[_count];
            if (start + utf8Name.Length > _names.Length)
            {
                Array.Resize(ref _names, Math.Max(_names.Length * 2, start + utf8Name.Length));
            }

            utf8Name.CopyTo(_names.AsSpan(start));
            _addresses[_count] = address;
            _sizes[_count] = (uint)Math.Min(size, uint.MaxValue);
            _count++;
            _nameStarts[_count] = start + utf8Name.Length;
        }

        /// <summary>Adds every symbol of <paramref name="table"/> (without decoding names).</summary>
        public void AddAll(SymbolTable table)
        {
            for (var i = 0; i < table.Count; i++)
            {
                Add(table._addresses[i], table._sizes[i], table._names.AsSpan(table._nameStarts[i], table._nameStarts[i + 1] - table._nameStarts[i]));
            }
        }

        public SymbolTable Build()
        {
            if (_count == 0)
            {
                return Empty;
            }

            var order = new int[_count];
            for (var i = 0; i < order.Length; i++)
            {
                order[i] = i;
            }

            var addresses = _addresses;
            var sizes = _sizes;
            Array.Sort(order, (a, b) =>
            {
                var c = addresses[a].CompareTo(addresses[b]);
                if (c == 0)
                {
                    c = sizes[b].CompareTo(sizes[a]);
                }

                return c != 0 ? c : a.CompareTo(b);
            });

            var sortedAddresses = new ulong[_count];
            var sortedSizes = new uint[_count];
            var nameStarts = new int[_count + 1];
            var names = new byte[_nameStarts[_count]];
            var offset = 0;
            for (var i = 0; i < order.Length; i++)
            {
                var from = order[i];
                sortedAddresses[i] = addresses[from];
                sortedSizes[i] = sizes[from];
                nameStarts[i] = offset;
                var length = _nameStarts[from + 1] - _nameStarts[from];
                Array.Copy(_names, _nameStarts[from], names, offset, length);
                offset += length;
            }

            nameStarts[_count] = offset;
            return new SymbolTable(sortedAddresses, sortedSizes, nameStarts, names);
        }
    }
}
