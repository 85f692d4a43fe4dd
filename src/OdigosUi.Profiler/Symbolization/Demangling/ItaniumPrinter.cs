using System.Text;

namespace OdigosUi.Profiler.Symbolization.Demangling;

/// <summary>The template arguments that <c>T_</c>, <c>T0_</c>… refer to while a templated encoding is printed.</summary>
internal sealed class TemplateScope(IReadOnlyList<ItaniumNode> arguments, TemplateScope? outer)
{
    public IReadOnlyList<ItaniumNode> Arguments { get; } = arguments;

    public TemplateScope? Outer { get; } = outer;
}

/// <summary>
/// Output of a demangled Itanium name. Bounds the output length, the nesting depth and the number of nodes printed
/// (substitutions can make a short name print a huge tree); once a bound is hit it only records the failure.
/// </summary>
internal sealed class ItaniumPrinter
{
    private const int MaxOutput = 4096;
    private const int MaxDepth = 256;
    private const int MaxSteps = 100_000;

    private readonly StringBuilder _text = new(128);
    private int _depth;
    private int _steps;

    public TemplateScope? Templates { get; set; }

    /// <summary>Which element of an argument pack a template parameter stands for (while a pack expansion prints).</summary>
    public int PackIndex { get; set; }

    /// <summary>Inside a lambda's signature template parameters print as <c>auto:N</c>.</summary>
    public bool InLambdaSignature { get; set; }

    public bool Failed { get; private set; }

    private Dictionary<ItaniumNode, TemplateScope?>? _savedScopes;

    /// <summary>The template scope <paramref name="node"/> was first printed in (recorded now if this is the first time).</summary>
    public TemplateScope? SavedScope(ItaniumNode node)
    {
        _savedScopes ??= new Dictionary<ItaniumNode, TemplateScope?>(ReferenceEqualityComparer.Instance);
        if (_savedScopes.TryGetValue(node, out var scope))
        {
            return scope;
        }

        _savedScopes[node] = Templates;
        return Templates;
    }

    /// <summary>Bits of the cv-qualifiers whose type is being printed (const 1, volatile 2, restrict 4).</summary>
    public int PendingQualifiers { get; set; }

    public int Length => _text.Length;

    /// <summary>
    /// The character appended last. Like c++filt this ignores a removed <c>", "</c> (an empty pack), which is why
    /// c++filt prints <c>A&lt;B&lt;C&gt;&gt;</c> without a space when the inner list ends with an empty pack.
    /// </summary>
    public char Last { get; private set; }

    public void Fail() => Failed = true;

    public void Append(string text)
    {
        if (Failed)
        {
            return;
        }

        if (_text.Length + text.Length > MaxOutput)
        {
            Failed = true;
            return;
        }

        _text.Append(text);
        if (text.Length > 0)
        {
            Last = text[^1];
        }
    }

    public void Append(char c)
    {
        if (Failed)
        {
            return;
        }

        if (_text.Length + 1 > MaxOutput)
        {
            Failed = true;
            return;
        }

        _text.Append(c);
        Last = c;
    }

    public void Append(string source, int start, int length)
    {
        if (Failed)
        {
            return;
        }

        if (_text.Length + length > MaxOutput)
        {
            Failed = true;
            return;
        }

        _text.Append(source, start, length);
        if (length > 0)
        {
            Last = source[start + length - 1];
        }
    }

    public void Truncate(int length)
    {
        if (!Failed && length < _text.Length)
        {
            _text.Length = length;
        }
    }

    public bool Enter()
    {
        if (Failed || ++_steps > MaxSteps || _depth >= MaxDepth)
        {
            Failed = true;
            return false;
        }

        _depth++;
        return true;
    }

    public void Leave() => _depth--;

    /// <summary>
    /// The argument a template parameter names in the current scope (an argument pack gives its element at
    /// <see cref="PackIndex"/>), or null after recording a failure.
    /// </summary>
    public ItaniumNode? Lookup(int index, bool elementOfPack = true)
    {
        if (Templates is not { } scope || index >= scope.Arguments.Count)
        {
            Failed = true;
            return null;
        }

        var argument = scope.Arguments[index];
        if (elementOfPack && argument is ArgumentPackNode pack)
        {
            if (PackIndex >= pack.Elements.Count)
            {
                Failed = true;
                return null;
            }

            return pack.Elements[PackIndex];
        }

        return argument;
    }

    /// <summary>Prints a comma separated list; an element that prints nothing (an empty pack) drops its comma.</summary>
    public void List(IReadOnlyList<ItaniumNode> nodes)
    {
        if (nodes.Count == 0)
        {
            return;
        }

        nodes[0].Print(this);
        var end = Length;
        for (var i = 1; i < nodes.Count && !Failed; i++)
        {
            Append(", ");
            var before = Length;
            nodes[i].Print(this);
            if (Length != before)
            {
                end = Length;
            }
        }

        Truncate(end);
    }

    public override string ToString() => _text.ToString();
}
