using System.Globalization;
using System.Text;

namespace OdigosUi.Deploy.Tests.Templating;

/// <summary>
/// Template values as Helm has them: null, bool, long (literals and <c>--set</c> integers), double (every number of a
/// values file: Helm reads values through JSON), string, <see cref="IDictionary{TKey,TValue}"/> and <see cref="IList{T}"/>;
/// printed, compared and tested for truth the way Go's text/template and fmt do.
/// </summary>
public static class GoValues
{
    /// <summary>text/template's truth: false, 0, nil and empty strings, maps and lists are false.</summary>
    public static bool IsTrue(object? value) => value switch
    {
        null => false,
        bool b => b,
        long l => l != 0,
        double d => d != 0,
        string s => s.Length > 0,
        IDictionary<string, object?> map => map.Count > 0,
        IList<object?> list => list.Count > 0,
        _ => true,
    };

    /// <summary>Go's type name, for error messages.</summary>
    public static string TypeName(object? value) => value switch
    {
        null => "<nil>",
        bool => "bool",
        long => "int64",
        double => "float64",
        string => "string",
        IDictionary<string, object?> => "map[string]interface {}",
        IList<object?> => "[]interface {}",
        _ => value.GetType().Name,
    };

    /// <summary>What <c>{{ value }}</c> writes: fmt's <c>%v</c>, and nothing for nil (Helm removes "&lt;no value&gt;").</summary>
    public static string Print(object? value) => value is null ? "" : FormatV(value);

    /// <summary>fmt's <c>%v</c>: maps as <c>map[k:v]</c> with sorted keys, lists as <c>[a b]</c>, floats as <see cref="FormatFloat"/>.</summary>
    public static string FormatV(object? value) => value switch
    {
        null => "<nil>",
        bool b => b ? "true" : "false",
        long l => l.ToString(CultureInfo.InvariantCulture),
        double d => FormatFloat(d),
        string s => s,
        IDictionary<string, object?> map => "map[" + string.Join(" ", map.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Key + ":" + FormatV(p.Value))) + "]",
        IList<object?> list => "[" + string.Join(" ", list.Select(FormatV)) + "]",
        _ => value.ToString() ?? "",
    };

    /// <summary>sprig's strval (toString, quote, join): strings as they are, everything else as <c>%v</c>.</summary>
    public static string StrVal(object? value) => value as string ?? FormatV(value);

    /// <summary>
    /// Go's <c>%v</c> of a float64: the shortest digits that round-trip, in <c>%e</c> form when the exponent is below -4
    /// or at least 6 (fmt uses precision 6 for that choice), so 8388608.0 prints as <c>8.388608e+06</c>.
    /// </summary>
    public static string FormatFloat(double value)
    {
        if (double.IsNaN(value))
        {
            return "NaN";
        }

        if (double.IsInfinity(value))
        {
            return value > 0 ? "+Inf" : "-Inf";
        }

        if (value == 0)
        {
            return double.IsNegative(value) ? "-0" : "0";
        }

        var (digits, exponent) = ShortestDigits(Math.Abs(value));
        string sign = value < 0 ? "-" : "";
        if (exponent < -4 || exponent >= 6)
        {
            string mantissa = digits.Length == 1 ? digits : digits[0] + "." + digits[1..];
            string exp = Math.Abs(exponent).ToString("00", CultureInfo.InvariantCulture);
            return $"{sign}{mantissa}e{(exponent < 0 ? '-' : '+')}{exp}";
        }

        int point = exponent + 1; // digits before the decimal point
        if (point <= 0)
        {
            return sign + "0." + new string('0', -point) + digits;
        }

        return point >= digits.Length
            ? sign + digits + new string('0', point - digits.Length)
            : sign + digits[..point] + "." + digits[point..];
    }

    /// <summary>The shortest round-trip significant digits of a positive double and the exponent of the first one.</summary>
    private static (string Digits, int Exponent) ShortestDigits(double value)
    {
        // "E16" is not shortest; "R" is, but may be fixed or exponent notation: normalize it.
        string r = value.ToString("R", CultureInfo.InvariantCulture);
        int exponent = 0;
        int e = r.IndexOfAny(['E', 'e']);
        if (e >= 0)
        {
            exponent = int.Parse(r[(e + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            r = r[..e];
        }

        int dot = r.IndexOf('.');
        string intPart = dot < 0 ? r : r[..dot];
        string fraction = dot < 0 ? "" : r[(dot + 1)..];
        string all = intPart + fraction;
        int leadingZeros = all.TakeWhile(c => c == '0').Count();
        string digits = all[leadingZeros..].TrimEnd('0');
        int firstDigitExponent = intPart.Length - 1 - leadingZeros + exponent;
        return (digits.Length == 0 ? "0" : digits, firstDigitExponent);
    }

    /// <summary>Go's strconv.Quote for the characters templates meet.</summary>
    public static string Quote(string value)
    {
        var builder = new StringBuilder(value.Length + 2).Append('"');
        foreach (char c in value)
        {
            builder.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                '\a' => "\\a",
                '\b' => "\\b",
                '\f' => "\\f",
                '\v' => "\\v",
                _ when char.IsControl(c) => c < 0x80 ? $"\\x{(int)c:x2}" : $"\\u{(int)c:x4}",
                _ => c.ToString(),
            });
        }

        return builder.Append('"').ToString();
    }

    /// <summary>text/template's <c>eq</c> of two values: same basic kind only (an int is not comparable to a float).</summary>
    public static bool BasicEquals(object? a, object? b)
    {
        return (a, b) switch
        {
            (bool x, bool y) => x == y,
            (long x, long y) => x == y,
            (double x, double y) => x == y,
            (string x, string y) => string.Equals(x, y, StringComparison.Ordinal),
            _ when IsBasic(a) && IsBasic(b) => throw new TemplateException($"incompatible types for comparison: {TypeName(a)} and {TypeName(b)}"),
            _ => throw new TemplateException($"invalid type for comparison: {TypeName(a)} and {TypeName(b)}"),
        };

        static bool IsBasic(object? v) => v is bool or long or double or string;
    }

    /// <summary>sprig's empty: nil, false, 0, "" and empty maps and lists.</summary>
    public static bool IsEmpty(object? value) => !IsTrue(value);

    /// <summary>sprig's toInt64 (cast.ToInt64): numbers truncated, strings parsed (0 when they do not parse), nil 0.</summary>
    public static long ToInt64(object? value) => value switch
    {
        null => 0,
        bool b => b ? 1 : 0,
        long l => l,
        double d => (long)d,
        string s => ParseGoInt(s.Trim()) ?? 0,
        _ => 0,
    };

    private static long? ParseGoInt(string s)
    {
        bool negative = s.StartsWith('-');
        string body = s.TrimStart('+', '-');
        long result;
        bool ok = body.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? long.TryParse(body[2..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out result)
            : long.TryParse(body, NumberStyles.None, CultureInfo.InvariantCulture, out result);
        return ok ? (negative ? -result : result) : null;
    }
}
