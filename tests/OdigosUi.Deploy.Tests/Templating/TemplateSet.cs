using System.Text;

namespace OdigosUi.Deploy.Tests.Templating;

/// <summary>
/// Template files sharing their <c>define</c>s (as the files of a Helm chart do), rendered against a data value.
/// Missing map keys evaluate to nil, as in Helm; with <see cref="StrictMissingKeys"/> they are errors (as
/// <c>helm template --strict</c>'s missingkey=error).
/// </summary>
public sealed class TemplateSet
{
    private const int MaxIncludeDepth = 100;
    private readonly Dictionary<string, ParsedTemplate> _files = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IReadOnlyList<TemplateNode>> _defines = new(StringComparer.Ordinal);

    public bool StrictMissingKeys { get; init; }

    public IReadOnlyCollection<string> Files => _files.Keys;

    public void Add(string name, string text)
    {
        var parsed = TemplateParser.Parse(name, text);
        _files[name] = parsed;
        foreach (var (defined, body) in parsed.Defines)
        {
            _defines[defined] = body;
        }
    }

    public string Render(string file, object? data)
    {
        var template = _files.TryGetValue(file, out var found) ? found : throw new TemplateException($"no template file {file}");
        return new Execution(this, data).Run(template.Nodes, data);
    }

    /// <summary>One rendering: the output, the variables in scope and the include depth.</summary>
    internal sealed class Execution(TemplateSet set, object? root)
    {
        private readonly List<(string Name, object? Value)> _variables = [("$", root)];
        private int _depth;

        public string Run(IReadOnlyList<TemplateNode> nodes, object? dot)
        {
            var output = new StringBuilder();
            Walk(nodes, dot, output);
            return output.ToString();
        }

        /// <summary><c>include</c> / <c>template</c>: a named template with its own <c>$</c> and variables.</summary>
        public string Include(string name, object? data)
        {
            if (!set._defines.TryGetValue(name, out var body))
            {
                throw new TemplateException($"no template \"{name}\" associated with the chart");
            }

            if (++_depth > MaxIncludeDepth)
            {
                throw new TemplateException($"include \"{name}\": nested more than {MaxIncludeDepth} deep");
            }

            try
            {
                var inner = new Execution(set, data) { _depth = _depth };
                return inner.Run(body, data);
            }
            finally
            {
                _depth--;
            }
        }

        private void Walk(IReadOnlyList<TemplateNode> nodes, object? dot, StringBuilder output)
        {
            foreach (var node in nodes)
            {
                try
                {
                    WalkOne(node, dot, output);
                }
                catch (TemplateException ex) when (ex.LocatedBy != this)
                {
                    // The innermost node of each include level adds its place: "file.yaml:12: _helpers.tpl:40: error".
                    throw new TemplateException($"{node.Where}: {ex.Message}") { LocatedBy = this };
                }
            }
        }

        private void WalkOne(TemplateNode node, object? dot, StringBuilder output)
        {
            int mark = _variables.Count;
            switch (node)
            {
                case TextNode text:
                    output.Append(text.Text);
                    return;
                case ActionNode action:
                    {
                        object? value = Evaluate(action.Pipeline, dot);
                        if (action.Pipeline.Declared.Count == 0)
                        {
                            output.Append(GoValues.Print(value));
                        }

                        return; // a declaration stays in scope until the end of the enclosing block
                    }

                case IfNode branch:
                    {
                        bool truth = GoValues.IsTrue(Evaluate(branch.Condition, dot));
                        var chosen = truth ? branch.Then : branch.Else;
                        if (chosen is not null)
                        {
                            Walk(chosen, dot, output);
                        }

                        break;
                    }

                case WithNode with:
                    {
                        object? value = Evaluate(with.Value, dot);
                        if (GoValues.IsTrue(value))
                        {
                            Walk(with.Then, value, output);
                        }
                        else if (with.Else is not null)
                        {
                            Walk(with.Else, dot, output);
                        }

                        break;
                    }

                case RangeNode range:
                    WalkRange(range, dot, output);
                    break;
                case TemplateCallNode call:
                    output.Append(Include(call.Name, call.Data is null ? null : Evaluate(call.Data, dot)));
                    break;
                default:
                    throw new TemplateException($"unknown node {node.GetType().Name}");
            }

            _variables.RemoveRange(mark, _variables.Count - mark);
        }

        private void WalkRange(RangeNode range, object? dot, StringBuilder output)
        {
            var over = EvaluateCommands(range.Over.Commands, dot);
            var declared = range.Over.Declared;
            var items = over switch
            {
                null => [],
                IList<object?> list => list.Select((value, index) => ((object?)(long)index, value)).ToList(),
                IDictionary<string, object?> map => map.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => ((object?)p.Key, p.Value)).ToList(),
                _ => throw new TemplateException($"range can't iterate over {GoValues.FormatV(over)} ({GoValues.TypeName(over)})"),
            };

            if (items.Count == 0)
            {
                if (range.Else is not null)
                {
                    Walk(range.Else, dot, output);
                }

                return;
            }

            foreach (var (key, value) in items)
            {
                int mark = _variables.Count;
                if (declared.Count == 1)
                {
                    _variables.Add((declared[0], value));
                }
                else if (declared.Count == 2)
                {
                    _variables.Add((declared[0], key));
                    _variables.Add((declared[1], value));
                }

                Walk(range.Body, value, output);
                _variables.RemoveRange(mark, _variables.Count - mark);
            }
        }

        public object? Evaluate(Pipeline pipeline, object? dot)
        {
            object? value = EvaluateCommands(pipeline.Commands, dot);
            if (pipeline.Declared.Count == 1)
            {
                string name = pipeline.Declared[0];
                if (pipeline.IsAssignment)
                {
                    int index = _variables.FindLastIndex(v => v.Name == name);
                    if (index < 0)
                    {
                        throw new TemplateException($"undefined variable: {name}");
                    }

                    _variables[index] = (name, value);
                }
                else
                {
                    _variables.Add((name, value));
                }
            }

            return value;
        }

        private object? EvaluateCommands(IReadOnlyList<Command> commands, object? dot)
        {
            object? value = null;
            bool piped = false;
            foreach (var command in commands)
            {
                value = EvaluateCommand(command, dot, piped, value);
                piped = true;
            }

            return value;
        }

        private object? EvaluateCommand(Command command, object? dot, bool piped, object? input)
        {
            if (command.Operands[0] is IdentifierOperand function)
            {
                var args = command.Operands.Skip(1).ToList();
                if (function.Name is "and" or "or")
                {
                    return ShortCircuit(function.Name, args, dot, piped, input);
                }

                var values = args.Select(a => EvaluateOperand(a, dot)).ToList();
                if (piped)
                {
                    values.Add(input);
                }

                return TemplateFunctions.Call(this, function.Name, values);
            }

            if (command.Operands.Count > 1 || piped)
            {
                throw new TemplateException($"can't give argument to non-function {Describe(command.Operands[0])}");
            }

            return EvaluateOperand(command.Operands[0], dot);
        }

        /// <summary>Go 1.18+ <c>and</c> / <c>or</c>: arguments evaluated left to right until the result is known.</summary>
        private object? ShortCircuit(string name, List<Operand> args, object? dot, bool piped, object? input)
        {
            int count = args.Count + (piped ? 1 : 0);
            if (count == 0)
            {
                throw new TemplateException($"wrong number of args for {name}: want at least 1 got 0");
            }

            object? value = null;
            for (int i = 0; i < count; i++)
            {
                value = i < args.Count ? EvaluateOperand(args[i], dot) : input;
                bool truth = GoValues.IsTrue(value);
                if ((name == "and" && !truth) || (name == "or" && truth))
                {
                    return value;
                }
            }

            return value;
        }

        private object? EvaluateOperand(Operand operand, object? dot) => operand switch
        {
            FieldOperand field => Fields(dot, field.Fields),
            VariableOperand variable => Fields(Variable(variable.Name), variable.Fields),
            LiteralOperand literal => literal.Value,
            SubPipelineOperand sub => Fields(EvaluateCommands(sub.Pipeline.Commands, dot), sub.Fields),
            IdentifierOperand function => TemplateFunctions.Call(this, function.Name, []),
            _ => throw new TemplateException($"unknown operand {operand}"),
        };

        private object? Variable(string name)
        {
            int index = _variables.FindLastIndex(v => v.Name == name);
            return index >= 0 ? _variables[index].Value : throw new TemplateException($"undefined variable: {name}");
        }

        private object? Fields(object? value, IReadOnlyList<string> fields)
        {
            foreach (string field in fields)
            {
                value = value switch
                {
                    null => throw new TemplateException($"nil pointer evaluating interface {{}}.{field}"),
                    HelmObject obj => obj.TryGetValue(field, out var member) ? member : throw new TemplateException($"can't evaluate field {field} in type {obj.TypeName}"),
                    IDictionary<string, object?> map => map.TryGetValue(field, out var entry)
                        ? entry
                        : set.StrictMissingKeys ? throw new TemplateException($"map has no entry for key \"{field}\"") : null,
                    _ => throw new TemplateException($"can't evaluate field {field} in type {GoValues.TypeName(value)}"),
                };
            }

            return value;
        }

        private static string Describe(Operand operand) => operand switch
        {
            FieldOperand f => "." + string.Join('.', f.Fields),
            VariableOperand v => v.Name + string.Concat(v.Fields.Select(f => "." + f)),
            LiteralOperand l => GoValues.FormatV(l.Value),
            _ => operand.GetType().Name,
        };
    }
}

/// <summary>A Go struct seen by templates (<c>.Release</c>, <c>.Chart</c>): a missing field is an error, not nil.</summary>
public sealed class HelmObject(string typeName) : Dictionary<string, object?>(StringComparer.Ordinal)
{
    public string TypeName { get; } = typeName;
}
