using System.Globalization;
using System.Text.Json;
using OdigosUi.Resources.Catalog;

namespace OdigosUi.Resources.Destinations;

/// <summary>
/// Checks field values: by component type (checkbox, dropdown, number, keyValuePairs, multiInput) and, for the
/// endpoint fields of the built-in types, by address shape. Each check returns the normalized value or an error.
/// </summary>
public static class FieldValueRules
{
    public const string CheckboxError = "Must be \"true\" or \"false\".";
    public const string NumberError = "Must be a number.";
    public const string KeyValuePairsError = "Must be a JSON array of {\"key\": \"...\", \"value\": \"...\"} objects with non-empty keys.";
    public const string MultiInputError = "Must be a JSON array of strings.";

    /// <summary>Address rules by field name (the endpoint fields of the built-in catalog).</summary>
    private static readonly Dictionary<string, AddressRule> AddressRules = new(StringComparer.Ordinal)
    {
        ["PYROSCOPE_URL"] = new(PortRequiredWithoutScheme: true, PathAllowed: false, Example: "pyroscope:4040"),
        ["OTLP_GRPC_ENDPOINT"] = new(PortRequiredWithoutScheme: false, PathAllowed: false, Example: "collector:4317"),
        ["OTLP_HTTP_ENDPOINT"] = new(PortRequiredWithoutScheme: false, PathAllowed: true, Example: "http://collector:4318"),
        ["OTLP_HTTP_PROFILES_ENDPOINT"] = new(PortRequiredWithoutScheme: false, PathAllowed: true, Example: "http://collector:4318/v1development/profiles"),
    };

    /// <summary>Checks <paramref name="value"/> (not empty) for <paramref name="field"/>.</summary>
    public static (string? Value, string? Error) Check(DestinationField field, string value)
    {
        switch (field.ComponentType)
        {
            case ComponentTypes.Checkbox:
                return value.Equals("true", StringComparison.OrdinalIgnoreCase) ? ("true", null)
                    : value.Equals("false", StringComparison.OrdinalIgnoreCase) ? ("false", null)
                    : (null, CheckboxError);
            case ComponentTypes.Dropdown:
                var values = field.ComponentProps.Values ?? [];
                string? match = values.FirstOrDefault(v => v == value) ?? values.FirstOrDefault(v => string.Equals(v, value, StringComparison.OrdinalIgnoreCase));
                return match is not null ? (match, null) : (null, $"Must be one of: {string.Join(", ", values)}.");
            case ComponentTypes.KeyValuePairs:
                return CheckKeyValuePairs(value);
            case ComponentTypes.MultiInput:
                return CheckMultiInput(value);
        }

        if (field.ComponentProps.Type == "number")
        {
            return double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double number) && double.IsFinite(number)
                ? (value, null)
                : (null, NumberError);
        }

        if (AddressRules.TryGetValue(field.Name, out var rule))
        {
            return CheckAddress(value, rule) is { } error ? (null, error) : (value, null);
        }

        return (value, null);
    }

    /// <summary>
    /// Pyroscope's address: <c>host:port</c>, or <c>http(s)://host[:port]</c> (the port then defaults to the scheme's);
    /// no path other than <c>/</c>, no query, no credentials; port 1-65535. Null when valid.
    /// </summary>
    public static string? CheckPyroscopeUrl(string value) => CheckAddress(value.Trim(), AddressRules["PYROSCOPE_URL"]);

    private static string? CheckAddress(string value, AddressRule rule)
    {
        if (value.Any(char.IsWhiteSpace))
        {
            return "Must not contain spaces.";
        }

        string rest = value;
        string? scheme = null;
        int schemeEnd = value.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd >= 0)
        {
            scheme = value[..schemeEnd].ToLowerInvariant();
            if (scheme is not ("http" or "https"))
            {
                return $"The scheme must be http:// or https:// (or none), not {value[..(schemeEnd + 3)]}.";
            }

            rest = value[(schemeEnd + 3)..];
            if (rest.Contains("://", StringComparison.Ordinal))
            {
                return "The scheme is given twice.";
            }
        }

        int authorityEnd = rest.IndexOfAny(['/', '?', '#']);
        string authority = authorityEnd < 0 ? rest : rest[..authorityEnd];
        string tail = authorityEnd < 0 ? "" : rest[authorityEnd..];
        if (authority.Contains('@'))
        {
            return "Credentials do not belong in the address.";
        }

        if (tail.Contains('?') || tail.Contains('#'))
        {
            return "Must not have a query or fragment.";
        }

        if (!rule.PathAllowed && tail is not ("" or "/"))
        {
            return $"Must not have a path: give host:port, e.g. {rule.Example}.";
        }

        string host = authority;
        string? port = null;
        if (authority.StartsWith('['))
        {
            int close = authority.IndexOf(']');
            if (close < 0)
            {
                return "The IPv6 address is missing its closing ']'.";
            }

            host = authority[1..close];
            string after = authority[(close + 1)..];
            if (after.Length > 0)
            {
                if (after[0] != ':')
                {
                    return $"Must be host:port, e.g. {rule.Example}.";
                }

                port = after[1..];
            }

            if (Uri.CheckHostName(host) != UriHostNameType.IPv6)
            {
                return $"'{host}' is not a valid IPv6 address.";
            }
        }
        else
        {
            int colon = authority.LastIndexOf(':');
            if (colon >= 0)
            {
                host = authority[..colon];
                port = authority[(colon + 1)..];
            }

            if (host.Length == 0)
            {
                return $"A host is required, e.g. {rule.Example}.";
            }

            if (host.Contains(':') || Uri.CheckHostName(host) == UriHostNameType.Unknown)
            {
                return $"'{host}' is not a valid host name or IP address.";
            }
        }

        if (port is null)
        {
            return rule.PortRequiredWithoutScheme && scheme is null ? $"A port is required: host:port, e.g. {rule.Example}." : null;
        }

        if (port.Length == 0 || !port.All(char.IsAsciiDigit))
        {
            return "The port must be a number between 1 and 65535.";
        }

        return port.Length <= 5 && int.Parse(port, CultureInfo.InvariantCulture) is >= 1 and <= 65535
            ? null
            : "The port must be between 1 and 65535.";
    }

    /// <summary>Odigos' keyValuePairs value: <c>[{"key": "k", "value": "v"}]</c>; a JSON object <c>{"k": "v"}</c> is converted to it.</summary>
    private static (string? Value, string? Error) CheckKeyValuePairs(string value)
    {
        try
        {
            using var document = JsonDocument.Parse(value);
            var pairs = new List<KeyValuePair<string, string>>();
            JsonElement root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object)
            {
                foreach (var property in root.EnumerateObject())
                {
                    if (property.Name.Trim().Length == 0 || property.Value.ValueKind != JsonValueKind.String)
                    {
                        return (null, KeyValuePairsError);
                    }

                    pairs.Add(new(property.Name.Trim(), property.Value.GetString()!));
                }
            }
            else if (root.ValueKind == JsonValueKind.Array)
            {
                foreach (var item in root.EnumerateArray())
                {
                    if (item.ValueKind != JsonValueKind.Object
                        || !item.TryGetProperty("key", out var key) || key.ValueKind != JsonValueKind.String || key.GetString()!.Trim().Length == 0
                        || !item.TryGetProperty("value", out var itemValue) || itemValue.ValueKind is not (JsonValueKind.String or JsonValueKind.Null))
                    {
                        return (null, KeyValuePairsError);
                    }

                    pairs.Add(new(key.GetString()!.Trim(), itemValue.GetString() ?? ""));
                }
            }
            else
            {
                return (null, KeyValuePairsError);
            }

            return (JsonSerializer.Serialize(pairs.Select(p => new KeyValueItem(p.Key, p.Value)), KeyValueJson), null);
        }
        catch (JsonException)
        {
            return (null, KeyValuePairsError);
        }
    }

    private static (string? Value, string? Error) CheckMultiInput(string value)
    {
        try
        {
            using var document = JsonDocument.Parse(value);
            return document.RootElement.ValueKind == JsonValueKind.Array && document.RootElement.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String)
                ? (value, null)
                : (null, MultiInputError);
        }
        catch (JsonException)
        {
            return (null, MultiInputError);
        }
    }

    /// <summary>The pairs of a keyValuePairs value (already validated), for consumers such as exporters.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> ParseKeyValuePairs(string? value)
    {
        if (string.IsNullOrWhiteSpace(value) || CheckKeyValuePairs(value) is not { Value: { } normalized })
        {
            return [];
        }

        return JsonSerializer.Deserialize<List<KeyValueItem>>(normalized, KeyValueJson)!.Select(i => new KeyValuePair<string, string>(i.Key, i.Value)).ToList();
    }

    private static readonly JsonSerializerOptions KeyValueJson = new(JsonSerializerDefaults.Web);

    private sealed record KeyValueItem(string Key, string Value);

    private sealed record AddressRule(bool PortRequiredWithoutScheme, bool PathAllowed, string Example);
}
