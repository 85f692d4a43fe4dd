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

    /// <summary>Streams the file (several MB, over 100,000 lines) into a compact table, never holding it as text.</summary>
    public static KernelSymbols Read(string path = "/proc/kallsyms")
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 1);
            return Parse(stream);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new KernelSymbols(SymbolTable.Empty, 0);
        }
    }

    public static KernelSymbols Parse(string text) => Parse(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(text)));

    public static KernelSymbols Parse(Stream stream)
    {
        var builder = new SymbolTable.Builder();
        var lines = 0;
        Utf8Lines.ForEach(stream, line =>
        {
            if (line.IsEmpty)
            {
                return;
            }

            lines++;
            if (!Utf8Lines.NextField(ref line, out var address) || !Utf8Lines.NextField(ref line, out var type)
                || !Utf8Lines.NextField(ref line, out var name) || type.Length != 1 || type[0] is not ((byte)'t' or (byte)'T' or (byte)'w' or (byte)'W'))
            {
                return;
            }

            if (Utf8Lines.TryParseHex(address, out var value) && value != 0)
            {
                builder.Add(value, 0, name);
            }
        });

        return new KernelSymbols(builder.Build(), lines);
    }

    public string? Resolve(ulong address) => _table.FindName(address);
}
