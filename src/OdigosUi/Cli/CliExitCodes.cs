namespace OdigosUi.Cli;

/// <summary>Exit codes of <c>odigos-ui profiles ...</c>.</summary>
internal static class CliExitCodes
{
    public const int Success = 0;

    /// <summary>The input could not be read or converted, or the output could not be written.</summary>
    public const int InputError = 1;

    /// <summary>The command line is wrong: unknown command or option, missing argument, bad option value.</summary>
    public const int UsageError = 2;
}
