using System.Globalization;

namespace OdigosUi.Profiler.Symbolization;

/// <summary>A JIT perf map (<c>/tmp/perf-PID.map</c>): lines <c>START SIZE name</c> with hex start and size.</summary>
public static class PerfMap
{
    public static SymbolTable Parse(string text)
    {
        var symbols = new List<Symbol>();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.AsSpan().Trim();
            var first = line.IndexOf(' ');
            if (first <= 0)
            {
                continue;
            }

            var rest = line[(first + 1)..].TrimStart(' ');
            var second = rest.IndexOf(' ');
            if (second <= 0)
            {
                continue;
            }

            if (ulong.TryParse(StripHexPrefix(line[..first]), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var start)
                && ulong.TryParse(StripHexPrefix(rest[..second]), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var size))
            {
                symbols.Add(new Symbol(start, size, rest[(second + 1)..].Trim().ToString()));
            }
        }

        return new SymbolTable(symbols);
    }

    public static SymbolTable Read(string path) => Parse(File.ReadAllText(path));

    private static ReadOnlySpan<char> StripHexPrefix(ReadOnlySpan<char> s) =>
        s.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? s[2..] : s;
}
