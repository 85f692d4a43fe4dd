namespace OdigosUi.Cli;

/// <summary>An expected failure of a CLI command: reported as one <c>odigos-ui: reason</c> line and an exit code.</summary>
internal sealed class CliFailure(int exitCode, string reason) : Exception(reason)
{
    public int ExitCode { get; } = exitCode;

    public static string Format(string reason) => "odigos-ui: " + reason.ReplaceLineEndings(" ").Trim();
}
