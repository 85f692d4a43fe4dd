namespace OdigosUi.Cli;

/// <summary>The standard streams of one CLI run; binary <see cref="Output"/> so converted bytes pass unchanged.</summary>
internal sealed record CliStreams(Stream Input, Stream Output, TextWriter Error)
{
    public static CliStreams FromConsole() =>
        new(Console.OpenStandardInput(), Console.OpenStandardOutput(), Console.Error);
}
