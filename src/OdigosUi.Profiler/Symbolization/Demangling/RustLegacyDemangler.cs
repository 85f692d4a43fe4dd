using System.Text;

namespace OdigosUi.Profiler.Symbolization.Demangling;

/// <summary>
/// Legacy Rust names: an Itanium nested name (<c>_ZN…E</c>) whose last segment is <c>h</c> and 16 hex digits. Printed
/// like c++filt 2.40, which keeps the hash segment (its default is verbose), decodes the <c>$…$</c> escapes and
/// <c>..</c>, and drops a <c>.suffix</c> after the final <c>E</c>.
/// </summary>
internal static class RustLegacyDemangler
{
    private const int MaxOutput = 4096;

    public static string? Demangle(string symbol)
    {
        var text = symbol.AsSpan();
        if (!text.StartsWith("_ZN") || !IsLegacyCharacterSet(text))
        {
            return null;
        }

        var position = 3;
        var segments = new List<Range>();
        while (position < text.Length && text[position] != 'E')
        {
            if (!char.IsAsciiDigit(text[position]))
            {
                return null;
            }

            var length = 0;
            while (position < text.Length && char.IsAsciiDigit(text[position]))
            {
                length = length * 10 + (text[position++] - '0');
                if (length > text.Length)
                {
                    return null;
                }
            }

            if (length == 0 || length > text.Length - position)
            {
                return null;
            }

            segments.Add(new Range(position, position + length));
            position += length;
        }

        if (position >= text.Length || segments.Count == 0 || !IsHash(text[segments[^1]]))
        {
            return null;
        }

        position++;
        if (position != text.Length && text[position] != '.')
        {
            return null;
        }

        var output = new StringBuilder(text.Length);
        foreach (var segment in segments)
        {
            if (output.Length > 0)
            {
                output.Append("::");
            }

            AppendIdentifier(output, text[segment]);
            if (output.Length > MaxOutput)
            {
                return null;
            }
        }

        return output.ToString();
    }

    private static bool IsLegacyCharacterSet(ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '$' or '.' or ':' or '@'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary><c>h</c> and 16 lowercase hex digits, at least 5 of them distinct (c++filt's test for a real hash).</summary>
    private static bool IsHash(ReadOnlySpan<char> segment)
    {
        if (segment.Length != 17 || segment[0] != 'h')
        {
            return false;
        }

        var seen = 0;
        foreach (var c in segment[1..])
        {
            var nibble = LowerHexValue(c);
            if (nibble < 0)
            {
                return false;
            }

            seen |= 1 << nibble;
        }

        return int.PopCount(seen) >= 5;
    }

    private static int LowerHexValue(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        _ => -1,
    };

    private static void AppendIdentifier(StringBuilder output, ReadOnlySpan<char> identifier)
    {
        // The compiler puts an underscore before an escape so the identifier starts with an XID_Start character.
        if (identifier.Length >= 2 && identifier[0] == '_' && identifier[1] == '$')
        {
            identifier = identifier[1..];
        }

        while (identifier.Length > 0)
        {
            int consumed;
            if (identifier[0] == '$')
            {
                if (DecodeEscape(identifier, out consumed) is not { } decoded)
                {
                    output.Append(identifier);
                    return;
                }

                output.Append(decoded);
            }
            else if (identifier.StartsWith(".."))
            {
                output.Append("::");
                consumed = 2;
            }
            else
            {
                consumed = identifier[1..].IndexOfAny('$', '.') + 1;
                if (consumed == 0)
                {
                    consumed = identifier.Length;
                }

                output.Append(identifier[..consumed]);
            }

            identifier = identifier[consumed..];
        }
    }

    /// <summary><c>$LT$</c>, <c>$C$</c>, <c>$u20$</c>… (printable ASCII only); null for anything else.</summary>
    private static char? DecodeEscape(ReadOnlySpan<char> text, out int length)
    {
        length = 0;
        var end = text.Length > 1 ? text[1..].IndexOf('$') + 1 : 0;
        if (end <= 1)
        {
            return null;
        }

        var code = text[1..end];
        char? decoded = code switch
        {
            "C" => ',',
            "SP" => '@',
            "BP" => '*',
            "RF" => '&',
            "LT" => '<',
            "GT" => '>',
            "LP" => '(',
            "RP" => ')',
            _ => null,
        };
        if (decoded == null && code.Length == 3 && code[0] == 'u')
        {
            var high = LowerHexValue(code[1]);
            var low = LowerHexValue(code[2]);
            if (high is >= 0 and <= 7 && low >= 0 && (high << 4 | low) >= 0x20)
            {
                decoded = (char)(high << 4 | low);
            }
        }

        length = end + 1;
        return decoded;
    }
}
