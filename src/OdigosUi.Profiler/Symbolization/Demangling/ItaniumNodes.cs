namespace OdigosUi.Profiler.Symbolization.Demangling;

/// <summary>
/// One component of a demangled Itanium name. Types print in two parts around a declarator (the part of a pointer to
/// function before <c>*</c> and the parameter list after it); the layout follows what binutils' c++filt prints.
/// </summary>
internal abstract class ItaniumNode
{
    public void Print(ItaniumPrinter p)
    {
        Left(p);
        Right(p);
    }

    public void Left(ItaniumPrinter p)
    {
        if (p.Enter())
        {
            var qualifiers = p.PendingQualifiers;
            if (this is not (PostfixQualifierNode or TemplateParamNode))
            {
                p.PendingQualifiers = 0;
            }

            PrintLeft(p);
            p.PendingQualifiers = qualifiers;
            p.Leave();
        }
    }

    public void Right(ItaniumPrinter p)
    {
        if (p.Enter())
        {
            PrintRight(p);
            p.Leave();
        }
    }

    protected abstract void PrintLeft(ItaniumPrinter p);

    protected virtual void PrintRight(ItaniumPrinter p)
    {
    }

    /// <summary>Whether some of the type prints after the declarator (a parameter list or an array bound).</summary>
    public virtual bool HasRight(ItaniumPrinter p) => false;

    public virtual bool IsArray(ItaniumPrinter p) => false;

    public virtual bool IsFunction(ItaniumPrinter p) => false;

    /// <summary>The argument pack a pack expansion of this pattern expands.</summary>
    public virtual ArgumentPackNode? FindPack(ItaniumPrinter p) => null;

    /// <summary>Names and function parameters print without parentheses inside expressions.</summary>
    public virtual bool IsSimpleExpression => false;

    public void PrintSubexpression(ItaniumPrinter p)
    {
        if (IsSimpleExpression)
        {
            Print(p);
            return;
        }

        p.Append('(');
        Print(p);
        p.Append(')');
    }

    protected static ArgumentPackNode? FindPack(ItaniumPrinter p, ItaniumNode first, ItaniumNode? second) =>
        first.FindPack(p) ?? second?.FindPack(p);

    protected static ArgumentPackNode? FindPack(ItaniumPrinter p, IReadOnlyList<ItaniumNode> nodes)
    {
        foreach (var node in nodes)
        {
            if (node.FindPack(p) is { } pack)
            {
                return pack;
            }
        }

        return null;
    }
}

/// <summary>Text from the mangled name itself (a source name) or fixed text.</summary>
internal sealed class NameNode : ItaniumNode
{
    private readonly string _source;
    private readonly int _start;
    private readonly int _length;
    private readonly bool _simple;

    public NameNode(string text, bool simple = true)
        : this(text, 0, text.Length, simple)
    {
    }

    public NameNode(string source, int start, int length, bool simple = true)
    {
        _source = source;
        _start = start;
        _length = length;
        _simple = simple;
    }

    public override bool IsSimpleExpression => _simple;

    protected override void PrintLeft(ItaniumPrinter p) => p.Append(_source, _start, _length);
}

internal enum LiteralStyle
{
    Cast,
    Int,
    Unsigned,
    Long,
    UnsignedLong,
    LongLong,
    UnsignedLongLong,
    Bool,
    Float,
}

internal sealed class BuiltinTypeNode(string name, LiteralStyle literalStyle) : ItaniumNode
{
    public LiteralStyle LiteralStyle { get; } = literalStyle;

    public bool IsNullptr => name == "decltype(nullptr)";

    public bool IsVoid => name == "void";

    protected override void PrintLeft(ItaniumPrinter p) => p.Append(name);
}

internal sealed class QualifiedNameNode(ItaniumNode scope, ItaniumNode name) : ItaniumNode
{
    public ItaniumNode Name { get; } = name;

    public override bool IsSimpleExpression => true;

    protected override void PrintLeft(ItaniumPrinter p)
    {
        scope.Print(p);
        p.Append("::");
        Name.Print(p);
    }

    public override ArgumentPackNode? FindPack(ItaniumPrinter p) => FindPack(p, scope, Name);
}

internal sealed class TemplateNode(ItaniumNode name, IReadOnlyList<ItaniumNode> arguments) : ItaniumNode
{
    public ItaniumNode Name { get; } = name;

    public IReadOnlyList<ItaniumNode> Arguments { get; } = arguments;

    protected override void PrintLeft(ItaniumPrinter p)
    {
        Name.Print(p);
        PrintArguments(p, Arguments);
    }

    public static void PrintArguments(ItaniumPrinter p, IReadOnlyList<ItaniumNode> arguments)
    {
        if (p.Last == '<')
        {
            p.Append(' ');
        }

        p.Append('<');
        p.List(arguments);
        if (p.Last == '>')
        {
            p.Append(' ');
        }

        p.Append('>');
    }

    public override ArgumentPackNode? FindPack(ItaniumPrinter p) => Name.FindPack(p) ?? FindPack(p, Arguments);
}

/// <summary>A template argument pack (<c>J…E</c>); printed as its elements.</summary>
internal sealed class ArgumentPackNode(IReadOnlyList<ItaniumNode> elements) : ItaniumNode
{
    public IReadOnlyList<ItaniumNode> Elements { get; } = elements;

    protected override void PrintLeft(ItaniumPrinter p) => p.List(Elements);

    public override ArgumentPackNode? FindPack(ItaniumPrinter p) => FindPack(p, Elements);
}

internal sealed class CtorDtorNode(ItaniumNode className, bool destructor) : ItaniumNode
{
    protected override void PrintLeft(ItaniumPrinter p)
    {
        if (destructor)
        {
            p.Append('~');
        }

        className.Print(p);
    }

    public override ArgumentPackNode? FindPack(ItaniumPrinter p) => className.FindPack(p);
}

internal sealed record OperatorInfo(string Code, string Symbol, int Arity)
{
    public bool IsNewStyleCast => Code is "dc" or "sc" or "cc" or "rc";
}

internal sealed class OperatorNameNode(OperatorInfo info) : ItaniumNode
{
    public OperatorInfo Info { get; } = info;

    protected override void PrintLeft(ItaniumPrinter p)
    {
        p.Append("operator");
        var symbol = Info.Symbol;
        if (char.IsAsciiLetterLower(symbol[0]))
        {
            p.Append(' ');
        }

        p.Append(symbol.EndsWith(' ') ? symbol[..^1] : symbol);
    }
}

internal sealed class ConversionNode(ItaniumNode type) : ItaniumNode
{
    protected override void PrintLeft(ItaniumPrinter p)
    {
        p.Append("operator ");
        type.Print(p);
    }

    public override ArgumentPackNode? FindPack(ItaniumPrinter p) => type.FindPack(p);
}

internal sealed class LiteralOperatorNode(ItaniumNode suffix) : ItaniumNode
{
    protected override void PrintLeft(ItaniumPrinter p)
    {
        p.Append("operator\"\" ");
        suffix.Print(p);
    }
}

internal sealed class AbiTagNode(ItaniumNode name, NameNode tag) : ItaniumNode
{
    protected override void PrintLeft(ItaniumPrinter p)
    {
        name.Print(p);
        p.Append("[abi:");
        tag.Print(p);
        p.Append(']');
    }
}

internal sealed class LambdaNode(IReadOnlyList<ItaniumNode> parameters, int number) : ItaniumNode
{
    protected override void PrintLeft(ItaniumPrinter p)
    {
        p.Append("{lambda(");
        var outer = p.InLambdaSignature;
        p.InLambdaSignature = true;
        p.List(parameters);
        p.InLambdaSignature = outer;
        p.Append(")#");
        p.Append(number.ToString(System.Globalization.CultureInfo.InvariantCulture));
        p.Append('}');
    }
}

internal sealed class UnnamedTypeNode(int number) : ItaniumNode
{
    protected override void PrintLeft(ItaniumPrinter p)
    {
        p.Append("{unnamed type#");
        p.Append(number.ToString(System.Globalization.CultureInfo.InvariantCulture));
        p.Append('}');
    }
}

/// <summary>An entity declared inside a function: <c>f()::x</c>.</summary>
internal sealed class LocalNameNode(ItaniumNode function, ItaniumNode entity) : ItaniumNode
{
    public ItaniumNode Entity { get; } = entity;

    protected override void PrintLeft(ItaniumPrinter p)
    {
        function.Print(p);
        p.Append("::");
        Entity.Print(p);
    }

    public override ArgumentPackNode? FindPack(ItaniumPrinter p) => FindPack(p, function, Entity);
}

internal sealed class DefaultArgumentNode(int number, ItaniumNode name) : ItaniumNode
{
    public ItaniumNode Name { get; } = name;

    protected override void PrintLeft(ItaniumPrinter p)
    {
        p.Append("{default arg#");
        p.Append((number + 1).ToString(System.Globalization.CultureInfo.InvariantCulture));
        p.Append("}::");
        Name.Print(p);
    }
}

/// <summary>A function: its name, parameter list, qualifiers of <c>this</c> and, for templates, return type.</summary>
internal sealed class FunctionEncodingNode(
    ItaniumNode name,
    ItaniumNode? returnType,
    IReadOnlyList<ItaniumNode> parameters,
    IReadOnlyList<string> qualifiers) : ItaniumNode
{
    public ItaniumNode Name { get; } = name;

    public bool HasReturnType => returnType != null;

    /// <summary>c++filt leaves out the return type of a function that encloses a local entity.</summary>
    public FunctionEncodingNode WithoutReturnType() => new(Name, null, parameters, qualifiers);

    protected override void PrintLeft(ItaniumPrinter p)
    {
        var outer = p.Templates;
        var scoped = Name is LocalNameNode local ? StripDefaultArgument(local.Entity) : Name;
        if (scoped is TemplateNode template)
        {
            p.Templates = new TemplateScope(template.Arguments, outer);
        }

        if (returnType != null)
        {
            returnType.Left(p);
            if (!returnType.HasRight(p))
            {
                p.Append(' ');
            }
        }

        Name.Print(p);
        p.Append('(');
        p.List(parameters);
        p.Append(')');
        foreach (var qualifier in qualifiers)
        {
            p.Append(qualifier);
        }

        returnType?.Right(p);
        p.Templates = outer;
    }

    private static ItaniumNode StripDefaultArgument(ItaniumNode entity) =>
        entity is DefaultArgumentNode argument ? argument.Name : entity;

    public override ArgumentPackNode? FindPack(ItaniumPrinter p) =>
        Name.FindPack(p) ?? returnType?.FindPack(p) ?? FindPack(p, parameters);
}

internal sealed class FunctionTypeNode(
    ItaniumNode returnType,
    IReadOnlyList<ItaniumNode> parameters,
    IReadOnlyList<string> qualifiers) : ItaniumNode
{
    public override bool HasRight(ItaniumPrinter p) => true;

    public override bool IsFunction(ItaniumPrinter p) => true;

    protected override void PrintLeft(ItaniumPrinter p)
    {
        returnType.Left(p);
        if (!returnType.HasRight(p))
        {
            p.Append(' ');
        }
    }

    protected override void PrintRight(ItaniumPrinter p)
    {
        p.Append('(');
        p.List(parameters);
        p.Append(')');
        foreach (var qualifier in qualifiers)
        {
            p.Append(qualifier);
        }

        returnType.Right(p);
    }

    public override ArgumentPackNode? FindPack(ItaniumPrinter p) => returnType.FindPack(p) ?? FindPack(p, parameters);
}

internal sealed class PointerNode(ItaniumNode pointee) : ItaniumNode
{
    public override bool HasRight(ItaniumPrinter p) => pointee.HasRight(p);

    protected override void PrintLeft(ItaniumPrinter p)
    {
        pointee.Left(p);
        var array = pointee.IsArray(p);
        if (array)
        {
            p.Append(' ');
        }

        if (array || pointee.IsFunction(p))
        {
            p.Append('(');
        }

        p.Append('*');
    }

    protected override void PrintRight(ItaniumPrinter p)
    {
        if (pointee.IsArray(p) || pointee.IsFunction(p))
        {
            p.Append(')');
        }

        pointee.Right(p);
    }

    public override ArgumentPackNode? FindPack(ItaniumPrinter p) => pointee.FindPack(p);
}

internal sealed class ReferenceNode(ItaniumNode referent, bool rvalue) : ItaniumNode
{
    public ItaniumNode Referent { get; } = referent;

    public bool IsRvalue { get; } = rvalue;

    /// <summary>
    /// A reference to a template parameter keeps the template scope it was first printed in, so that printing it
    /// again through a substitution from inside another template (a lambda in a template argument) names the same
    /// type, as c++filt does.
    /// </summary>
    private TemplateScope? EnterScope(ItaniumPrinter p)
    {
        var outer = p.Templates;
        if (Referent is TemplateParamNode && !p.InLambdaSignature)
        {
            p.Templates = p.SavedScope(Referent);
        }

        return outer;
    }

    /// <summary>Reference collapsing through a template parameter: <c>T&amp;&amp;</c> with <c>T = int&amp;</c> is <c>int&amp;</c>.</summary>
    private (ItaniumNode Node, bool Whole, bool Rvalue) Collapse(ItaniumPrinter p)
    {
        var sub = Referent;
        if (!p.InLambdaSignature && sub is TemplateParamNode parameter)
        {
            sub = p.Lookup(parameter.Index) ?? sub;
        }

        if (sub is ReferenceNode inner)
        {
            if (!inner.IsRvalue || inner.IsRvalue == IsRvalue)
            {
                return (inner, true, inner.IsRvalue);
            }

            return (inner.Referent, false, false);
        }

        return (sub, false, IsRvalue);
    }

    public override bool HasRight(ItaniumPrinter p)
    {
        var outer = EnterScope(p);
        var (node, _, _) = Collapse(p);
        var answer = node.HasRight(p);
        p.Templates = outer;
        return answer;
    }

    protected override void PrintLeft(ItaniumPrinter p)
    {
        var outer = EnterScope(p);
        var (node, whole, rvalueReference) = Collapse(p);
        node.Left(p);
        if (!whole)
        {
            var array = node.IsArray(p);
            if (array)
            {
                p.Append(' ');
            }

            if (array || node.IsFunction(p))
            {
                p.Append('(');
            }

            p.Append(rvalueReference ? "&&" : "&");
        }

        p.Templates = outer;
    }

    protected override void PrintRight(ItaniumPrinter p)
    {
        var outer = EnterScope(p);
        var (node, whole, _) = Collapse(p);
        if (!whole && (node.IsArray(p) || node.IsFunction(p)))
        {
            p.Append(')');
        }

        node.Right(p);
        p.Templates = outer;
    }

    public override ArgumentPackNode? FindPack(ItaniumPrinter p) => Referent.FindPack(p);
}

/// <summary>A qualifier printed after its type: <c> const</c>, <c> volatile</c>, <c> _Complex</c>.</summary>
internal sealed class PostfixQualifierNode(ItaniumNode type, string qualifier) : ItaniumNode
{
    private readonly int _bit = qualifier switch
    {
        " const" => 1,
        " volatile" => 2,
        " restrict" => 4,
        _ => 0,
    };

    public override bool HasRight(ItaniumPrinter p) => type.HasRight(p);

    public override bool IsArray(ItaniumPrinter p) => type.IsArray(p);

    /// <summary>
    /// A qualifier already applied by an enclosing qualifier (<c>T const</c> with <c>T = int const</c>) prints once,
    /// as in c++filt.
    /// </summary>
    protected override void PrintLeft(ItaniumPrinter p)
    {
        if ((p.PendingQualifiers & _bit) != 0)
        {
            type.Left(p);
            return;
        }

        p.PendingQualifiers |= _bit;
        type.Left(p);
        p.Append(qualifier);
    }

    protected override void PrintRight(ItaniumPrinter p) => type.Right(p);

    public override ArgumentPackNode? FindPack(ItaniumPrinter p) => type.FindPack(p);
}

internal sealed class PointerToMemberNode(ItaniumNode classType, ItaniumNode memberType) : ItaniumNode
{
    public override bool HasRight(ItaniumPrinter p) => memberType.HasRight(p);

    protected override void PrintLeft(ItaniumPrinter p)
    {
        memberType.Left(p);
        if (memberType.IsArray(p) || memberType.IsFunction(p))
        {
            p.Append('(');
        }
        else
        {
            p.Append(' ');
        }

        classType.Print(p);
        p.Append("::*");
    }

    protected override void PrintRight(ItaniumPrinter p)
    {
        if (memberType.IsArray(p) || memberType.IsFunction(p))
        {
            p.Append(')');
        }

        memberType.Right(p);
    }

    public override ArgumentPackNode? FindPack(ItaniumPrinter p) => FindPack(p, classType, memberType);
}

internal sealed class ArrayNode(ItaniumNode element, ItaniumNode? dimension) : ItaniumNode
{
    public override bool HasRight(ItaniumPrinter p) => true;

    public override bool IsArray(ItaniumPrinter p) => true;

    protected override void PrintLeft(ItaniumPrinter p) => element.Left(p);

    protected override void PrintRight(ItaniumPrinter p)
    {
        if (p.Last != ']')
        {
            p.Append(' ');
        }

        p.Append('[');
        dimension?.Print(p);
        p.Append(']');
        element.Right(p);
    }

    public override ArgumentPackNode? FindPack(ItaniumPrinter p) => FindPack(p, element, dimension);
}

internal sealed class VectorNode(ItaniumNode element, ItaniumNode dimension) : ItaniumNode
{
    protected override void PrintLeft(ItaniumPrinter p)
    {
        element.Print(p);
        p.Append(" __vector(");
        dimension.Print(p);
        p.Append(')');
    }

    public override ArgumentPackNode? FindPack(ItaniumPrinter p) => FindPack(p, element, dimension);
}

internal sealed class TemplateParamNode(int index) : ItaniumNode
{
    public int Index { get; } = index;

    private ItaniumNode? Resolve(ItaniumPrinter p, out TemplateScope? scope)
    {
        scope = p.Templates;
        var argument = p.Lookup(Index);
        if (argument != null)
        {
            p.Templates = scope!.Outer;
        }

        return argument;
    }

    protected override void PrintLeft(ItaniumPrinter p)
    {
        if (p.InLambdaSignature)
        {
            p.Append("auto:");
            p.Append((Index + 1).ToString(System.Globalization.CultureInfo.InvariantCulture));
            return;
        }

        if (Resolve(p, out var scope) is { } argument)
        {
            argument.Left(p);
            p.Templates = scope;
        }
    }

    protected override void PrintRight(ItaniumPrinter p)
    {
        if (!p.InLambdaSignature && Resolve(p, out var scope) is { } argument)
        {
            argument.Right(p);
            p.Templates = scope;
        }
    }

    private bool Query(ItaniumPrinter p, Func<ItaniumNode, ItaniumPrinter, bool> question)
    {
        if (p.InLambdaSignature || Resolve(p, out var scope) is not { } argument)
        {
            return false;
        }

        var answer = question(argument, p);
        p.Templates = scope;
        return answer;
    }

    public override bool HasRight(ItaniumPrinter p) => Query(p, static (a, q) => a.HasRight(q));

    public override bool IsArray(ItaniumPrinter p) => Query(p, static (a, q) => a.IsArray(q));

    public override bool IsFunction(ItaniumPrinter p) => Query(p, static (a, q) => a.IsFunction(q));

    public override ArgumentPackNode? FindPack(ItaniumPrinter p) => p.Lookup(Index, elementOfPack: false) as ArgumentPackNode;
}

/// <summary><c>Dp</c>: the pattern printed once for each element of the pack it mentions.</summary>
internal sealed class PackExpansionNode(ItaniumNode pattern) : ItaniumNode
{
    protected override void PrintLeft(ItaniumPrinter p)
    {
        var pack = pattern.FindPack(p);
        if (p.Failed)
        {
            return;
        }

        if (pack == null)
        {
            pattern.PrintSubexpression(p);
            p.Append("...");
            return;
        }

        var count = pack.Elements.Count;
        for (var i = 0; i < count && !p.Failed; i++)
        {
            p.PackIndex = i;
            pattern.Print(p);
            if (i < count - 1)
            {
                p.Append(", ");
            }
        }
    }
}

internal sealed class PrefixNode(string prefix, ItaniumNode child) : ItaniumNode
{
    protected override void PrintLeft(ItaniumPrinter p)
    {
        p.Append(prefix);
        child.Print(p);
    }
}

internal sealed class ConstructionVtableNode(ItaniumNode derived, ItaniumNode baseType) : ItaniumNode
{
    protected override void PrintLeft(ItaniumPrinter p)
    {
        p.Append("construction vtable for ");
        baseType.Print(p);
        p.Append("-in-");
        derived.Print(p);
    }
}

internal sealed class CloneNode(ItaniumNode encoding, string source, int start, int length) : ItaniumNode
{
    protected override void PrintLeft(ItaniumPrinter p)
    {
        encoding.Print(p);
        p.Append(" [clone ");
        p.Append(source, start, length);
        p.Append(']');
    }
}

internal sealed class DecltypeNode(ItaniumNode expression) : ItaniumNode
{
    protected override void PrintLeft(ItaniumPrinter p)
    {
        p.Append("decltype (");
        expression.Print(p);
        p.Append(')');
    }

    public override ArgumentPackNode? FindPack(ItaniumPrinter p) => expression.FindPack(p);
}

internal sealed class LiteralNode(ItaniumNode type, string value, bool negative) : ItaniumNode
{
    protected override void PrintLeft(ItaniumPrinter p)
    {
        var style = type is BuiltinTypeNode builtin ? builtin.LiteralStyle : LiteralStyle.Cast;
        var suffix = style switch
        {
            LiteralStyle.Int => "",
            LiteralStyle.Unsigned => "u",
            LiteralStyle.Long => "l",
            LiteralStyle.UnsignedLong => "ul",
            LiteralStyle.LongLong => "ll",
            LiteralStyle.UnsignedLongLong => "ull",
            _ => null,
        };
        if (suffix != null)
        {
            if (negative)
            {
                p.Append('-');
            }

            p.Append(value);
            p.Append(suffix);
            return;
        }

        if (style == LiteralStyle.Bool && !negative && value is "0" or "1")
        {
            p.Append(value == "1" ? "true" : "false");
            return;
        }

        p.Append('(');
        type.Print(p);
        p.Append(')');
        if (negative)
        {
            p.Append('-');
        }

        if (style == LiteralStyle.Float)
        {
            p.Append('[');
        }

        p.Append(value);
        if (style == LiteralStyle.Float)
        {
            p.Append(']');
        }
    }
}

internal sealed class FunctionParamNode(int index) : ItaniumNode
{
    public override bool IsSimpleExpression => true;

    protected override void PrintLeft(ItaniumPrinter p)
    {
        if (index == 0)
        {
            p.Append("this");
            return;
        }

        p.Append("{parm#");
        p.Append(index.ToString(System.Globalization.CultureInfo.InvariantCulture));
        p.Append('}');
    }
}

/// <summary>A parenthesised expression list: the arguments of a call or of a functional cast.</summary>
internal sealed class ExpressionListNode(IReadOnlyList<ItaniumNode> expressions) : ItaniumNode
{
    protected override void PrintLeft(ItaniumPrinter p) => p.List(expressions);

    public override ArgumentPackNode? FindPack(ItaniumPrinter p) => FindPack(p, expressions);
}

internal sealed class UnaryExpressionNode(OperatorInfo op, ItaniumNode operand) : ItaniumNode
{
    protected override void PrintLeft(ItaniumPrinter p)
    {
        var printed = operand;
        if (op.Code == "ad" && operand is FunctionEncodingNode { Name: QualifiedNameNode qualified })
        {
            printed = qualified;
        }

        if (op.Code == "sZ")
        {
            var pack = operand.FindPack(p);
            p.Append((pack?.Elements.Count ?? 0).ToString(System.Globalization.CultureInfo.InvariantCulture));
            return;
        }

        p.Append(op.Symbol);
        if (op.Code == "gs")
        {
            printed.Print(p);
        }
        else if (op.Code is "st" or "nx")
        {
            p.Append('(');
            printed.Print(p);
            p.Append(')');
        }
        else
        {
            printed.PrintSubexpression(p);
        }
    }

    public override ArgumentPackNode? FindPack(ItaniumPrinter p) => operand.FindPack(p);
}

internal sealed class CastExpressionNode(ItaniumNode type, ItaniumNode operand) : ItaniumNode
{
    protected override void PrintLeft(ItaniumPrinter p)
    {
        p.Append('(');
        type.Print(p);
        p.Append(')');
        operand.PrintSubexpression(p);
    }

    public override ArgumentPackNode? FindPack(ItaniumPrinter p) => FindPack(p, type, operand);
}

internal sealed class BinaryExpressionNode(OperatorInfo op, ItaniumNode left, ItaniumNode right) : ItaniumNode
{
    protected override void PrintLeft(ItaniumPrinter p)
    {
        if (op.IsNewStyleCast)
        {
            p.Append(op.Symbol);
            p.Append('<');
            left.Print(p);
            p.Append(">(");
            right.Print(p);
            p.Append(')');
            return;
        }

        var greater = op.Symbol == ">";
        if (greater)
        {
            p.Append('(');
        }

        if (op.Code == "cl" && left is FunctionEncodingNode function)
        {
            function.Name.PrintSubexpression(p);
        }
        else
        {
            left.PrintSubexpression(p);
        }

        if (op.Code == "ix")
        {
            p.Append('[');
            right.Print(p);
            p.Append(']');
        }
        else
        {
            if (op.Code != "cl")
            {
                p.Append(op.Symbol);
            }

            right.PrintSubexpression(p);
        }

        if (greater)
        {
            p.Append(')');
        }
    }

    public override ArgumentPackNode? FindPack(ItaniumPrinter p) => FindPack(p, left, right);
}
