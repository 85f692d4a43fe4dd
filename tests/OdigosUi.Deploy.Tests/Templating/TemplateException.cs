namespace OdigosUi.Deploy.Tests.Templating;

/// <summary>A template that does not parse or fails while rendering; the message names the template and line.</summary>
public sealed class TemplateException(string message) : Exception(message)
{
    /// <summary>The rendering that already prefixed its place; each include level adds one more.</summary>
    internal object? LocatedBy { get; init; }
}
