namespace OdigosUi.Deploy.Tests.Templating;

/// <summary>A template that does not parse or fails while rendering; the message names the template and line.</summary>
public sealed class TemplateException(string message) : Exception(message);
