using System.Text.Json;
using System.Text.Json.Serialization;
using OdigosUi.Resources.Catalog;
using OdigosUi.Resources.Model;

namespace OdigosUi.Resources.Destinations;

/// <summary>
/// The body of <c>POST /api/destinations</c> and <c>PUT /api/destinations/{id}</c>:
/// <c>{"type": "pyroscope", "name": "…", "signals": ["PROFILES"], "fields": {"PYROSCOPE_URL": "host:port"}, "disabled": false}</c>.
/// </summary>
public sealed class DestinationRequest
{
    /// <summary>The catalog type. On update it may be left out (the stored type) but not changed.</summary>
    [JsonPropertyName("type")]
    public string? Type { get; set; }

    /// <summary>The display name; the type's display name when empty.</summary>
    [JsonPropertyName("name")]
    public string? Name { get; set; }

    /// <summary>TRACES, METRICS, LOGS, PROFILES (case-insensitive); at least one, each supported by the type.</summary>
    [JsonPropertyName("signals")]
    public List<string>? Signals { get; set; }

    /// <summary>
    /// Field values by catalog field name, as strings (a JSON number or boolean is taken as its text; an array or
    /// object as its JSON text). A secret field left out of an update keeps its stored value; an empty string clears it.
    /// </summary>
    [JsonPropertyName("fields")]
    [JsonConverter(typeof(FieldValuesConverter))]
    public Dictionary<string, string?>? Fields { get; set; }

    /// <summary>False when left out on create; the stored value when left out on update.</summary>
    [JsonPropertyName("disabled")]
    public bool? Disabled { get; set; }

    /// <summary>Optional on update: the resourceVersion the client last saw; a different stored one answers 409.</summary>
    [JsonPropertyName("resourceVersion")]
    public string? ResourceVersion { get; set; }
}

/// <summary>A Destination as the API returns it. Never carries secret values: only the names of the secret fields set.</summary>
public sealed class DestinationDto
{
    /// <summary>The resource name (<c>odigos.io.dest.pyroscope-x7k2p</c>).</summary>
    [JsonPropertyName("id")]
    public string Id { get; set; } = "";

    [JsonPropertyName("type")]
    public string Type { get; set; } = "";

    [JsonPropertyName("name")]
    public string Name { get; set; } = "";

    [JsonPropertyName("signals")]
    public List<string> Signals { get; set; } = [];

    /// <summary>The non-secret field values.</summary>
    [JsonPropertyName("fields")]
    public Dictionary<string, string> Fields { get; set; } = [];

    /// <summary>The names of the secret fields that have a stored value.</summary>
    [JsonPropertyName("secretFields")]
    public List<string> SecretFields { get; set; } = [];

    [JsonPropertyName("disabled")]
    public bool Disabled { get; set; }

    /// <summary><c>status.conditions</c> (e.g. <c>DestinationConfigured</c>).</summary>
    [JsonPropertyName("conditions")]
    public List<Condition> Conditions { get; set; } = [];

    /// <summary>For optimistic concurrency: send it back in an update to get 409 if someone else changed it.</summary>
    [JsonPropertyName("resourceVersion")]
    public string ResourceVersion { get; set; } = "";

    [JsonPropertyName("createdAt")]
    public DateTimeOffset? CreatedAt { get; set; }
}

/// <summary>A catalog entry as <c>GET /api/destination-types</c> returns it (flattened, without the YAML envelope).</summary>
public sealed class DestinationTypeDto
{
    [JsonPropertyName("type")]
    public string Type { get; set; } = "";

    [JsonPropertyName("displayName")]
    public string DisplayName { get; set; } = "";

    /// <summary><c>managed</c> or <c>self hosted</c>.</summary>
    [JsonPropertyName("category")]
    public string Category { get; set; } = "";

    [JsonPropertyName("image")]
    public string? Image { get; set; }

    /// <summary>The supported signals, e.g. <c>["PROFILES"]</c>.</summary>
    [JsonPropertyName("signals")]
    public List<string> Signals { get; set; } = [];

    [JsonPropertyName("testConnectionSupported")]
    public bool TestConnectionSupported { get; set; }

    [JsonPropertyName("fields")]
    public List<DestinationField> Fields { get; set; } = [];

    internal static DestinationTypeDto From(DestinationTypeDefinition definition) => new()
    {
        Type = definition.Type,
        DisplayName = definition.DisplayName,
        Category = definition.Metadata.Category,
        Image = definition.Spec.Image,
        Signals = [.. definition.SupportedSignals],
        TestConnectionSupported = definition.Spec.TestConnectionSupported,
        Fields = definition.Spec.Fields,
    };
}

/// <summary>
/// A Destination ready for an exporter: every field value, secrets included. <see cref="ConfigVersion"/> changes
/// whenever the spec or the Secret changes (not on status updates), so a consumer rebuilds only when it differs.
/// </summary>
public sealed record ResolvedDestination(
    string Id,
    string Type,
    string Name,
    IReadOnlyDictionary<string, string> Fields,
    IReadOnlyList<string> Signals,
    bool Disabled,
    string ConfigVersion)
{
    public bool Exports(string signal) => !Disabled && Signals.Contains(signal);

    /// <summary>Never shows field values (they include secrets).</summary>
    public override string ToString() => $"{Type} destination {Id} ({Name})";
}

/// <summary>The request is not valid; <see cref="Errors"/> holds messages by field (<c>type</c>, <c>signals</c>, <c>fields.PYROSCOPE_URL</c>, ...).</summary>
public sealed class DestinationValidationException : Exception
{
    public DestinationValidationException(IReadOnlyDictionary<string, string[]> errors)
        : base("The destination is not valid: " + string.Join(", ", errors.Keys))
    {
        Errors = errors;
    }

    public IReadOnlyDictionary<string, string[]> Errors { get; }
}

/// <summary>Reads a string map whose values may be strings, numbers, booleans, null, or (as JSON text) arrays and objects.</summary>
internal sealed class FieldValuesConverter : JsonConverter<Dictionary<string, string?>>
{
    public override Dictionary<string, string?>? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("\"fields\" must be a JSON object of field names to values.");
        }

        var result = new Dictionary<string, string?>(StringComparer.Ordinal);
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            string key = reader.GetString()!;
            reader.Read();
            result[key] = reader.TokenType switch
            {
                JsonTokenType.String => reader.GetString(),
                JsonTokenType.Null => null,
                JsonTokenType.True => "true",
                JsonTokenType.False => "false",
                _ => JsonElement.ParseValue(ref reader).GetRawText(),
            };
        }

        return result;
    }

    public override void Write(Utf8JsonWriter writer, Dictionary<string, string?> value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        foreach (var (key, item) in value)
        {
            writer.WriteString(key, item);
        }

        writer.WriteEndObject();
    }
}
