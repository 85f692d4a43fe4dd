using System.Globalization;

namespace OdigosUi.Profiler.Runtimes.Node;

/// <summary>
/// Reads the names V8 writes to its perf map (<c>--perf-basic-prof</c>): <c>JS:*spin /app/hot.js:1:14</c> is the function
/// <c>spin</c> of <c>/app/hot.js</c> that starts on line 1, whatever its tier (<c>~</c> interpreted, <c>^</c> Sparkplug, <c>+</c> Maglev,
/// <c>*</c> TurboFan), so every tier of a function is one frame. Older V8 writes <c>LazyCompile:</c>, <c>Function:</c> or
/// <c>InterpretedFunction:</c> for <c>JS:</c>. Builtins, bytecode handlers and stubs keep their names.
/// </summary>
public static class V8FrameName
{
    private static readonly string[] FunctionPrefixes = ["JS:", "LazyCompile:", "Function:", "InterpretedFunction:", "Script:"];

    public readonly record struct Parsed(string Function, string? FileName, long Line);

    public static Parsed Parse(string name)
    {
        var prefix = FunctionPrefixes.FirstOrDefault(p => name.StartsWith(p, StringComparison.Ordinal));
        if (prefix is null)
        {
            return new Parsed(name, null, 0);
        }

        var rest = name.AsSpan(prefix.Length);
        if (!rest.IsEmpty && rest[0] is '~' or '^' or '+' or '*')
        {
            rest = rest[1..];
        }

        // "NAME FILE:LINE:COLUMN"; the file may hold spaces, the name does not (V8 writes an empty name for anonymous functions).
        var space = rest.IndexOf(' ');
        var function = (space < 0 ? rest : rest[..space]).ToString();
        var location = space < 0 ? [] : rest[(space + 1)..].Trim();
        string? file = null;
        long line = 0;
        if (!location.IsEmpty)
        {
            file = location.ToString();
            var lastColon = location.LastIndexOf(':');
            if (lastColon > 0)
            {
                var beforeColumn = location[..lastColon];
                var lineColon = beforeColumn.LastIndexOf(':');
                if (lineColon > 0 && long.TryParse(beforeColumn[(lineColon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out line))
                {
                    file = beforeColumn[..lineColon].ToString();
                }
                else if (long.TryParse(location[(lastColon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out line))
                {
                    file = beforeColumn.ToString();
                }
                else
                {
                    line = 0;
                }
            }
        }

        return new Parsed(function.Length == 0 ? "(anonymous)" : function, string.IsNullOrEmpty(file) ? null : file, line);
    }
}
