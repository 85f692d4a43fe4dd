namespace OdigosUi.Profiler.Symbolization.Demangling;

internal sealed partial class ItaniumDemangler
{
    private static readonly BuiltinTypeNode?[] Builtins = CreateBuiltins();

    private static readonly Dictionary<int, OperatorInfo> Operators = CreateOperators();

    private static BuiltinTypeNode?[] CreateBuiltins()
    {
        var builtins = new BuiltinTypeNode?[26];
        void Add(char code, string name, LiteralStyle style = LiteralStyle.Cast) =>
            builtins[code - 'a'] = new BuiltinTypeNode(name, style);
        Add('a', "signed char");
        Add('b', "bool", LiteralStyle.Bool);
        Add('c', "char");
        Add('d', "double", LiteralStyle.Float);
        Add('e', "long double", LiteralStyle.Float);
        Add('f', "float", LiteralStyle.Float);
        Add('g', "__float128", LiteralStyle.Float);
        Add('h', "unsigned char");
        Add('i', "int", LiteralStyle.Int);
        Add('j', "unsigned int", LiteralStyle.Unsigned);
        Add('l', "long", LiteralStyle.Long);
        Add('m', "unsigned long", LiteralStyle.UnsignedLong);
        Add('n', "__int128");
        Add('o', "unsigned __int128");
        Add('s', "short");
        Add('t', "unsigned short");
        Add('v', "void");
        Add('w', "wchar_t");
        Add('x', "long long", LiteralStyle.LongLong);
        Add('y', "unsigned long long", LiteralStyle.UnsignedLongLong);
        Add('z', "...");
        return builtins;
    }

    private static Dictionary<int, OperatorInfo> CreateOperators()
    {
        OperatorInfo[] all =
        [
            new("aN", "&=", 2), new("aS", "=", 2), new("aa", "&&", 2), new("ad", "&", 1), new("an", "&", 2),
            new("at", "alignof ", 1), new("aw", "co_await ", 1), new("az", "alignof ", 1),
            new("cc", "const_cast", 2), new("cl", "()", 2), new("cm", ",", 2), new("co", "~", 1),
            new("dV", "/=", 2), new("da", "delete[] ", 1), new("dc", "dynamic_cast", 2), new("de", "*", 1),
            new("dl", "delete ", 1), new("ds", ".*", 2), new("dt", ".", 2), new("dv", "/", 2),
            new("eO", "^=", 2), new("eo", "^", 2), new("eq", "==", 2), new("ge", ">=", 2), new("gs", "::", 1),
            new("gt", ">", 2), new("ix", "[]", 2), new("lS", "<<=", 2), new("le", "<=", 2),
            new("li", "operator\"\" ", 1), new("ls", "<<", 2), new("lt", "<", 2), new("mI", "-=", 2),
            new("mL", "*=", 2), new("mi", "-", 2), new("ml", "*", 2), new("mm", "--", 1), new("na", "new[]", 3),
            new("ne", "!=", 2), new("ng", "-", 1), new("nt", "!", 1), new("nw", "new", 3), new("nx", "noexcept", 1),
            new("oR", "|=", 2), new("oo", "||", 2), new("or", "|", 2), new("pL", "+=", 2), new("pl", "+", 2),
            new("pm", "->*", 2), new("pp", "++", 1), new("ps", "+", 1), new("pt", "->", 2), new("qu", "?", 3),
            new("rM", "%=", 2), new("rS", ">>=", 2), new("rc", "reinterpret_cast", 2), new("rm", "%", 2),
            new("rs", ">>", 2), new("sP", "sizeof...", 1), new("sZ", "sizeof...", 1), new("sc", "static_cast", 2),
            new("ss", "<=>", 2), new("st", "sizeof ", 1), new("sz", "sizeof ", 1), new("tr", "throw", 0),
            new("tw", "throw ", 1),
        ];
        return all.ToDictionary(o => OperatorKey(o.Code[0], o.Code[1]));
    }

    private static int OperatorKey(char first, char second) => first << 8 | second;

    private static OperatorInfo? FindOperator(char first, char second) =>
        Operators.GetValueOrDefault(OperatorKey(first, second));

    private ItaniumNode ParseType()
    {
        Enter();
        var type = ParseTypeCore();
        Leave();
        return type;
    }

    private bool AtTypeQualifier() =>
        Peek() is 'r' or 'V' or 'K' || (Peek() == 'D' && PeekAt(1) is 'x' or 'o' or 'O' or 'w');

    private ItaniumNode ParseTypeCore()
    {
        if (AtTypeQualifier())
        {
            return ParseQualifiedType();
        }

        var c = Peek();
        ItaniumNode type;
        switch (c)
        {
            case >= 'a' and <= 'z' when c != 'r' && c != 'u' && Builtins[c - 'a'] is { } builtin:
                _position++;
                return builtin;
            case 'u':
                _position++;
                type = ParseSourceName();
                break;
            case 'F':
                type = ParseFunctionType(NoQualifiers);
                break;
            case 'A':
                type = ParseArrayType();
                break;
            case 'M':
                _position++;
                var classType = ParseType();
                type = new PointerToMemberNode(classType, ParseType());
                break;
            case 'T':
                type = ParseTemplateParamType();
                break;
            case 'P':
                _position++;
                type = new PointerNode(ParseType());
                break;
            case 'R':
                _position++;
                type = new ReferenceNode(ParseType(), rvalue: false);
                break;
            case 'O':
                _position++;
                type = new ReferenceNode(ParseType(), rvalue: true);
                break;
            case 'C':
                _position++;
                type = new PostfixQualifierNode(ParseType(), " _Complex");
                break;
            case 'G':
                _position++;
                type = new PostfixQualifierNode(ParseType(), " _Imaginary");
                break;
            case 'S':
                var next = PeekAt(1);
                if (!(char.IsAsciiDigit(next) || next == '_' || char.IsAsciiLetterUpper(next)))
                {
                    return ParseClassType();
                }

                type = ParseSubstitution();
                if (Peek() != 'I')
                {
                    return type;
                }

                type = new TemplateNode(type, ParseTemplateArguments());
                break;
            case 'D':
                type = ParseExtendedType(out var substitutable);
                if (!substitutable)
                {
                    return type;
                }

                break;
            default:
                return ParseClassType();
        }

        AddSubstitution(type);
        return type;
    }

    private ItaniumNode ParseClassType()
    {
        var name = ParseName(substitutable: true, out var qualifiers);
        return qualifiers.Count == 0 ? name : throw Invalid();
    }

    /// <param name="substitutable">False for the builtin types, which are no substitution candidates.</param>
    private ItaniumNode ParseExtendedType(out bool substitutable)
    {
        _position++;
        substitutable = true;
        switch (Next())
        {
            case 'T' or 't':
                var expression = ParseExpression();
                Expect('E');
                return new DecltypeNode(expression);
            case 'p':
                return new PackExpansionNode(ParseType());
            case 'v':
                return ParseVectorType();
            case 'a':
                substitutable = false;
                return new BuiltinTypeNode("auto", LiteralStyle.Cast);
            case 'c':
                substitutable = false;
                return new BuiltinTypeNode("decltype(auto)", LiteralStyle.Cast);
            case 'f':
                substitutable = false;
                return new BuiltinTypeNode("decimal32", LiteralStyle.Cast);
            case 'd':
                substitutable = false;
                return new BuiltinTypeNode("decimal64", LiteralStyle.Cast);
            case 'e':
                substitutable = false;
                return new BuiltinTypeNode("decimal128", LiteralStyle.Cast);
            case 'h':
                substitutable = false;
                return new BuiltinTypeNode("half", LiteralStyle.Cast);
            case 'u':
                substitutable = false;
                return new BuiltinTypeNode("char8_t", LiteralStyle.Cast);
            case 's':
                substitutable = false;
                return new BuiltinTypeNode("char16_t", LiteralStyle.Cast);
            case 'i':
                substitutable = false;
                return new BuiltinTypeNode("char32_t", LiteralStyle.Cast);
            case 'n':
                substitutable = false;
                return new BuiltinTypeNode("decltype(nullptr)", LiteralStyle.Cast);
            case 'F':
                var bits = ParseNumber();
                if (bits <= 0)
                {
                    throw Invalid();
                }

                var extendedFloat = Next() switch
                {
                    '_' => "",
                    'x' => "x",
                    _ => throw Invalid(),
                };
                substitutable = false;
                return new BuiltinTypeNode(
                    "_Float" + bits.ToString(System.Globalization.CultureInfo.InvariantCulture) + extendedFloat,
                    LiteralStyle.Float);
            default:
                throw Invalid();
        }
    }

    private ItaniumNode ParseVectorType()
    {
        ItaniumNode dimension;
        if (Peek() == '_')
        {
            _position++;
            dimension = ParseExpression();
        }
        else
        {
            var start = _position;
            if (ParseNumber() <= 0)
            {
                throw Invalid();
            }

            dimension = new NameNode(_symbol, start, _position - start);
        }

        Expect('_');
        return new VectorNode(ParseType(), dimension);
    }

    private ItaniumNode ParseTemplateParamType()
    {
        ItaniumNode type = ParseTemplateParam();
        if (Peek() != 'I')
        {
            return type;
        }

        if (!_inConversion)
        {
            AddSubstitution(type);
            return new TemplateNode(type, ParseTemplateArguments());
        }

        // In a conversion operator's type the arguments may belong to the operator instead: they are the
        // template template parameter's only when another argument list follows.
        var position = _position;
        var substitutions = _substitutions.Count;
        var arguments = ParseTemplateArguments();
        if (Peek() == 'I')
        {
            AddSubstitution(type);
            return new TemplateNode(type, arguments);
        }

        _position = position;
        _substitutions.RemoveRange(substitutions, _substitutions.Count - substitutions);
        return type;
    }

    private ItaniumNode ParseQualifiedType()
    {
        var qualifiers = new List<string>();
        while (AtTypeQualifier())
        {
            var c = Next();
            if (c != 'D')
            {
                qualifiers.Add(QualifierText(c));
                continue;
            }

            switch (Next())
            {
                case 'x':
                    qualifiers.Add(" transaction_safe");
                    break;
                case 'o':
                    qualifiers.Add(" noexcept");
                    break;
                default:
                    throw Invalid();
            }
        }

        ItaniumNode type;
        if (Peek() == 'F')
        {
            qualifiers.Reverse();
            type = ParseFunctionType(qualifiers);
        }
        else
        {
            type = ParseType();
            for (var i = qualifiers.Count - 1; i >= 0; i--)
            {
                if (qualifiers[i] is not (" const" or " volatile" or " restrict"))
                {
                    throw Invalid();
                }

                type = new PostfixQualifierNode(type, qualifiers[i]);
            }
        }

        AddSubstitution(type);
        return type;
    }

    /// <param name="qualifiers">Qualifiers that precede <c>F</c>, in print order.</param>
    private ItaniumNode ParseFunctionType(IReadOnlyList<string> qualifiers)
    {
        Expect('F');
        if (Peek() == 'Y')
        {
            _position++;
        }

        var returnType = ParseType();
        var parameters = ParseParameters();
        if (Peek() is 'R' or 'O')
        {
            qualifiers = [.. qualifiers, Next() == 'R' ? " &" : " &&"];
        }

        Expect('E');
        return new FunctionTypeNode(returnType, parameters, qualifiers);
    }

    private ItaniumNode ParseArrayType()
    {
        Expect('A');
        ItaniumNode? dimension = null;
        if (char.IsAsciiDigit(Peek()))
        {
            var start = _position;
            while (char.IsAsciiDigit(Peek()))
            {
                _position++;
            }

            dimension = new NameNode(_symbol, start, _position - start);
        }
        else if (Peek() != '_')
        {
            dimension = ParseExpression();
        }

        Expect('_');
        return new ArrayNode(ParseType(), dimension);
    }

    private ItaniumNode ParseExpressionPrimary()
    {
        Expect('L');
        ItaniumNode literal;
        if (Peek() is '_' or 'Z')
        {
            if (Peek() == '_')
            {
                _position++;
            }

            Expect('Z');
            literal = ParseEncoding(topLevel: false);
        }
        else
        {
            var type = ParseType();
            if (type is BuiltinTypeNode { IsNullptr: true } && Peek() == 'E')
            {
                _position++;
                return type;
            }

            var negative = Peek() == 'n';
            if (negative)
            {
                _position++;
            }

            var start = _position;
            while (Peek() != 'E')
            {
                if (AtEnd)
                {
                    throw Invalid();
                }

                _position++;
            }

            if (_position == start)
            {
                throw Invalid();
            }

            literal = new LiteralNode(type, _symbol.Substring(start, _position - start), negative);
        }

        Expect('E');
        return literal;
    }

    private ItaniumNode ParseExpression()
    {
        Enter();
        var wasExpression = _inExpression;
        _inExpression = true;
        var expression = ParseExpressionCore();
        _inExpression = wasExpression;
        Leave();
        return expression;
    }

    private ItaniumNode ParseExpressionCore()
    {
        var c = Peek();
        var next = PeekAt(1);
        if (c == 'L')
        {
            return ParseExpressionPrimary();
        }

        if (c == 'T')
        {
            return ParseTemplateParam();
        }

        if (c == 's' && next == 'r')
        {
            return ParseUnresolvedName();
        }

        if (c == 's' && next == 'p')
        {
            _position += 2;
            return new PackExpansionNode(ParseExpression());
        }

        if (c == 'f' && next == 'p')
        {
            _position += 2;
            if (Peek() == 'T')
            {
                _position++;
                return new FunctionParamNode(0);
            }

            return new FunctionParamNode(ParseCompactNumber() + 1);
        }

        if (char.IsAsciiDigit(c) || (c == 'o' && next == 'n'))
        {
            if (c == 'o')
            {
                _position += 2;
            }

            return ParseNameWithArguments();
        }

        if (c == 'c' && next == 'v')
        {
            _position += 2;
            var type = ParseType();
            if (Peek() == '_')
            {
                _position++;
                return new CastExpressionNode(type, ParseExpressionList());
            }

            return new CastExpressionNode(type, ParseExpression());
        }

        _position += 2;
        var op = FindOperator(c, next) ?? throw Invalid();
        if (op.Code == "st")
        {
            return new UnaryExpressionNode(op, ParseType());
        }

        switch (op.Arity)
        {
            case 1 when op.Code is "pp" or "mm":
                Expect('_');
                return new UnaryExpressionNode(op, ParseExpression());
            case 1 when op.Code is not ("sP" or "li"):
                return new UnaryExpressionNode(op, ParseExpression());
            case 2 when op.Code[0] != 'f' && op.Code != "di":
                var left = op.IsNewStyleCast ? ParseType() : ParseExpression();
                ItaniumNode right;
                if (op.Code == "cl")
                {
                    right = ParseExpressionList();
                }
                else if (op.Code is "dt" or "pt" && !(Peek() == 'g' && PeekAt(1) == 's') && !(Peek() == 's' && PeekAt(1) == 'r'))
                {
                    right = ParseNameWithArguments();
                }
                else
                {
                    right = ParseExpression();
                }

                return new BinaryExpressionNode(op, left, right);
            default:
                throw Invalid();
        }
    }

    private ItaniumNode ParseUnresolvedName()
    {
        _position += 2;
        ItaniumNode scope;
        if (!_oldUnresolvedNames && (char.IsAsciiDigit(Peek()) || char.IsAsciiLetterLower(Peek()) || Peek() is 'C' or 'U' or 'L'))
        {
            _sawUnresolvedName = true;
            scope = ParsePrefix(substitutable: false);
            if (Peek() == 'E')
            {
                _position++;
            }
        }
        else
        {
            scope = ParseType();
        }

        var name = ParseUnqualifiedName(scope);
        return Peek() == 'I' ? new TemplateNode(name, ParseTemplateArguments()) : name;
    }

    private ItaniumNode ParseNameWithArguments()
    {
        var name = ParseUnqualifiedName(null);
        return Peek() == 'I' ? new TemplateNode(name, ParseTemplateArguments()) : name;
    }

    private ExpressionListNode ParseExpressionList()
    {
        var expressions = new List<ItaniumNode>();
        while (Peek() != 'E')
        {
            expressions.Add(ParseExpression());
        }

        _position++;
        return new ExpressionListNode(expressions);
    }
}
