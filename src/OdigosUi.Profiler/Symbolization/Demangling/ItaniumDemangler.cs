namespace OdigosUi.Profiler.Symbolization.Demangling;

/// <summary>
/// Itanium C++ ABI names (<c>_Z…</c>), printed the way binutils 2.40 c++filt prints them (its default options:
/// parameters, verbose standard abbreviations). The parser builds a tree that is printed afterwards, because template
/// parameters (<c>T_</c>) are resolved against the template arguments of the enclosing function only while printing.
/// </summary>
internal sealed partial class ItaniumDemangler
{
    /// <summary>c++filt refuses names longer than this (its stack guard allows two components per character, at most 2048).</summary>
    private const int MaxSymbolLength = 1024;

    private const int MaxDepth = 256;

    private static readonly IReadOnlyList<string> NoQualifiers = [];

    private readonly string _symbol;
    private readonly List<ItaniumNode> _substitutions = [];
    private int _position;
    private int _depth;
    private ItaniumNode? _lastName;
    private bool _inConversion;
    private bool _inExpression;

    /// <summary>
    /// <c>sr1A1x</c> reads as the current <c>A::x</c> syntax first; c++filt reads the whole name again with the old
    /// <c>&lt;type&gt; &lt;name&gt;</c> syntax when that fails.
    /// </summary>
    private readonly bool _oldUnresolvedNames;
    private bool _sawUnresolvedName;

    private ItaniumDemangler(string symbol, int position, bool oldUnresolvedNames = false)
    {
        _symbol = symbol;
        _position = position;
        _oldUnresolvedNames = oldUnresolvedNames;
    }

    public static string? Demangle(string symbol)
    {
        if (symbol.Length > MaxSymbolLength)
        {
            return null;
        }

        try
        {
            ItaniumNode node;
            if (symbol.StartsWith("_Z", StringComparison.Ordinal))
            {
                node = ParseMangledName(symbol);
            }
            else if (GlobalConstructorKind(symbol) is { } kind)
            {
                node = new ItaniumDemangler(symbol, 11).ParseGlobalConstructor(kind);
            }
            else
            {
                return null;
            }

            var printer = new ItaniumPrinter();
            node.Print(printer);
            return printer.Failed ? null : printer.ToString();
        }
        catch (InvalidMangledNameException)
        {
            return null;
        }
    }

    private static string? GlobalConstructorKind(string symbol) =>
        symbol.Length > 11 && symbol.StartsWith("_GLOBAL_", StringComparison.Ordinal) && symbol[8] is '.' or '_' or '$'
        && symbol[10] == '_'
            ? symbol[9] switch
            {
                'I' => "global constructors keyed to ",
                'D' => "global destructors keyed to ",
                _ => null,
            }
            : null;

    private ItaniumNode ParseGlobalConstructor(string prefix)
    {
        if (Peek() == '_' && PeekAt(1) == 'Z')
        {
            _position += 2;
            var encoding = ParseEncoding(topLevel: false);
            ExpectEnd();
            return new PrefixNode(prefix, encoding);
        }

        return new PrefixNode(prefix, new NameNode(_symbol, _position, _symbol.Length - _position));
    }

    private static ItaniumNode ParseMangledName(string symbol)
    {
        var demangler = new ItaniumDemangler(symbol, 2);
        try
        {
            return demangler.ParseMangledName();
        }
        catch (InvalidMangledNameException) when (demangler._sawUnresolvedName)
        {
            return new ItaniumDemangler(symbol, 2, oldUnresolvedNames: true).ParseMangledName();
        }
    }

    private ItaniumNode ParseMangledName()
    {
        var node = ParseEncoding(topLevel: true);
        while (Peek() == '.' && (char.IsAsciiLetterLower(PeekAt(1)) || char.IsAsciiDigit(PeekAt(1)) || PeekAt(1) == '_'))
        {
            node = ParseCloneSuffix(node);
        }

        ExpectEnd();
        return node;
    }

    private ItaniumNode ParseCloneSuffix(ItaniumNode encoding)
    {
        var start = _position;
        _position += 2;
        while (char.IsAsciiLetterLower(Peek()) || char.IsAsciiDigit(Peek()) || Peek() == '_')
        {
            _position++;
        }

        while (Peek() == '.' && char.IsAsciiDigit(PeekAt(1)))
        {
            _position += 2;
            while (char.IsAsciiDigit(Peek()))
            {
                _position++;
            }
        }

        return new CloneNode(encoding, _symbol, start, _position - start);
    }

    private ItaniumNode ParseEncoding(bool topLevel)
    {
        Enter();
        var c = Peek();
        if (c is 'G' or 'T')
        {
            var special = ParseSpecialName();
            Leave();
            return special;
        }

        var name = ParseName(substitutable: false, out var qualifiers);
        if (AtEnd || Peek() == 'E')
        {
            if (qualifiers.Count != 0)
            {
                throw Invalid();
            }

            Leave();
            return name;
        }

        var returnType = HasReturnType(name) ? ParseType() : null;
        var parameters = ParseParameters();
        if (!topLevel && name is LocalNameNode)
        {
            returnType = null;
        }

        Leave();
        return new FunctionEncodingNode(name, returnType, parameters, qualifiers);
    }

    private static bool HasReturnType(ItaniumNode name) => name switch
    {
        LocalNameNode local => HasReturnType(local.Entity),
        TemplateNode template => !IsConstructorDestructorOrConversion(template.Name),
        _ => false,
    };

    private static bool IsConstructorDestructorOrConversion(ItaniumNode name) => name switch
    {
        QualifiedNameNode qualified => IsConstructorDestructorOrConversion(qualified.Name),
        LocalNameNode local => IsConstructorDestructorOrConversion(local.Entity),
        CtorDtorNode or ConversionNode => true,
        _ => false,
    };

    /// <summary>Parameter types up to the end, a clone suffix or <c>E</c>; a lone <c>void</c> means none.</summary>
    private List<ItaniumNode> ParseParameters()
    {
        var parameters = new List<ItaniumNode>();
        while (!AtEnd && Peek() is not ('.' or 'E') && !(Peek() is 'R' or 'O' && PeekAt(1) == 'E'))
        {
            parameters.Add(ParseType());
        }

        if (parameters.Count == 0)
        {
            throw Invalid();
        }

        if (parameters is [BuiltinTypeNode { IsVoid: true }])
        {
            parameters.Clear();
        }

        return parameters;
    }

    private ItaniumNode ParseName(bool substitutable, out IReadOnlyList<string> qualifiers)
    {
        Enter();
        qualifiers = NoQualifiers;
        ItaniumNode? node = null;
        var fromSubstitution = false;
        switch (Peek())
        {
            case 'N':
                node = ParseNestedName(out qualifiers);
                break;
            case 'Z':
                node = ParseLocalName(out qualifiers);
                break;
            case 'U':
                node = ParseUnqualifiedName(null);
                break;
            default:
                ItaniumNode? scope = null;
                if (Peek() == 'S' && PeekAt(1) == 't')
                {
                    _position += 2;
                    scope = new NameNode("std");
                }

                if (Peek() == 'S')
                {
                    if (scope != null)
                    {
                        throw Invalid();
                    }

                    node = ParseSubstitution();
                    fromSubstitution = true;
                }
                else
                {
                    node = ParseUnqualifiedName(scope);
                }

                if (Peek() == 'I')
                {
                    if (!fromSubstitution)
                    {
                        AddSubstitution(node);
                    }

                    node = new TemplateNode(node, ParseTemplateArguments());
                    fromSubstitution = false;
                }

                break;
        }

        if (substitutable && !fromSubstitution)
        {
            AddSubstitution(node);
        }

        Leave();
        return node;
    }

    private ItaniumNode ParseNestedName(out IReadOnlyList<string> qualifiers)
    {
        Expect('N');
        qualifiers = ParseMemberQualifiers();
        var prefix = ParsePrefix(substitutable: true);
        Expect('E');
        return prefix;
    }

    private ItaniumNode ParsePrefix(bool substitutable)
    {
        ItaniumNode? prefix = null;
        while (true)
        {
            var c = Peek();
            if (c == 'D' && PeekAt(1) is 'T' or 't')
            {
                prefix = prefix == null ? ParseType() : throw Invalid();
            }
            else if (c == 'I')
            {
                prefix = prefix != null ? new TemplateNode(prefix, ParseTemplateArguments()) : throw Invalid();
            }
            else if (c == 'T')
            {
                prefix = prefix == null ? ParseTemplateParam() : throw Invalid();
            }
            else if (c == 'M')
            {
                _position++;
                continue;
            }
            else if (c == 'S')
            {
                prefix = prefix == null ? ParseSubstitution() : throw Invalid();
                continue;
            }
            else
            {
                prefix = ParseUnqualifiedName(prefix);
            }

            if (Peek() == 'E')
            {
                break;
            }

            if (substitutable)
            {
                AddSubstitution(prefix);
            }
        }

        return prefix;
    }

    /// <summary>The cv- and ref-qualifiers of a member function, in the order c++filt prints them.</summary>
    private IReadOnlyList<string> ParseMemberQualifiers()
    {
        List<string>? qualifiers = null;
        while (Peek() is 'r' or 'V' or 'K')
        {
            (qualifiers ??= []).Insert(0, QualifierText(Next()));
        }

        if (Peek() is 'R' or 'O')
        {
            (qualifiers ??= []).Add(Next() == 'R' ? " &" : " &&");
        }

        return qualifiers ?? NoQualifiers;
    }

    private static string QualifierText(char code) => code switch
    {
        'r' => " restrict",
        'V' => " volatile",
        _ => " const",
    };

    private ItaniumNode ParseLocalName(out IReadOnlyList<string> qualifiers)
    {
        Expect('Z');
        var function = ParseEncoding(topLevel: false);
        Expect('E');
        ItaniumNode entity;
        qualifiers = NoQualifiers;
        if (Peek() == 's')
        {
            _position++;
            ParseDiscriminator();
            entity = new NameNode("string literal");
        }
        else
        {
            var defaultArgument = -1;
            if (Peek() == 'd')
            {
                _position++;
                defaultArgument = ParseCompactNumber();
            }

            entity = ParseName(substitutable: false, out qualifiers);
            if (entity is not (LambdaNode or UnnamedTypeNode))
            {
                ParseDiscriminator();
            }

            if (defaultArgument >= 0)
            {
                entity = new DefaultArgumentNode(defaultArgument, entity);
            }
        }

        if (function is FunctionEncodingNode { HasReturnType: true } encoding)
        {
            function = encoding.WithoutReturnType();
        }

        return new LocalNameNode(function, entity);
    }

    private void ParseDiscriminator()
    {
        if (Peek() != '_')
        {
            return;
        }

        _position++;
        var underscores = 1;
        if (Peek() == '_')
        {
            underscores++;
            _position++;
        }

        var number = ParseNumber();
        if (number < 0)
        {
            throw Invalid();
        }

        if (underscores > 1 && number >= 10)
        {
            Expect('_');
        }
    }

    private ItaniumNode ParseUnqualifiedName(ItaniumNode? scope)
    {
        var c = Peek();
        ItaniumNode name;
        if (char.IsAsciiDigit(c))
        {
            name = ParseSourceName();
        }
        else if (char.IsAsciiLetterLower(c))
        {
            var wasExpression = _inExpression;
            if (c == 'o' && PeekAt(1) == 'n')
            {
                _position += 2;
                _inExpression = false;
            }

            name = ParseOperatorName();
            _inExpression = wasExpression;
        }
        else if (c == 'D' && PeekAt(1) == 'C')
        {
            throw Invalid();
        }
        else if (c is 'C' or 'D')
        {
            name = ParseConstructorOrDestructor();
        }
        else if (c == 'L')
        {
            _position++;
            name = ParseSourceName();
            ParseDiscriminator();
        }
        else if (c == 'U' && PeekAt(1) == 't')
        {
            _position += 2;
            name = new UnnamedTypeNode(ParseCompactNumber() + 1);
            AddSubstitution(name);
        }
        else if (c == 'U' && PeekAt(1) == 'l')
        {
            name = ParseLambda();
        }
        else
        {
            throw Invalid();
        }

        if (Peek() == 'B')
        {
            name = ParseAbiTags(name);
        }

        return scope == null ? name : new QualifiedNameNode(scope, name);
    }

    private ItaniumNode ParseAbiTags(ItaniumNode name)
    {
        var lastName = _lastName;
        while (Peek() == 'B')
        {
            _position++;
            name = new AbiTagNode(name, ParseSourceName());
        }

        _lastName = lastName;
        return name;
    }

    private ItaniumNode ParseLambda()
    {
        _position += 2;
        var parameters = ParseParameters();
        Expect('E');
        return new LambdaNode(parameters, ParseCompactNumber() + 1);
    }

    private NameNode ParseSourceName()
    {
        var length = ParseNumber();
        if (length <= 0 || length > _symbol.Length - _position)
        {
            throw Invalid();
        }

        var start = _position;
        _position += length;
        var name = length >= 10 && string.CompareOrdinal(_symbol, start, "_GLOBAL_", 0, 8) == 0
            && _symbol[start + 8] is '.' or '_' or '$' && _symbol[start + 9] == 'N'
                ? new NameNode("(anonymous namespace)")
                : new NameNode(_symbol, start, length);
        _lastName = name;
        return name;
    }

    private ItaniumNode ParseConstructorOrDestructor()
    {
        if (Next() == 'C')
        {
            var inheriting = Peek() == 'I';
            if (inheriting)
            {
                _position++;
            }

            if (Next() is not ('1' or '2' or '3' or '4' or '5'))
            {
                throw Invalid();
            }

            if (inheriting)
            {
                ParseType();
            }

            return new CtorDtorNode(_lastName ?? throw Invalid(), destructor: false);
        }

        if (Next() is not ('0' or '1' or '2' or '4' or '5'))
        {
            throw Invalid();
        }

        return new CtorDtorNode(_lastName ?? throw Invalid(), destructor: true);
    }

    private ItaniumNode ParseOperatorName()
    {
        var first = Next();
        var second = Next();
        if (first == 'v' && char.IsAsciiDigit(second))
        {
            return new PrefixNode("operator ", ParseSourceName());
        }

        if (first == 'c' && second == 'v')
        {
            var wasConversion = _inConversion;
            _inConversion = !_inExpression;
            var type = ParseType();
            _inConversion = wasConversion;
            return new ConversionNode(type);
        }

        var info = FindOperator(first, second) ?? throw Invalid();
        if (info.Code == "li")
        {
            return new LiteralOperatorNode(ParseSourceName());
        }

        return new OperatorNameNode(info);
    }

    private ItaniumNode ParseSubstitution()
    {
        Expect('S');
        var c = Peek();
        if (c == '_' || char.IsAsciiDigit(c) || char.IsAsciiLetterUpper(c))
        {
            var index = 0;
            if (c != '_')
            {
                long id = 0;
                while (Peek() != '_')
                {
                    var digit = Next();
                    id = id * 36 + (char.IsAsciiDigit(digit) ? digit - '0'
                        : char.IsAsciiLetterUpper(digit) ? digit - 'A' + 10 : throw Invalid());
                    if (id >= _substitutions.Count)
                    {
                        throw Invalid();
                    }
                }

                index = (int)id + 1;
            }

            _position++;
            return index < _substitutions.Count ? _substitutions[index] : throw Invalid();
        }

        _position++;
        ItaniumNode node;
        switch (c)
        {
            case 't':
                return new NameNode("std", simple: false);
            case 'a':
                _lastName = new NameNode("allocator");
                node = new NameNode("std::allocator", simple: false);
                break;
            case 'b':
                _lastName = new NameNode("basic_string");
                node = new NameNode("std::basic_string", simple: false);
                break;
            case 's':
                _lastName = new NameNode("basic_string");
                node = new NameNode("std::basic_string<char, std::char_traits<char>, std::allocator<char> >", simple: false);
                break;
            case 'i':
                _lastName = new NameNode("basic_istream");
                node = new NameNode("std::basic_istream<char, std::char_traits<char> >", simple: false);
                break;
            case 'o':
                _lastName = new NameNode("basic_ostream");
                node = new NameNode("std::basic_ostream<char, std::char_traits<char> >", simple: false);
                break;
            case 'd':
                _lastName = new NameNode("basic_iostream");
                node = new NameNode("std::basic_iostream<char, std::char_traits<char> >", simple: false);
                break;
            default:
                throw Invalid();
        }

        if (Peek() == 'B')
        {
            node = ParseAbiTags(node);
            AddSubstitution(node);
        }

        return node;
    }

    private List<ItaniumNode> ParseTemplateArguments()
    {
        Enter();
        var lastName = _lastName;
        _position++;
        var arguments = new List<ItaniumNode>();
        while (Peek() != 'E')
        {
            arguments.Add(ParseTemplateArgument());
        }

        _position++;
        _lastName = lastName;
        Leave();
        return arguments;
    }

    private ItaniumNode ParseTemplateArgument()
    {
        switch (Peek())
        {
            case 'X':
                _position++;
                var expression = ParseExpression();
                Expect('E');
                return expression;
            case 'L':
                return ParseExpressionPrimary();
            case 'I' or 'J':
                return new ArgumentPackNode(ParseTemplateArguments());
            default:
                return ParseType();
        }
    }

    private TemplateParamNode ParseTemplateParam()
    {
        Expect('T');
        return new TemplateParamNode(ParseCompactNumber());
    }

    /// <summary><c>_</c> is 0, <c>N_</c> is N + 1.</summary>
    private int ParseCompactNumber()
    {
        if (Peek() == '_')
        {
            _position++;
            return 0;
        }

        if (!char.IsAsciiDigit(Peek()))
        {
            throw Invalid();
        }

        var number = ParseNumber();
        Expect('_');
        return number + 1;
    }

    /// <summary>A decimal number, negative after <c>n</c>; at most <see cref="int.MaxValue"/> - 1.</summary>
    private int ParseNumber()
    {
        var negative = Peek() == 'n';
        if (negative)
        {
            _position++;
        }

        if (!char.IsAsciiDigit(Peek()))
        {
            return negative ? 0 : -1;
        }

        var value = 0;
        while (char.IsAsciiDigit(Peek()))
        {
            var digit = Next() - '0';
            if (value > (int.MaxValue - 1 - digit) / 10)
            {
                throw Invalid();
            }

            value = value * 10 + digit;
        }

        return negative ? -value : value;
    }

    private ItaniumNode ParseSpecialName()
    {
        if (Next() == 'T')
        {
            switch (Next())
            {
                case 'V':
                    return new PrefixNode("vtable for ", ParseType());
                case 'T':
                    return new PrefixNode("VTT for ", ParseType());
                case 'I':
                    return new PrefixNode("typeinfo for ", ParseType());
                case 'S':
                    return new PrefixNode("typeinfo name for ", ParseType());
                case 'F':
                    return new PrefixNode("typeinfo fn for ", ParseType());
                case 'h':
                    ParseCallOffset('h');
                    return new PrefixNode("non-virtual thunk to ", ParseEncoding(topLevel: false));
                case 'v':
                    ParseCallOffset('v');
                    return new PrefixNode("virtual thunk to ", ParseEncoding(topLevel: false));
                case 'c':
                    ParseCallOffset(Next());
                    ParseCallOffset(Next());
                    return new PrefixNode("covariant return thunk to ", ParseEncoding(topLevel: false));
                case 'C':
                    var derived = ParseType();
                    if (ParseNumber() < 0)
                    {
                        throw Invalid();
                    }

                    Expect('_');
                    return new ConstructionVtableNode(derived, ParseType());
                case 'H':
                    return new PrefixNode("TLS init function for ", ParseUnqualifiedEntity());
                case 'W':
                    return new PrefixNode("TLS wrapper function for ", ParseUnqualifiedEntity());
                case 'A':
                    return new PrefixNode("template parameter object for ", ParseTemplateArgument());
                default:
                    throw Invalid();
            }
        }

        switch (Next())
        {
            case 'V':
                return new PrefixNode("guard variable for ", ParseUnqualifiedEntity());
            case 'A':
                return new PrefixNode("hidden alias for ", ParseEncoding(topLevel: false));
            case 'T':
                var prefix = Next() == 'n' ? "non-transaction clone for " : "transaction clone for ";
                return new PrefixNode(prefix, ParseEncoding(topLevel: false));
            default:
                throw Invalid();
        }
    }

    /// <summary>A variable's name (no member function qualifiers allowed).</summary>
    private ItaniumNode ParseUnqualifiedEntity()
    {
        var name = ParseName(substitutable: false, out var qualifiers);
        return qualifiers.Count == 0 ? name : throw Invalid();
    }

    private void ParseCallOffset(char kind)
    {
        if (kind == 'h')
        {
            ParseNumber();
        }
        else if (kind == 'v')
        {
            ParseNumber();
            Expect('_');
            ParseNumber();
        }
        else
        {
            throw Invalid();
        }

        Expect('_');
    }

    private void AddSubstitution(ItaniumNode node) => _substitutions.Add(node);

    private bool AtEnd => _position >= _symbol.Length;

    private char Peek() => _position < _symbol.Length ? _symbol[_position] : '\0';

    private char PeekAt(int offset) => _position + offset < _symbol.Length ? _symbol[_position + offset] : '\0';

    private char Next() => _position < _symbol.Length ? _symbol[_position++] : throw Invalid();

    private void Expect(char c)
    {
        if (Peek() != c)
        {
            throw Invalid();
        }

        _position++;
    }

    private void ExpectEnd()
    {
        if (!AtEnd)
        {
            throw Invalid();
        }
    }

    private void Enter()
    {
        if (++_depth > MaxDepth)
        {
            throw Invalid();
        }
    }

    private void Leave() => _depth--;

    private static InvalidMangledNameException Invalid() => new();

    private sealed class InvalidMangledNameException : Exception;
}
