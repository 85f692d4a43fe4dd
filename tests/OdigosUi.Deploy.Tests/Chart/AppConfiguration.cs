using System.Reflection;
using OdigosUi.Hosting;
using OdigosUi.Pipeline.Slots;
using OdigosUi.Resources;

namespace OdigosUi.Deploy.Tests.Chart;

/// <summary>
/// The configuration keys the app reads, found by reflection in its assemblies: every settable property of an
/// <c>…Options</c> / <c>…Settings</c> type under its <c>SectionName</c>, and every <c>…Key</c> constant of those types
/// (keys read directly, like <c>Collector:GatewayUrl</c> and <c>Kubernetes:Mode</c>). A new option type or property is
/// picked up without touching this list.
/// </summary>
public static class AppConfiguration
{
    private static readonly Assembly[] Assemblies =
    [
        typeof(OdigosUiHost).Assembly,
        typeof(SlotOptions).Assembly,
        typeof(ResourceOptions).Assembly,
    ];

    public static IReadOnlySet<string> Keys { get; } = Discover();

    /// <summary>Whether <paramref name="key"/> (<c>A:B</c>) is read by the app; keys are case-insensitive as in .NET configuration.</summary>
    public static bool IsKnown(string key) =>
        Keys.Contains(key) || key.StartsWith("Logging:LogLevel:", StringComparison.OrdinalIgnoreCase);

    /// <summary>The configuration key of an environment variable (<c>A__B</c> is <c>A:B</c>).</summary>
    public static string FromEnvironmentName(string name) => name.Replace("__", ":", StringComparison.Ordinal);

    /// <summary>The port of a URL default such as <c>http://127.0.0.1:3000</c>.</summary>
    public static int PortOf(string url) => new Uri(url.Replace("*", "localhost", StringComparison.Ordinal)).Port;

    private static HashSet<string> Discover()
    {
        var keys = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var type in Assemblies.SelectMany(a => a.GetTypes()))
        {
            if (!type.IsClass || !(type.Name.EndsWith("Options", StringComparison.Ordinal) || type.Name.EndsWith("Settings", StringComparison.Ordinal)))
            {
                continue;
            }

            var constants = type.GetFields(BindingFlags.Public | BindingFlags.Static)
                .Where(f => f.IsLiteral && f.FieldType == typeof(string))
                .ToDictionary(f => f.Name, f => (string)f.GetRawConstantValue()!);
            foreach (var (name, value) in constants)
            {
                if (name.EndsWith("Key", StringComparison.Ordinal))
                {
                    keys.Add(value);
                }
            }

            if (constants.TryGetValue("SectionName", out var section))
            {
                foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
                {
                    if (property.SetMethod is { IsPublic: true })
                    {
                        keys.Add($"{section}:{property.Name}");
                    }
                }
            }
        }

        return keys;
    }
}
