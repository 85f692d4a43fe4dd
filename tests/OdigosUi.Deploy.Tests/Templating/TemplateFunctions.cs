using System.Globalization;
using System.Text;
using OdigosUi.Deploy.Tests.Helm;

namespace OdigosUi.Deploy.Tests.Templating;

/// <summary>
/// The functions the chart may call: Go's builtins (<c>eq ne not and or printf</c>), Helm's (<c>include toYaml required
/// fail</c>) and the sprig ones listed in <see cref="Names"/>, each with its Go argument types: a float where an int
/// or string is expected is an error, as in Helm. Any other name is an error.
/// </summary>
internal static class TemplateFunctions
{
    private delegate object? Function(TemplateSet.Execution execution, IReadOnlyList<object?> args);

    private static readonly Dictionary<string, Function> Table = new(StringComparer.Ordinal)
    {
        ["include"] = (x, a) => x.Include(Str(a, 0, "include"), Arg(a, 1, "include", count: 2)),
        ["toYaml"] = (_, a) => HelmYaml.ToYaml(Arg(a, 0, "toYaml", count: 1)).TrimEnd('\n'),
        ["nindent"] = (_, a) => "\n" + Indent(Int(a, 0, "nindent", count: 2), Str(a, 1, "nindent")),
        ["indent"] = (_, a) => Indent(Int(a, 0, "indent", count: 2), Str(a, 1, "indent")),
        ["quote"] = (_, a) => string.Join(" ", a.Where(v => v is not null).Select(v => GoValues.Quote(GoValues.StrVal(v)))),
        ["squote"] = (_, a) => string.Join(" ", a.Where(v => v is not null).Select(v => "'" + GoValues.StrVal(v) + "'")),
        ["default"] = (_, a) => a.Count switch
        {
            0 => throw new TemplateException("wrong number of args for default: want at least 1 got 0"),
            1 => a[0],
            _ => GoValues.IsEmpty(a[1]) ? a[0] : a[1],
        },
        ["empty"] = (_, a) => GoValues.IsEmpty(Arg(a, 0, "empty", count: 1)),
        ["required"] = (_, a) => Arg(a, 1, "required", count: 2) is null or "" ? throw new TemplateException(Str(a, 0, "required")) : a[1],
        ["fail"] = (_, a) => throw new TemplateException(Str(a, 0, "fail", count: 1)),
        ["printf"] = (_, a) => Printf(Str(a, 0, "printf"), a.Skip(1).ToList()),
        ["trunc"] = (_, a) => Trunc(Int(a, 0, "trunc", count: 2), Str(a, 1, "trunc")),
        ["trimSuffix"] = (_, a) => Str(a, 1, "trimSuffix", count: 2) is var s && s.EndsWith(Str(a, 0, "trimSuffix"), StringComparison.Ordinal) ? s[..^Str(a, 0, "trimSuffix").Length] : s,
        ["trimPrefix"] = (_, a) => Str(a, 1, "trimPrefix", count: 2) is var s && s.StartsWith(Str(a, 0, "trimPrefix"), StringComparison.Ordinal) ? s[Str(a, 0, "trimPrefix").Length..] : s,
        ["replace"] = (_, a) => Str(a, 2, "replace", count: 3).Replace(Str(a, 0, "replace"), Str(a, 1, "replace"), StringComparison.Ordinal),
        ["contains"] = (_, a) => Str(a, 1, "contains", count: 2).Contains(Str(a, 0, "contains"), StringComparison.Ordinal),
        ["lower"] = (_, a) => Str(a, 0, "lower", count: 1).ToLowerInvariant(),
        ["upper"] = (_, a) => Str(a, 0, "upper", count: 1).ToUpperInvariant(),
        ["toString"] = (_, a) => GoValues.StrVal(Arg(a, 0, "toString", count: 1)),
        ["int"] = (_, a) => GoValues.ToInt64(Arg(a, 0, "int", count: 1)),
        ["int64"] = (_, a) => GoValues.ToInt64(Arg(a, 0, "int64", count: 1)),
        ["join"] = (_, a) => string.Join(Str(a, 0, "join", count: 2), Strings(a[1])),
        ["dict"] = (_, a) => Dict(a),
        ["list"] = (_, a) => a.ToList(),
        ["hasKey"] = (_, a) => Arg(a, 0, "hasKey", count: 2) is IDictionary<string, object?> map
            ? map.ContainsKey(Str(a, 1, "hasKey"))
            : throw new TemplateException($"hasKey: wrong type for value; expected map[string]interface {{}}; got {GoValues.TypeName(a[0])}"),
        ["eq"] = (_, a) => a.Count < 2
            ? throw new TemplateException("missing argument for comparison")
            : a.Skip(1).Any(other => GoValues.BasicEquals(a[0], other)),
        ["ne"] = (_, a) => !GoValues.BasicEquals(Arg(a, 0, "ne", count: 2), a[1]),
        ["not"] = (_, a) => !GoValues.IsTrue(Arg(a, 0, "not", count: 1)),
    };

    /// <summary>Every function name the renderer knows, for the chart README's list.</summary>
    public static IReadOnlyCollection<string> Names => [.. Table.Keys, "and", "or"];

    public static object? Call(TemplateSet.Execution execution, string name, IReadOnlyList<object?> args) =>
        Table.TryGetValue(name, out var function)
            ? function(execution, args)
            : throw new TemplateException($"function \"{name}\" not defined (or outside the supported subset, see deploy/helm/odigos-ui/README.md)");

    private static object? Arg(IReadOnlyList<object?> args, int index, string function, int count = -1)
    {
        if ((count >= 0 && args.Count != count) || index >= args.Count)
        {
            throw new TemplateException($"wrong number of args for {function}: want {(count >= 0 ? count : index + 1)} got {args.Count}");
        }

        return args[index];
    }

    private static string Str(IReadOnlyList<object?> args, int index, string function, int count = -1) =>
        Arg(args, index, function, count) is string s
            ? s
            : throw new TemplateException($"{function}: wrong type for value; expected string; got {GoValues.TypeName(args[index])}");

    private static int Int(IReadOnlyList<object?> args, int index, string function, int count = -1) =>
        Arg(args, index, function, count) is long l
            ? checked((int)l)
            : throw new TemplateException($"{function}: wrong type for value; expected int; got {GoValues.TypeName(args[index])}");

    private static string Indent(int spaces, string text)
    {
        string pad = new(' ', spaces);
        return pad + text.Replace("\n", "\n" + pad, StringComparison.Ordinal);
    }

    private static string Trunc(int length, string text) => length switch
    {
        < 0 when text.Length + length > 0 => text[(text.Length + length)..],
        >= 0 when text.Length > length => text[..length],
        _ => text,
    };

    /// <summary>sprig's strslice: the non-nil items of a list, as strings.</summary>
    private static IEnumerable<string> Strings(object? value) => value switch
    {
        IList<object?> list => list.Where(v => v is not null).Select(GoValues.StrVal),
        null => [],
        _ => [GoValues.StrVal(value)],
    };

    private static Dictionary<string, object?> Dict(IReadOnlyList<object?> args)
    {
        var map = new Dictionary<string, object?>(StringComparer.Ordinal);
        for (int i = 0; i < args.Count; i += 2)
        {
            map[GoValues.StrVal(args[i])] = i + 1 < args.Count ? args[i + 1] : "";
        }

        return map;
    }

    /// <summary>Go's Sprintf for the verbs <c>%s %d %v %q %%</c>, without flags; a verb that does not fit its argument is an error.</summary>
    private static string Printf(string format, IReadOnlyList<object?> args)
    {
        var output = new StringBuilder();
        int next = 0;
        for (int i = 0; i < format.Length; i++)
        {
            if (format[i] != '%')
            {
                output.Append(format[i]);
                continue;
            }

            if (++i >= format.Length)
            {
                throw new TemplateException($"printf: format {format} ends with %");
            }

            char verb = format[i];
            if (verb == '%')
            {
                output.Append('%');
                continue;
            }

            if (next >= args.Count)
            {
                throw new TemplateException($"printf: format {format} has more verbs than arguments");
            }

            object? arg = args[next++];
            output.Append((verb, arg) switch
            {
                ('s', string s) => s,
                ('d', long l) => l.ToString(CultureInfo.InvariantCulture),
                ('v', _) => GoValues.FormatV(arg),
                ('q', string s) => GoValues.Quote(s),
                _ => throw new TemplateException($"printf: %{verb} does not fit {GoValues.TypeName(arg)} {GoValues.FormatV(arg)} (Go would print %!{verb}(…))"),
            });
        }

        return next == args.Count ? output.ToString() : throw new TemplateException($"printf: format {format} has fewer verbs than arguments");
    }
}
