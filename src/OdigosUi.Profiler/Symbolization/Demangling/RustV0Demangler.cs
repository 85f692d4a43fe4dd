using System.Globalization;
using System.Text;

namespace OdigosUi.Profiler.Symbolization.Demangling;

/// <summary>
/// Rust v0 names (<c>_R…</c>, RFC 2603), printed like binutils 2.40 c++filt: crate roots carry their disambiguator in
/// hex (<c>core[c1f1a4ba060b9bfa]</c>), constants their type (<c>3: usize</c>), the instantiating crate and any
/// <c>.suffix</c> are left out. Punycode identifiers and constants other than integers, <c>bool</c> and <c>char</c>
/// are not supported (null).
/// </summary>
internal sealed class RustV0Demangler
{
    private const int MaxOutput = 4096;
    private const int MaxDepth = 256;

    private readonly string _symbol;
    private readonly int _end;
    private readonly StringBuilder _output = new(64);
    private int _position;
    private int _depth;
    private int _boundLifetimes;
    private bool _skipping;

    private RustV0Demangler(string symbol, int end)
    {
        _symbol = symbol;
        _end = end;
        _position = 2;
    }

    public static string? Demangle(string symbol)
    {
        if (symbol.Length < 3 || !symbol.StartsWith("_R", StringComparison.Ordinal) || !char.IsAsciiLetterUpper(symbol[2]))
        {
            return null;
        }

        var end = symbol.IndexOf('.');
        if (end < 0)
        {
            end = symbol.Length;
        }

        foreach (var c in symbol.AsSpan(0, end))
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '_')
            {
                return null;
            }
        }

        var demangler = new RustV0Demangler(symbol, end);
        try
        {
            demangler.Path(inValue: true);
            if (demangler._position < end)
            {
                demangler._skipping = true;
                demangler.Path(inValue: false);
            }

            return demangler._position == end ? demangler._output.ToString() : null;
        }
        catch (Exception e) when (e is InvalidSymbolException or OverflowException)
        {
            return null;
        }
    }

    private void Path(bool inValue)
    {
        Enter();
        var tag = Next();
        switch (tag)
        {
            case 'C':
                var disambiguator = Disambiguator();
                Identifier();
                Print("[");
                Print(disambiguator.ToString("x", CultureInfo.InvariantCulture));
                Print("]");
                break;
            case 'N':
                var ns = Next();
                if (!char.IsAsciiLetter(ns))
                {
                    throw Invalid();
                }

                Path(inValue);
                var number = Disambiguator();
                var (start, length) = ParseIdentifier();
                if (char.IsAsciiLetterUpper(ns))
                {
                    Print("::{");
                    Print(ns switch
                    {
                        'C' => "closure",
                        'S' => "shim",
                        _ => ns.ToString(),
                    });
                    if (length > 0)
                    {
                        Print(":");
                        Print(start, length);
                    }

                    Print("#");
                    Print(number.ToString(CultureInfo.InvariantCulture));
                    Print("}");
                }
                else if (length > 0)
                {
                    Print("::");
                    Print(start, length);
                }

                break;
            case 'M' or 'X':
                Disambiguator();
                var wasSkipping = _skipping;
                _skipping = true;
                Path(inValue);
                _skipping = wasSkipping;
                Print("<");
                Type();
                if (tag == 'X')
                {
                    Print(" as ");
                    Path(inValue: false);
                }

                Print(">");
                break;
            case 'Y':
                Print("<");
                Type();
                Print(" as ");
                Path(inValue: false);
                Print(">");
                break;
            case 'I':
                Path(inValue);
                if (inValue)
                {
                    Print("::");
                }

                Print("<");
                GenericArguments();
                Print(">");
                break;
            case 'B':
                Backref(() => Path(inValue));
                break;
            default:
                throw Invalid();
        }

        Leave();
    }

    private void GenericArguments()
    {
        for (var i = 0; !Eat('E'); i++)
        {
            if (i > 0)
            {
                Print(", ");
            }

            GenericArgument();
        }
    }

    private void GenericArgument()
    {
        if (Eat('L'))
        {
            Lifetime(Base62());
        }
        else if (Eat('K'))
        {
            Const();
        }
        else
        {
            Type();
        }
    }

    private void Backref(Action demangle)
    {
        var start = _position - 1;
        var target = (long)Base62() + 2;
        if (target >= start)
        {
            throw Invalid();
        }

        if (_skipping)
        {
            return;
        }

        var resume = _position;
        _position = (int)target;
        demangle();
        _position = resume;
    }

    private void Type()
    {
        Enter();
        var tag = Next();
        if (BasicType(tag) is { } basic)
        {
            Print(basic);
            Leave();
            return;
        }

        switch (tag)
        {
            case 'R' or 'Q':
                Print("&");
                if (Eat('L'))
                {
                    var lifetime = Base62();
                    if (lifetime != 0)
                    {
                        Lifetime(lifetime);
                        Print(" ");
                    }
                }

                if (tag == 'Q')
                {
                    Print("mut ");
                }

                Type();
                break;
            case 'P':
                Print("*const ");
                Type();
                break;
            case 'O':
                Print("*mut ");
                Type();
                break;
            case 'A':
                Print("[");
                Type();
                Print("; ");
                Const();
                Print("]");
                break;
            case 'S':
                Print("[");
                Type();
                Print("]");
                break;
            case 'T':
                Print("(");
                var count = 0;
                for (; !Eat('E'); count++)
                {
                    if (count > 0)
                    {
                        Print(", ");
                    }

                    Type();
                }

                Print(count == 1 ? ",)" : ")");
                break;
            case 'F':
                FunctionType();
                break;
            case 'D':
                DynType();
                break;
            case 'B':
                Backref(Type);
                break;
            default:
                _position--;
                Path(inValue: false);
                break;
        }

        Leave();
    }

    private void FunctionType()
    {
        var outer = Binder();
        if (Eat('U'))
        {
            Print("unsafe ");
        }

        if (Eat('K'))
        {
            string abi;
            if (Eat('C'))
            {
                abi = "C";
            }
            else
            {
                var (start, length) = ParseIdentifier();
                abi = _symbol.Substring(start, length).Replace('_', '-');
            }

            Print("extern \"");
            Print(abi);
            Print("\" ");
        }

        Print("fn(");
        for (var i = 0; !Eat('E'); i++)
        {
            if (i > 0)
            {
                Print(", ");
            }

            Type();
        }

        Print(")");
        if (!Eat('u'))
        {
            Print(" -> ");
            Type();
        }

        _boundLifetimes = outer;
    }

    private void DynType()
    {
        Print("dyn ");
        var outer = Binder();
        for (var i = 0; !Eat('E'); i++)
        {
            if (i > 0)
            {
                Print(" + ");
            }

            DynTrait();
        }

        _boundLifetimes = outer;
        if (!Eat('L'))
        {
            throw Invalid();
        }

        var lifetime = Base62();
        if (lifetime != 0)
        {
            Print(" + ");
            Lifetime(lifetime);
        }
    }

    private void DynTrait()
    {
        var open = PathWithOpenGenerics();
        while (Eat('p'))
        {
            Print(open ? ", " : "<");
            open = true;
            Identifier();
            Print(" = ");
            Type();
        }

        if (open)
        {
            Print(">");
        }
    }

    /// <summary>A trait path whose generic argument list stays open for associated type bindings.</summary>
    private bool PathWithOpenGenerics()
    {
        if (Peek() == 'B')
        {
            _position++;
            var open = false;
            Backref(() => open = PathWithOpenGenerics());
            return open;
        }

        if (Peek() != 'I')
        {
            Path(inValue: false);
            return false;
        }

        _position++;
        Path(inValue: false);
        Print("<");
        GenericArguments();
        return true;
    }

    /// <summary>A <c>for&lt;'a, …&gt;</c> binder; returns the lifetime depth to restore after its scope.</summary>
    private int Binder()
    {
        var outer = _boundLifetimes;
        if (!Eat('G'))
        {
            return outer;
        }

        var count = Base62() + 1;
        if (count > 1000)
        {
            throw Invalid();
        }

        for (var i = 0UL; i < count; i++)
        {
            Print(i == 0 ? "for<" : ", ");
            _boundLifetimes++;
            Lifetime(1);
        }

        Print("> ");
        return outer;
    }

    private void Lifetime(ulong index)
    {
        Print("'");
        if (index == 0)
        {
            Print("_");
            return;
        }

        var depth = _boundLifetimes - (long)index;
        if (depth is >= 0 and < 26)
        {
            Print(((char)('a' + depth)).ToString());
            return;
        }

        Print("_");
        Print(depth.ToString(CultureInfo.InvariantCulture));
    }

    private void Const()
    {
        Enter();
        if (Eat('B'))
        {
            Backref(Const);
            Leave();
            return;
        }

        var tag = Next();
        switch (tag)
        {
            case 'p':
                Print("_");
                Leave();
                return;
            case 'h' or 't' or 'm' or 'y' or 'o' or 'j':
                UnsignedConst();
                break;
            case 'a' or 's' or 'l' or 'x' or 'n' or 'i':
                if (Eat('n'))
                {
                    Print("-");
                }

                UnsignedConst();
                break;
            case 'b':
                var (boolDigits, boolValue) = HexNibbles();
                Print(boolDigits == 1 && boolValue <= 1 ? (boolValue == 1 ? "true" : "false") : throw Invalid());
                break;
            case 'c':
                var (charDigits, charValue) = HexNibbles();
                if (charDigits is 0 or > 8)
                {
                    throw Invalid();
                }

                QuotedChar(charValue);
                break;
            default:
                throw Invalid();
        }

        Print(": ");
        Print(BasicType(tag)!);
        Leave();
    }

    private void UnsignedConst()
    {
        var start = _position;
        var (digits, value) = HexNibbles();
        if (digits > 16)
        {
            Print("0x");
            Print(start, digits);
        }
        else if (digits > 0)
        {
            Print(value.ToString(CultureInfo.InvariantCulture));
        }
        else
        {
            throw Invalid();
        }
    }

    /// <summary>Lowercase hex digits up to <c>_</c>: their count and (the low 64 bits of) their value.</summary>
    private (int Digits, ulong Value) HexNibbles()
    {
        var digits = 0;
        ulong value = 0;
        while (!Eat('_'))
        {
            var c = Next();
            var nibble = c switch
            {
                >= '0' and <= '9' => c - '0',
                >= 'a' and <= 'f' => c - 'a' + 10,
                _ => throw Invalid(),
            };
            value = value << 4 | (uint)nibble;
            digits++;
        }

        return (digits, value);
    }

    private void QuotedChar(ulong value)
    {
        var escaped = value switch
        {
            '\t' => "\\t",
            '\r' => "\\r",
            '\n' => "\\n",
            '\\' => "\\\\",
            '\'' => "\\'",
            >= 0x20 and <= 0x7e => ((char)value).ToString(),
            _ => "\\u{" + value.ToString("x", CultureInfo.InvariantCulture) + "}",
        };
        Print("'");
        Print(escaped);
        Print("'");
    }

    private static string? BasicType(char tag) => tag switch
    {
        'a' => "i8",
        'b' => "bool",
        'c' => "char",
        'd' => "f64",
        'e' => "str",
        'f' => "f32",
        'h' => "u8",
        'i' => "isize",
        'j' => "usize",
        'l' => "i32",
        'm' => "u32",
        'n' => "i128",
        'o' => "u128",
        's' => "i16",
        't' => "u16",
        'u' => "()",
        'v' => "...",
        'x' => "i64",
        'y' => "u64",
        'z' => "!",
        'p' => "_",
        _ => null,
    };

    private ulong Disambiguator() => Eat('s') ? Base62() + 1 : 0;

    /// <summary><c>_</c> is 0; otherwise base-62 digits and <c>_</c>, plus one.</summary>
    private ulong Base62()
    {
        if (Eat('_'))
        {
            return 0;
        }

        ulong value = 0;
        while (!Eat('_'))
        {
            var c = Next();
            var digit = c switch
            {
                >= '0' and <= '9' => c - '0',
                >= 'a' and <= 'z' => c - 'a' + 10,
                >= 'A' and <= 'Z' => c - 'A' + 36,
                _ => throw Invalid(),
            };
            value = checked(value * 62 + (ulong)digit);
        }

        return checked(value + 1);
    }

    private void Identifier()
    {
        var (start, length) = ParseIdentifier();
        Print(start, length);
    }

    private (int Start, int Length) ParseIdentifier()
    {
        if (Eat('u'))
        {
            throw Invalid();
        }

        if (!char.IsAsciiDigit(Peek()))
        {
            throw Invalid();
        }

        var length = 0;
        if (Peek() == '0')
        {
            _position++;
        }
        else
        {
            while (char.IsAsciiDigit(Peek()))
            {
                length = length * 10 + (Next() - '0');
                if (length > _end)
                {
                    throw Invalid();
                }
            }
        }

        Eat('_');
        if (length > _end - _position)
        {
            throw Invalid();
        }

        var start = _position;
        _position += length;
        return (start, length);
    }

    private void Print(string text)
    {
        if (_skipping)
        {
            return;
        }

        if (_output.Length + text.Length > MaxOutput)
        {
            throw Invalid();
        }

        _output.Append(text);
    }

    private void Print(int start, int length)
    {
        if (_skipping)
        {
            return;
        }

        if (_output.Length + length > MaxOutput)
        {
            throw Invalid();
        }

        _output.Append(_symbol, start, length);
    }

    private char Peek() => _position < _end ? _symbol[_position] : '\0';

    private char Next() => _position < _end ? _symbol[_position++] : throw Invalid();

    private bool Eat(char c)
    {
        if (Peek() != c)
        {
            return false;
        }

        _position++;
        return true;
    }

    private void Enter()
    {
        if (++_depth > MaxDepth)
        {
            throw Invalid();
        }
    }

    private void Leave() => _depth--;

    private static InvalidSymbolException Invalid() => new();

    private sealed class InvalidSymbolException : Exception;
}
