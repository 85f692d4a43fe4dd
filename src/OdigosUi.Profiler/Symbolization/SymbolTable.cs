using System.Text;

namespace OdigosUi.Profiler.Symbolization;

/// <summary>A function symbol: [Address, Address + Size). A size of 0 means "up to the next symbol".</summary>
public readonly record struct Symbol(ulong Address, ulong Size, string Name);

/// <summary>Reads a symbol name that stays in its file (an ELF string table) by its offset; null when it cannot be read.</summary>
public interface ISymbolNameReader
{
    string? Read(int offset);
}

/// <summary>
/// Symbols sorted by address, looked up by binary search. Stored as parallel arrays (about 20 bytes per symbol)
/// instead of an object per symbol, with the names either in one UTF-8 blob or left in their file and read through
/// an <see cref="ISymbolNameReader"/> only for the symbols a sample hits (an unstripped C++ binary has 100,000 names
/// of 100 bytes). Addresses are sorted in place with a permutation to the other arrays, which stay in the order the
/// symbols were added, so building a table allocates nothing it throws away when its <see cref="Builder"/> was sized
/// right. A name becomes a string the first time a lookup returns it, and the same string after that. Among symbols
/// at the same address the one added last is found.
/// </summary>
public sealed class SymbolTable
{
    private readonly ulong[] _addresses;
    private readonly int[]? _order;
    private readonly uint[] _sizes;
    private readonly int[] _nameStarts;
    private readonly byte[] _names;
    private readonly ISymbolNameReader? _nameReader;
    private readonly Dictionary<int, string?> _decoded = [];
    private long _decodedBytes;

    private SymbolTable(ulong[] addresses, int[]? order, uint[] sizes, int[] nameStarts, byte[] names, ISymbolNameReader? nameReader)
    {
        _addresses = addresses;
        _order = order;
        _sizes = sizes;
        _nameStarts = nameStarts;
        _names = names;
        _nameReader = nameReader;
    }

    public static SymbolTable Empty { get; } = new([], null, [], [0], [], null);

    public int Count => _addresses.Length;

    /// <summary>Bytes of UTF-8 names.</summary>
    public int NameBytes => _names.Length;

    /// <summary>What the table keeps in memory, in bytes, the names decoded so far included.</summary>
    public long EstimatedBytes => 96L + _addresses.Length * 8L + (_order?.Length ?? 0) * 4L + _sizes.Length * 4L + _nameStarts.Length * 4L + _names.Length
        + Interlocked.Read(ref _decodedBytes);

    /// <summary>Every symbol, in address order (materializes every name: for tests and tools, not the sampling path).</summary>
    public IReadOnlyList<Symbol> Symbols => Enumerable.Range(0, Count).Select(At).ToArray();

    /// <summary>Where names are read from when they stay in their file; null when they are in memory.</summary>
    public ISymbolNameReader? NameReader => _nameReader;

    /// <summary>The symbol covering <paramref name="address"/>; symbols without a size cover up to the next one.</summary>
    public Symbol? Find(ulong address) => IndexOf(address) is var i and >= 0 ? At(i) : null;

    /// <summary>The name of the symbol covering <paramref name="address"/>, or null.</summary>
    public string? FindName(ulong address) => IndexOf(address) is var i and >= 0 ? Name(Original(i)) : null;

    public static SymbolTable From(IEnumerable<Symbol> symbols)
    {
        var builder = new Builder();
        foreach (var symbol in symbols)
        {
            builder.Add(symbol.Address, symbol.Size, Encoding.UTF8.GetBytes(symbol.Name));
        }

        return builder.Build();
    }

    private int Original(int sorted) => _order?[sorted] ?? sorted;

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
            var size = _sizes[Original(i)];
            if (size == 0 ? i == found : address - _addresses[i] < size)
            {
                return i;
            }
        }

        return -1;
    }

    private Symbol At(int sorted) => new(_addresses[sorted], _sizes[Original(sorted)], Name(Original(sorted)) ?? "");

    private string? Name(int original)
    {
        lock (_decoded)
        {
            if (!_decoded.TryGetValue(original, out var name))
            {
                name = _nameReader is { } reader
                    ? reader.Read(_nameStarts[original])
                    : Encoding.UTF8.GetString(_names, _nameStarts[original], _nameStarts[original + 1] - _nameStarts[original]);
                _decoded[original] = name;
                _decodedBytes += 48 + (name?.Length ?? 0) * 2;
            }

            return name;
        }
    }

    /// <summary>
    /// Collects symbols in any order. Give it the final <c>capacity</c> and <c>nameBytes</c> when they are known
    /// (a counting pass over the source is cheap) and <see cref="Build"/> keeps its arrays instead of copying them.
    /// </summary>
    public sealed class Builder(int capacity = 256, int nameBytes = 4096, ISymbolNameReader? nameReader = null)
    {
        private ulong[] _addresses = new ulong[capacity];
        private uint[] _sizes = new uint[capacity];
        private int[] _nameStarts = new int[capacity + 1];
        private byte[] _names = new byte[nameBytes];
        private int _count;

        public int Count => _count;

        public void Add(ulong address, ulong size, ReadOnlySpan<byte> utf8Name)
        {
            if (nameReader is not null)
            {
                throw new InvalidOperationException("this builder leaves names in their file: pass the name's offset");
            }

            EnsureRoom();
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

        /// <summary>Adds a symbol whose name stays in the file, at <paramref name="nameOffset"/> for the builder's name reader.</summary>
        public void Add(ulong address, ulong size, int nameOffset)
        {
            if (nameReader is null)
            {
                throw new InvalidOperationException("this builder keeps names in memory: pass the name");
            }

            EnsureRoom();
            _addresses[_count] = address;
            _sizes[_count] = (uint)Math.Min(size, uint.MaxValue);
            _nameStarts[_count] = nameOffset;
            _count++;
        }

        private void EnsureRoom()
        {
            if (_count == _addresses.Length)
            {
                var grown = Math.Max(_count * 2, 16);
                Array.Resize(ref _addresses, grown);
                Array.Resize(ref _sizes, grown);
                Array.Resize(ref _nameStarts, grown + 1);
            }
        }

        /// <summary>Adds every symbol of <paramref name="table"/> (without decoding names), in the order they were added to it.</summary>
        public void AddAll(SymbolTable table)
        {
            var sortedOf = new int[table.Count];
            for (var i = 0; i < sortedOf.Length; i++)
            {
                sortedOf[table.Original(i)] = i;
            }

            for (var original = 0; original < table.Count; original++)
            {
                Add(table._addresses[sortedOf[original]], table._sizes[original], Encoding.UTF8.GetBytes(table.Name(original) ?? ""));
            }
        }

        /// <summary>The table; the builder must not be used afterwards (the table owns its arrays).</summary>
        public SymbolTable Build()
        {
            if (_count == 0)
            {
                return Empty;
            }

            var addresses = Trim(_addresses, _count);
            var sizes = Trim(_sizes, _count);
            var nameStarts = Trim(_nameStarts, nameReader is null ? _count + 1 : _count);
            var names = nameReader is null ? Trim(_names, _nameStarts[_count]) : Array.Empty<byte>();
            if (IsSorted(addresses))
            {
                return new SymbolTable(addresses, null, sizes, nameStarts, names, nameReader);
            }

            var order = new int[_count];
            for (var i = 0; i < order.Length; i++)
            {
                order[i] = i;
            }

            Array.Sort(addresses, order);

            // The sort is not stable: put equal addresses back in the order they were added, so the last one is found.
            for (var start = 0; start < order.Length;)
            {
                var end = start + 1;
                while (end < order.Length && addresses[end] == addresses[start])
                {
                    end++;
                }

                if (end - start > 1)
                {
                    Array.Sort(order, start, end - start);
                }

                start = end;
            }

            return new SymbolTable(addresses, order, sizes, nameStarts, names, nameReader);
        }

        private static bool IsSorted(ulong[] addresses)
        {
            for (var i = 1; i < addresses.Length; i++)
            {
                if (addresses[i] < addresses[i - 1])
                {
                    return false;
                }
            }

            return true;
        }

        private static T[] Trim<T>(T[] array, int length)
        {
            if (array.Length != length)
            {
                Array.Resize(ref array, length);
            }

            return array;
        }
    }
}
