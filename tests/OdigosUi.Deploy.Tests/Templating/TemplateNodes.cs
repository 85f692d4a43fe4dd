namespace OdigosUi.Deploy.Tests.Templating;

/// <summary>A parsed piece of a template, with where it came from for error messages.</summary>
public abstract record TemplateNode(string Template, int Line)
{
    public string Where => $"{Template}:{Line}";
}

public sealed record TextNode(string Template, int Line, string Text) : TemplateNode(Template, Line);

/// <summary><c>{{ pipeline }}</c>: prints the value unless the pipeline declares a variable.</summary>
public sealed record ActionNode(string Template, int Line, Pipeline Pipeline) : TemplateNode(Template, Line);

public sealed record IfNode(string Template, int Line, Pipeline Condition, IReadOnlyList<TemplateNode> Then, IReadOnlyList<TemplateNode>? Else) : TemplateNode(Template, Line);

public sealed record WithNode(string Template, int Line, Pipeline Value, IReadOnlyList<TemplateNode> Then, IReadOnlyList<TemplateNode>? Else) : TemplateNode(Template, Line);

public sealed record RangeNode(string Template, int Line, Pipeline Over, IReadOnlyList<TemplateNode> Body, IReadOnlyList<TemplateNode>? Else) : TemplateNode(Template, Line);

/// <summary><c>{{ template "name" pipeline }}</c>.</summary>
public sealed record TemplateCallNode(string Template, int Line, string Name, Pipeline? Data) : TemplateNode(Template, Line);

/// <summary>
/// Commands joined by <c>|</c> (each command's value is the last argument of the next). <see cref="Declared"/> are the
/// variables of <c>$x :=</c> (or <c>$i, $v :=</c> in range); <see cref="IsAssignment"/> for <c>$x = …</c>.
/// </summary>
public sealed record Pipeline(IReadOnlyList<string> Declared, bool IsAssignment, IReadOnlyList<Command> Commands);

/// <summary>A function call (first operand an identifier) or a single operand.</summary>
public sealed record Command(IReadOnlyList<Operand> Operands);

public abstract record Operand;

/// <summary><c>.</c> or <c>.A.B</c>: fields of the current value.</summary>
public sealed record FieldOperand(IReadOnlyList<string> Fields) : Operand;

/// <summary><c>$</c>, <c>$x</c> or <c>$x.A.B</c>.</summary>
public sealed record VariableOperand(string Name, IReadOnlyList<string> Fields) : Operand;

/// <summary>A function name.</summary>
public sealed record IdentifierOperand(string Name) : Operand;

/// <summary>A string, number, <c>true</c>, <c>false</c> or <c>nil</c>.</summary>
public sealed record LiteralOperand(object? Value) : Operand;

/// <summary><c>( pipeline )</c>, optionally followed by fields.</summary>
public sealed record SubPipelineOperand(Pipeline Pipeline, IReadOnlyList<string> Fields) : Operand;
