namespace OdigosUi.Profiler.Symbolization;

/// <summary>Kernel function symbols from /proc/kallsyms. Without privileges every address reads 0: then nothing resolves.</summary>
public sealed class KernelSymbols
{
    private readonly SymbolTable _table;

    private KernelSymbols(SymbolTable table, int lines)
    {
        _table = table;
        LineCount = lines;
    }

    /// <summary>False when the addresses are hidden (kptr_restrict) or the file could not be read.</summary>
    public bool Available => _table.Count > 0;

    public int LineCount { get; }

    public int Count => _table.Count;

    public long EstimatedBytes => _table.EstimatedBytes;

    /// <summary>
    /// Streams the file (several MB, over 100,000 lines) into a compact table, never holding it as text: a first pass
    /// counts the symbols so the table is allocated once at its final size (it is sorted already).
    /// </summary>
    public static KernelSymbols Read(string path = "/proc/kallsyms")
    {
        try
        {
            return Parse(() => new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 1));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new KernelSymbols(SymbolTable.Empty, 0);
        }
    }

    public static KernelSymbols Parse(string text)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(text);
        return Parse(() => new MemoryStream(bytes));
    }

    /// <summary>Parses the stream <paramref name="open"/> returns, twice (count, then fill).</summary>
    public static KernelSymbols Parse(Func<Stream> open)
    {
        int count = 0, nameBytes = 0;
        using (var counting = open())
        {
            Utf8Lines.ForEach(counting, line =>
            {
                if (TryParse(line, out _, out var name))
                {
                    count++;
                    nameBytes += name.Length;
                }
            });
        }

        var builder = new SymbolTable.Builder(count, nameBytes);
        var lines = 0;
        using (var stream = open())
        {
            Utf8Lines.ForEach(stream, line =>
            {
                lines += line.IsEmpty ? 0 : 1;
                if (TryParse(line, out var address, out var name))
                {
                    builder.Add(address, 0, name);
                }
            });
        }

        return new KernelSymbols(builder.Build(), lines);
    }

    // "ffffffff81000000 T _stext" or "ffffffffa0000000 t mod_fn\t[mymod]": text symbols with a non-zero address.
    private static bool TryParse(ReadOnlySpan<byte> line, out ulong address, out ReadOnlySpan<byte> name)
    {
        address = 0;
        name = default;
        return Utf8Lines.NextField(ref line, out var hex) && Utf8Lines.NextField(ref line, out var type) && Utf8Lines.NextField(ref line, out name)
            && type.Length == 1 && type[0] is (byte)'t' or (byte)'T' or (byte)'w' or (byte)'W'
            && Utf8Lines.TryParseHex(hex, out address) && address != 0;
    }

    public string? Resolve(ulong address) => _table.FindName(address);
}
