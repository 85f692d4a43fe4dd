using System.Globalization;

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

    public static KernelSymbols Read(string path = "/proc/kallsyms")
    {
        try
        {
            return Parse(File.ReadAllText(path));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new KernelSymbols(SymbolTable.Empty, 0);
        }
    }

    public static KernelSymbols Parse(string text)
    {
        var symbols = new List<Symbol>();
        var lines = 0;
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.AsSpan();
            if (line.IsEmpty)
            {
                continue;
            }

            lines++;
            var first = line.IndexOf(' ');
            if (first <= 0 || line.Length < first + 4)
            {
                continue;
            }

            var type = line[first + 1];
            if (type is not ('t' or 'T' or 'w' or 'W'))
            {
                continue;
            }

            if (!ulong.TryParse(line[..first], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var address) || address == 0)
            {
                continue;
            }

            var name = line[(first + 3)..];
            var tab = name.IndexOf('\t');
            if (tab >= 0)
            {
                name = name[..tab];
            }

            symbols.Add(new Symbol(address, 0, name.Trim().ToString()));
        }

        return new KernelSymbols(new SymbolTable(symbols), lines);
    }

    public string? Resolve(ulong address) => _table.Find(address)?.Name;
}
