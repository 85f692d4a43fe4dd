using Microsoft.Extensions.Configuration.Memory;

namespace OdigosUi.Hosting;

/// <summary>
/// Configuration defaults added below every other source (appsettings, environment, command line), so any
/// of them overrides these values.
/// </summary>
internal static class OdigosUiDefaults
{
    public static IReadOnlyDictionary<string, string?> Values { get; } = new Dictionary<string, string?>
    {
        // No per-request info logs by default; `--Logging:LogLevel:Microsoft.AspNetCore=Information` brings them back.
        ["Logging:LogLevel:Default"] = "Information",
        ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
    };

    public static void AddOdigosUiDefaults(this IConfigurationBuilder configuration) =>
        configuration.Sources.Insert(0, new MemoryConfigurationSource { InitialData = Values });
}
