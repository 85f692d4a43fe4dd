using System.Text.Json;
using OdigosUi.Resources.Catalog;
using OdigosUi.Resources.Destinations;

namespace OdigosUi.Ui;

/// <summary>
/// The state of the Destination form: the chosen type, the values as the user typed them, and the messages the
/// service gave per field. Secret fields start empty; on edit, one left empty keeps its stored value while the
/// connection fields are unchanged, and must be entered again once they change.
/// </summary>
public sealed class DestinationForm
{
    private readonly HashSet<string> _touchedSecrets = new(StringComparer.Ordinal);

    public DestinationForm(DestinationTypeDto type, DestinationDto? existing = null)
    {
        Type = type;
        Existing = existing;
        Name = existing?.Name ?? type.DisplayName;
        Signals = new HashSet<string>(existing?.Signals ?? [.. type.Signals], StringComparer.Ordinal);
        foreach (var field in type.Fields)
        {
            Values[field.Name] = field.Secret ? "" : existing?.Fields.GetValueOrDefault(field.Name) ?? field.InitialValue ?? (field.ComponentType == ComponentTypes.Checkbox ? "false" : "");
        }
    }

    public DestinationTypeDto Type { get; }

    public DestinationDto? Existing { get; }

    public string Name { get; set; }

    public HashSet<string> Signals { get; }

    public Dictionary<string, string> Values { get; } = new(StringComparer.Ordinal);

    /// <summary>Messages by key as the service names them: <c>name</c>, <c>signals</c>, <c>fields.PYROSCOPE_URL</c>.</summary>
    public IReadOnlyDictionary<string, string[]> Errors { get; private set; } = new Dictionary<string, string[]>();

    public string? Error(string key) => Errors.TryGetValue(key, out var messages) ? string.Join(" ", messages) : null;

    public string? FieldError(DestinationField field) => Error($"fields.{field.Name}");

    public bool HasStoredSecret(DestinationField field) => field.Secret && Existing?.SecretFields.Contains(field.Name) == true;

    /// <summary>
    /// A stored secret is only sent where it was entered: once a connection field (any non-secret field) differs from
    /// the stored Destination, a stored secret not typed again must be (the service refuses it otherwise).
    /// </summary>
    public bool MustReenter(DestinationField field) =>
        HasStoredSecret(field) && !_touchedSecrets.Contains(field.Name) && ConnectionChanged;

    /// <summary>A non-secret field differs from the stored Destination.</summary>
    public bool ConnectionChanged => Existing is not null && Type.Fields.Any(f => !f.Secret
        && !string.Equals(Get(f).Trim(), Existing.Fields.GetValueOrDefault(f.Name) ?? f.InitialValue ?? (f.ComponentType == ComponentTypes.Checkbox ? "false" : ""), StringComparison.OrdinalIgnoreCase));

    public void Set(DestinationField field, string? value)
    {
        Values[field.Name] = value ?? "";
        if (field.Secret)
        {
            _touchedSecrets.Add(field.Name);
        }
    }

    public string Get(DestinationField field) => Values.GetValueOrDefault(field.Name) ?? "";

    /// <summary>Whether <paramref name="field"/> is shown: its <c>renderCondition</c> holds for the current values.</summary>
    public bool IsVisible(DestinationField field) => DestinationService.IsRendered(field, Values);

    public DestinationRequest ToRequest()
    {
        var fields = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var field in Type.Fields.Where(IsVisible))
        {
            var value = Get(field);
            if (field.Secret && Existing is not null && !_touchedSecrets.Contains(field.Name))
            {
                continue;
            }

            if (value.Length > 0 || field.Secret)
            {
                fields[field.Name] = value;
            }
        }

        return new DestinationRequest
        {
            Type = Type.Type,
            Name = Name,
            Signals = [.. Type.Signals.Where(Signals.Contains)],
            Fields = fields,
            ResourceVersion = Existing?.ResourceVersion,
        };
    }

    /// <summary>Asks the service for every problem; true when there is none.</summary>
    public bool Validate(DestinationService service)
    {
        Errors = Existing is null ? service.Validate(ToRequest()) : service.Validate(ToRequest(), Existing);
        return Errors.Count == 0;
    }

    public void SetErrors(IReadOnlyDictionary<string, string[]> errors) => Errors = errors;

    /// <summary>The strings of a multiInput value (a JSON array), or none when it is empty or not valid.</summary>
    public static List<string> ParseList(string value)
    {
        try
        {
            return string.IsNullOrWhiteSpace(value) ? [] : JsonSerializer.Deserialize<List<string>>(value) ?? [];
        }
        catch (JsonException)
        {
            return [];
        }
    }

    public static string FormatList(IEnumerable<string> items) => JsonSerializer.Serialize(items.ToList());

    public static List<KeyValueEntry> ParsePairs(string value) =>
        [.. FieldValueRules.ParseKeyValuePairs(value).Select(p => new KeyValueEntry { Key = p.Key, Value = p.Value })];

    public static string FormatPairs(IEnumerable<KeyValueEntry> pairs) =>
        JsonSerializer.Serialize(pairs.Where(p => p.Key.Length > 0 || p.Value.Length > 0).Select(p => new { key = p.Key, value = p.Value }));
}

public sealed class KeyValueEntry
{
    public string Key { get; set; } = "";

    public string Value { get; set; } = "";
}
