using System.Text.Json;
using System.Text.Json.Nodes;
using OdigosUi.Resources.Serialization;

namespace OdigosUi.Resources.Catalog;

/// <summary>
/// The Destination types, read from YAML definitions (one file per type) embedded in this assembly under
/// <c>Catalog/Data/</c>. Immutable; ordered by display name.
/// </summary>
public sealed class DestinationCatalog
{
    private const string ResourcePrefix = "OdigosUi.Resources.Catalog.";

    private readonly Dictionary<string, DestinationTypeDefinition> _byType;

    private DestinationCatalog(IEnumerable<DestinationTypeDefinition> types)
    {
        _byType = new Dictionary<string, DestinationTypeDefinition>(StringComparer.Ordinal);
        foreach (var type in types)
        {
            if (!_byType.TryAdd(type.Type, type))
            {
                throw new InvalidDataException($"Destination type '{type.Type}' is defined twice.");
            }
        }

        Types = [.. _byType.Values.OrderBy(t => t.DisplayName, StringComparer.OrdinalIgnoreCase).ThenBy(t => t.Type, StringComparer.Ordinal)];
    }

    public IReadOnlyList<DestinationTypeDefinition> Types { get; }

    /// <summary>The definition of a type (ordinal, as in <c>spec.type</c>), or null.</summary>
    public DestinationTypeDefinition? Find(string? type) => type is not null && _byType.TryGetValue(type, out var definition) ? definition : null;

    /// <summary>The catalog embedded in this assembly.</summary>
    public static DestinationCatalog LoadEmbedded()
    {
        var assembly = typeof(DestinationCatalog).Assembly;
        var definitions = new List<DestinationTypeDefinition>();
        foreach (string resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal) && n.EndsWith(".yaml", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream);
            definitions.Add(Parse(reader.ReadToEnd(), resource));
        }

        return new DestinationCatalog(definitions);
    }

    /// <summary>A catalog from YAML texts (tests, extra definitions).</summary>
    public static DestinationCatalog FromYaml(IEnumerable<string> yamlDocuments) =>
        new(yamlDocuments.Select((yaml, i) => Parse(yaml, $"definition #{i + 1}")));

    /// <summary>Parses and checks one definition.</summary>
    /// <exception cref="InvalidDataException">Not a valid definition.</exception>
    public static DestinationTypeDefinition Parse(string yaml, string origin = "definition")
    {
        DestinationTypeDefinition? definition;
        try
        {
            JsonNode? node = YamlJson.FromYaml(yaml);
            definition = node?.Deserialize<DestinationTypeDefinition>(ResourceJson.Options);
        }
        catch (Exception ex) when (ex is JsonException or YamlDotNet.Core.YamlException)
        {
            throw new InvalidDataException($"{origin}: {ex.Message}", ex);
        }

        if (definition is null || string.IsNullOrWhiteSpace(definition.Type))
        {
            throw new InvalidDataException($"{origin}: metadata.type is required.");
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var field in definition.Spec.Fields)
        {
            if (string.IsNullOrWhiteSpace(field.Name) || !names.Add(field.Name))
            {
                throw new InvalidDataException($"{origin}: field names must be present and unique ('{field.Name}').");
            }

            if (!ComponentTypes.All.Contains(field.ComponentType))
            {
                throw new InvalidDataException($"{origin}: field {field.Name} has unknown componentType '{field.ComponentType}'.");
            }

            if (field.ComponentType == ComponentTypes.Dropdown && field.ComponentProps.Values is not { Count: > 0 })
            {
                throw new InvalidDataException($"{origin}: dropdown {field.Name} has no values.");
            }

            if (field.RenderCondition is { } condition && (condition.Count != 3 || condition[1] is not ("==" or "!=")))
            {
                throw new InvalidDataException($"{origin}: field {field.Name} has a renderCondition that is not [FIELD, \"==\" or \"!=\", VALUE].");
            }
        }

        return definition;
    }
}
