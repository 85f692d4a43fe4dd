using OdigosUi.Profiles.Conversion;

namespace OdigosUi.Cli;

/// <summary>The command-line names of <see cref="OutputFormat"/>.</summary>
internal static class OutputFormatNames
{
    public static IReadOnlyList<string> All { get; } = ["folded", "pprof", "flamebearer", "otlp"];

    public static bool TryParse(string? name, out OutputFormat format)
    {
        switch (name?.Trim().ToLowerInvariant())
        {
            case "folded": format = OutputFormat.Folded; return true;
            case "pprof": format = OutputFormat.Pprof; return true;
            case "flamebearer": format = OutputFormat.Flamebearer; return true;
            case "otlp": format = OutputFormat.Otlp; return true;
            default: format = default; return false;
        }
    }
}
