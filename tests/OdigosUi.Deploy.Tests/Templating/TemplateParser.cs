using System.Globalization;
using System.Text;

namespace OdigosUi.Deploy.Tests.Templating;

/// <summary>A parsed template file: its top-level nodes and the named templates it defines.</summary>
public sealed record ParsedTemplate(string Name, IReadOnlyList<TemplateNode> Nodes, IReadOnlyDictionary<string, IReadOnlyList<TemplateNode>> Defines);

/// <summary>
/// Parses the subset of Go's text/template that Helm charts use: text, actions with <c>{{-</c> / <c>-}}</c> trimming,
/// comments, <c>if / else if / else</c>, <c>with / else</c>, <c>range</c> (with <c>$i, $v :=</c>), <c>define</c>,
/// <c>template</c>, variables (<c>$x := …</c>, <c>$x = …</c>), pipelines and parenthesized sub-pipelines. Anything
/// else (<c>block</c>, <c>break</c>, <c>continue</c>, method calls) is refused with an error, never skipped.
/// </summary>
public static class TemplateParser
{
    private static readonly HashSet<string> Keywords = ["if", "else", "end", "range", "with", "define", "template", "block", "break", "continue"];

    public static ParsedTemplate Parse(string name, string text)
    {
        var items = Scan(name, text);
        var defines = new Dictionary<string, IReadOnlyList<TemplateNode>>(StringComparer.Ordinal);
        var reader = new ItemReader(name, items, defines);
        var (nodes, terminator) = reader.ParseList(topLevel: true);
        if (terminator is not null)
        {
            throw new TemplateException($"{name}:{terminator.Line}: unexpected {{{{{terminator.Keyword}}}}}");
        }

        return new ParsedTemplate(name, nodes, defines);
    }

    // ---- scanning: text and action items ----------------------------------------------------------------------

    private abstract record Item(int Line);

    private sealed record TextItem(int Line, string Text) : Item(Line);

    private sealed record ActionItem(int Line, IReadOnlyList<Token> Tokens) : Item(Line);

    private static List<Item> Scan(string name, string text)
    {
        var items = new List<Item>();
        int pos = 0;
        bool trimNext = false;
        while (pos <= text.Length)
        {
            int open = text.IndexOf("{{", pos, StringComparison.Ordinal);
            string before = open < 0 ? text[pos..] : text[pos..open];
            if (trimNext)
            {
                before = before.TrimStart(' ', '\t', '\r', '\n');
            }

            if (open < 0)
            {
                AddText(items, LineAt(text, pos), before);
                break;
            }

            int start = open + 2;
            if (start + 1 < text.Length && text[start] == '-' && IsSpace(text[start + 1]))
            {
                before = before.TrimEnd(' ', '\t', '\r', '\n');
                start++;
            }

            AddText(items, LineAt(text, pos), before);
            int line = LineAt(text, open);
            int close = FindClose(name, text, start, line);
            int end = close;
            trimNext = false;
            if (end - 2 >= start && text[end - 1] == '-' && IsSpace(text[end - 2]))
            {
                trimNext = true;
                end--;
            }

            string content = text[start..end].Trim();
            if (!(content.StartsWith("/*", StringComparison.Ordinal) && content.EndsWith("*/", StringComparison.Ordinal)))
            {
                items.Add(new ActionItem(line, Tokenize(name, line, content)));
            }

            pos = close + 2;
        }

        return items;

        static void AddText(List<Item> items, int line, string text)
        {
            if (text.Length > 0)
            {
                items.Add(new TextItem(line, text));
            }
        }
    }

    private static bool IsSpace(char c) => c is ' ' or '\t' or '\r' or '\n';

    private static int LineAt(string text, int offset)
    {
        int line = 1;
        for (int i = 0; i < offset && i < text.Length; i++)
        {
            if (text[i] == '\n')
            {
                line++;
            }
        }

        return line;
    }

    /// <summary>The index of the <c>}}</c> closing an action, skipping quoted strings and comments.</summary>
    private static int FindClose(string name, string text, int start, int line)
    {
        int i = start;
        while (i < text.Length && IsSpace(text[i]))
        {
            i++;
        }

        if (string.CompareOrdinal(text, i, "/*", 0, 2) == 0)
        {
            int endComment = text.IndexOf("*/", i + 2, StringComparison.Ordinal);
            if (endComment < 0)
            {
                throw new TemplateException($"{name}:{line}: unclosed comment");
            }

            int close = text.IndexOf("}}", endComment + 2, StringComparison.Ordinal);
            return close >= 0 ? close : throw new TemplateException($"{name}:{line}: unclosed action");
        }

        while (i < text.Length)
        {
            char c = text[i];
            if (c is '"' or '`' or '\'')
            {
                i = SkipQuoted(name, text, i, line);
                continue;
            }

            if (c == '}' && i + 1 < text.Length && text[i + 1] == '}')
            {
                return i;
            }

            i++;
        }

        throw new TemplateException($"{name}:{line}: unclosed action");
    }

    private static int SkipQuoted(string name, string text, int i, int line)
    {
        char quote = text[i++];
        while (i < text.Length && text[i] != quote)
        {
            if (quote != '`' && text[i] == '\\')
            {
                i++;
            }

            if (quote != '`' && text[i] == '\n')
            {
                throw new TemplateException($"{name}:{line}: unterminated quoted string");
            }

            i++;
        }

        return i < text.Length ? i + 1 : throw new TemplateException($"{name}:{line}: unterminated quoted string");
    }

    // ---- tokens -----------------------------------------------------------------------------------------------

    private enum TokenKind
    {
        Identifier,
        Field,
        Variable,
        Literal,
        LeftParen,
        RightParen,
        Pipe,
        Declare,
        Assign,
        Comma,
    }

    /// <summary>A token; <see cref="Text"/> is the identifier, field chain (<c>.A.B</c>) or variable (<c>$x.A</c>).</summary>
    private sealed record Token(TokenKind Kind, string Text, object? Value, int Start, int End);

    private static List<Token> Tokenize(string name, int line, string content)
    {
        var tokens = new List<Token>();
        int i = 0;
        while (i < content.Length)
        {
            char c = content[i];
            if (IsSpace(c))
            {
                i++;
                continue;
            }

            int start = i;
            switch (c)
            {
                case '(':
                    tokens.Add(new Token(TokenKind.LeftParen, "(", null, start, ++i));
                    continue;
                case ')':
                    tokens.Add(new Token(TokenKind.RightParen, ")", null, start, ++i));
                    continue;
                case '|':
                    tokens.Add(new Token(TokenKind.Pipe, "|", null, start, ++i));
                    continue;
                case ',':
                    tokens.Add(new Token(TokenKind.Comma, ",", null, start, ++i));
                    continue;
                case ':' when i + 1 < content.Length && content[i + 1] == '=':
                    i += 2;
                    tokens.Add(new Token(TokenKind.Declare, ":=", null, start, i));
                    continue;
                case '=':
                    tokens.Add(new Token(TokenKind.Assign, "=", null, start, ++i));
                    continue;
                case '"':
                    i = SkipQuoted(name, content, i, line);
                    tokens.Add(new Token(TokenKind.Literal, content[start..i], Unquote(name, line, content[start..i]), start, i));
                    continue;
                case '`':
                    i = SkipQuoted(name, content, i, line);
                    tokens.Add(new Token(TokenKind.Literal, content[start..i], content[(start + 1)..(i - 1)], start, i));
                    continue;
                case '.':
                    i = ScanFieldChain(content, i);
                    tokens.Add(new Token(TokenKind.Field, content[start..i], null, start, i));
                    continue;
                case '$':
                    i++;
                    while (i < content.Length && IsIdentifierChar(content[i]))
                    {
                        i++;
                    }

                    if (i < content.Length && content[i] == '.' && i + 1 < content.Length && IsIdentifierStart(content[i + 1]))
                    {
                        i = ScanFieldChain(content, i);
                    }

                    tokens.Add(new Token(TokenKind.Variable, content[start..i], null, start, i));
                    continue;
            }

            if (char.IsAsciiDigit(c) || ((c is '-' or '+') && i + 1 < content.Length && char.IsAsciiDigit(content[i + 1])))
            {
                i++;
                while (i < content.Length && (char.IsAsciiLetterOrDigit(content[i]) || content[i] is '.' or '_' || ((content[i] is '+' or '-') && content[i - 1] is 'e' or 'E')))
                {
                    i++;
                }

                tokens.Add(new Token(TokenKind.Literal, content[start..i], ParseNumber(name, line, content[start..i]), start, i));
                continue;
            }

            if (IsIdentifierStart(c))
            {
                while (i < content.Length && IsIdentifierChar(content[i]))
                {
                    i++;
                }

                string word = content[start..i];
                tokens.Add(word switch
                {
                    "true" => new Token(TokenKind.Literal, word, true, start, i),
                    "false" => new Token(TokenKind.Literal, word, false, start, i),
                    "nil" => new Token(TokenKind.Literal, word, null, start, i),
                    _ => new Token(TokenKind.Identifier, word, null, start, i),
                });
                continue;
            }

            throw new TemplateException($"{name}:{line}: unexpected '{c}' in action");
        }

        return tokens;
    }

    private static bool IsIdentifierStart(char c) => char.IsAsciiLetter(c) || c == '_';

    private static bool IsIdentifierChar(char c) => char.IsAsciiLetterOrDigit(c) || c == '_';

    /// <summary>Scans <c>.</c> or <c>.A.B…</c> from a dot.</summary>
    private static int ScanFieldChain(string content, int i)
    {
        i++; // the dot
        while (i < content.Length && IsIdentifierStart(content[i]))
        {
            while (i < content.Length && IsIdentifierChar(content[i]))
            {
                i++;
            }

            if (i + 1 < content.Length && content[i] == '.' && IsIdentifierStart(content[i + 1]))
            {
                i++;
                continue;
            }

            break;
        }

        return i;
    }

    private static object ParseNumber(string name, int line, string text)
    {
        string body = text.TrimStart('+');
        if (body.StartsWith("0x", StringComparison.OrdinalIgnoreCase) || body.StartsWith("-0x", StringComparison.OrdinalIgnoreCase))
        {
            bool negative = body.StartsWith('-');
            long hex = long.Parse(body[(negative ? 3 : 2)..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
            return negative ? -hex : hex;
        }

        if (long.TryParse(body, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long integer))
        {
            return integer;
        }

        if (double.TryParse(body, NumberStyles.Float, CultureInfo.InvariantCulture, out double real))
        {
            return real;
        }

        throw new TemplateException($"{name}:{line}: bad number syntax: {text}");
    }

    private static string Unquote(string name, int line, string quoted)
    {
        var builder = new StringBuilder();
        for (int i = 1; i < quoted.Length - 1; i++)
        {
            char c = quoted[i];
            if (c != '\\')
            {
                builder.Append(c);
                continue;
            }

            c = quoted[++i];
            switch (c)
            {
                case 'n': builder.Append('\n'); break;
                case 't': builder.Append('\t'); break;
                case 'r': builder.Append('\r'); break;
                case '\\': builder.Append('\\'); break;
                case '"': builder.Append('"'); break;
                case '\'': builder.Append('\''); break;
                case 'x':
                    builder.Append((char)Convert.ToInt32(quoted.Substring(i + 1, 2), 16));
                    i += 2;
                    break;
                case 'u':
                    builder.Append((char)Convert.ToInt32(quoted.Substring(i + 1, 4), 16));
                    i += 4;
                    break;
                default:
                    throw new TemplateException($"{name}:{line}: unknown escape \\{c} in {quoted}");
            }
        }

        return builder.ToString();
    }

    // ---- parsing ----------------------------------------------------------------------------------------------

    private sealed record Terminator(string Keyword, int Line, IReadOnlyList<Token> Rest);

    private sealed class ItemReader(string name, List<Item> items, Dictionary<string, IReadOnlyList<TemplateNode>> defines)
    {
        private int _next;

        /// <summary>Nodes up to an <c>else</c> or <c>end</c> (returned as the terminator) or the end of the file (null).</summary>
        public (List<TemplateNode> Nodes, Terminator? Terminator) ParseList(bool topLevel = false)
        {
            var nodes = new List<TemplateNode>();
            while (_next < items.Count)
            {
                var item = items[_next++];
                if (item is TextItem text)
                {
                    nodes.Add(new TextNode(name, text.Line, text.Text));
                    continue;
                }

                var action = (ActionItem)item;
                var tokens = action.Tokens;
                if (tokens.Count == 0)
                {
                    throw new TemplateException($"{name}:{action.Line}: missing value for command");
                }

                string? keyword = tokens[0].Kind == TokenKind.Identifier && Keywords.Contains(tokens[0].Text) ? tokens[0].Text : null;
                var rest = tokens.Skip(1).ToList();
                switch (keyword)
                {
                    case null:
                        nodes.Add(new ActionNode(name, action.Line, ParsePipeline(action.Line, [.. tokens], allowDeclaration: true)));
                        break;
                    case "end":
                    case "else":
                        return (nodes, new Terminator(keyword, action.Line, rest));
                    case "if":
                        nodes.Add(ParseIf(action.Line, rest));
                        break;
                    case "with":
                        {
                            var value = ParsePipeline(action.Line, rest, allowDeclaration: true);
                            var (then, otherwise) = ParseBranches(action.Line, "with");
                            nodes.Add(new WithNode(name, action.Line, value, then, otherwise));
                            break;
                        }

                    case "range":
                        {
                            var over = ParsePipeline(action.Line, rest, allowDeclaration: true, allowTwoVariables: true);
                            var (body, otherwise) = ParseBranches(action.Line, "range");
                            nodes.Add(new RangeNode(name, action.Line, over, body, otherwise));
                            break;
                        }

                    case "define":
                        {
                            if (!topLevel)
                            {
                                throw new TemplateException($"{name}:{action.Line}: define is only allowed at the top level");
                            }

                            string defined = rest is [{ Kind: TokenKind.Literal, Value: string s }] ? s : throw new TemplateException($"{name}:{action.Line}: define needs one quoted name");
                            var (body, terminator) = ParseList();
                            if (terminator?.Keyword != "end")
                            {
                                throw new TemplateException($"{name}:{action.Line}: define \"{defined}\" has no {{{{end}}}}");
                            }

                            defines[defined] = body;
                            break;
                        }

                    case "template":
                        {
                            string called = rest is [{ Kind: TokenKind.Literal, Value: string s }, ..] ? s : throw new TemplateException($"{name}:{action.Line}: template needs a quoted name");
                            var data = rest.Count > 1 ? ParsePipeline(action.Line, rest.Skip(1).ToList(), allowDeclaration: false) : null;
                            nodes.Add(new TemplateCallNode(name, action.Line, called, data));
                            break;
                        }

                    default:
                        throw new TemplateException($"{name}:{action.Line}: {{{{{keyword}}}}} is outside the supported subset (see deploy/helm/odigos-ui/README.md)");
                }
            }

            return (nodes, null);
        }

        private IfNode ParseIf(int line, List<Token> condition)
        {
            var pipeline = ParsePipeline(line, condition, allowDeclaration: true);
            var (then, terminator) = ParseList();
            switch (terminator)
            {
                case { Keyword: "end" }:
                    return new IfNode(name, line, pipeline, then, null);
                case { Keyword: "else", Rest: [{ Kind: TokenKind.Identifier, Text: "if" }, ..] }:
                    // else if: the nested if consumes the shared {{end}}.
                    var nested = ParseIf(terminator.Line, terminator.Rest.Skip(1).ToList());
                    return new IfNode(name, line, pipeline, then, [nested]);
                case { Keyword: "else", Rest.Count: 0 }:
                    var (otherwise, end) = ParseList();
                    return end?.Keyword == "end" ? new IfNode(name, line, pipeline, then, otherwise) : throw Unclosed(line, "if");
                default:
                    throw Unclosed(line, "if");
            }
        }

        private (List<TemplateNode> Then, List<TemplateNode>? Else) ParseBranches(int line, string keyword)
        {
            var (then, terminator) = ParseList();
            if (terminator is { Keyword: "end" })
            {
                return (then, null);
            }

            if (terminator is { Keyword: "else", Rest.Count: 0 })
            {
                var (otherwise, end) = ParseList();
                return end?.Keyword == "end" ? (then, otherwise) : throw Unclosed(line, keyword);
            }

            throw Unclosed(line, keyword);
        }

        private TemplateException Unclosed(int line, string keyword) => new($"{name}:{line}: {{{{{keyword}}}}} without a matching {{{{end}}}} (or an unsupported else form)");

        private Pipeline ParsePipeline(int line, List<Token> tokens, bool allowDeclaration, bool allowTwoVariables = false)
        {
            var declared = new List<string>();
            bool assignment = false;
            if (allowDeclaration && tokens is [{ Kind: TokenKind.Variable } v, { Kind: TokenKind.Declare or TokenKind.Assign } op, ..] && !v.Text.Contains('.'))
            {
                declared.Add(v.Text);
                assignment = op.Kind == TokenKind.Assign;
                tokens = tokens.Skip(2).ToList();
            }
            else if (allowTwoVariables && tokens is [{ Kind: TokenKind.Variable } k, { Kind: TokenKind.Comma }, { Kind: TokenKind.Variable } e, { Kind: TokenKind.Declare }, ..])
            {
                declared.Add(k.Text);
                declared.Add(e.Text);
                tokens = tokens.Skip(4).ToList();
            }

            var commands = new List<Command>();
            var current = new List<Token>();
            int depth = 0;
            foreach (var token in tokens)
            {
                depth += token.Kind switch { TokenKind.LeftParen => 1, TokenKind.RightParen => -1, _ => 0 };
                if (depth < 0)
                {
                    throw new TemplateException($"{name}:{line}: unexpected )");
                }

                if (token.Kind == TokenKind.Pipe && depth == 0)
                {
                    commands.Add(ParseCommand(line, current));
                    current = [];
                    continue;
                }

                current.Add(token);
            }

            if (depth != 0)
            {
                throw new TemplateException($"{name}:{line}: unclosed (");
            }

            commands.Add(ParseCommand(line, current));
            return new Pipeline(declared, assignment, commands);
        }

        private Command ParseCommand(int line, List<Token> tokens)
        {
            if (tokens.Count == 0)
            {
                throw new TemplateException($"{name}:{line}: missing command in pipeline");
            }

            var operands = new List<Operand>();
            for (int i = 0; i < tokens.Count; i++)
            {
                var token = tokens[i];
                switch (token.Kind)
                {
                    case TokenKind.Identifier:
                        if (Keywords.Contains(token.Text))
                        {
                            throw new TemplateException($"{name}:{line}: unexpected {token.Text} in command");
                        }

                        operands.Add(new IdentifierOperand(token.Text));
                        break;
                    case TokenKind.Field:
                        operands.Add(new FieldOperand(SplitFields(token.Text)));
                        break;
                    case TokenKind.Variable:
                        {
                            int dot = token.Text.IndexOf('.');
                            string variable = dot < 0 ? token.Text : token.Text[..dot];
                            operands.Add(new VariableOperand(variable, dot < 0 ? [] : SplitFields(token.Text[dot..])));
                            break;
                        }

                    case TokenKind.Literal:
                        operands.Add(new LiteralOperand(token.Value));
                        break;
                    case TokenKind.LeftParen:
                        {
                            int depth = 1, j = i + 1;
                            for (; j < tokens.Count && depth > 0; j++)
                            {
                                depth += tokens[j].Kind switch { TokenKind.LeftParen => 1, TokenKind.RightParen => -1, _ => 0 };
                            }

                            var inner = tokens.GetRange(i + 1, j - i - 2);
                            var pipeline = ParsePipeline(line, inner, allowDeclaration: false);
                            IReadOnlyList<string> fields = [];
                            if (j < tokens.Count && tokens[j].Kind == TokenKind.Field && tokens[j].Start == tokens[j - 1].End)
                            {
                                fields = SplitFields(tokens[j].Text);
                                j++;
                            }

                            operands.Add(new SubPipelineOperand(pipeline, fields));
                            i = j - 1;
                            break;
                        }

                    default:
                        throw new TemplateException($"{name}:{line}: unexpected '{token.Text}' in command");
                }
            }

            return new Command(operands);
        }

        private static List<string> SplitFields(string chain) =>
            chain == "." ? [] : chain.Split('.', StringSplitOptions.RemoveEmptyEntries).ToList();
    }
}
