using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using OdigosUi.Profiles.Conversion;
using OdigosUi.Profiles.Otlp.Collector;
using OdigosUi.Profiles.Otlp.Profiles;

namespace OdigosUi.Profiles.Formats.Otlp;

/// <summary>
/// OTLP/JSON for profiles: proto3 JSON with lowerCamelCase names (snake_case also accepted on input), 64-bit
/// integers as decimal strings, and the trace, span and profile ids hex-encoded instead of base64.
/// </summary>
public static class OtlpJsonReader
{
    private static readonly JsonParser Parser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(true));
    private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default);
    private static readonly JsonDocumentOptions DocumentOptions = new() { AllowDuplicateProperties = false };

    /// <summary>
    /// Parses an ExportProfilesServiceRequest or a ProfilesData document (both have resourceProfiles and
    /// dictionary at the top level); unknown fields are ignored.
    /// </summary>
    /// <exception cref="ProfileFormatException">Malformed JSON, a value of the wrong type, or a bad id.</exception>
    public static ExportProfilesServiceRequest Read(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(json.TrimStart('\uFEFF'), documentOptions: DocumentOptions);
        }
        catch (JsonException ex)
        {
            throw new ProfileFormatException($"OTLP/JSON: malformed JSON: {ex.Message}", ex);
        }
        if (root is not JsonObject message)
            throw JsonTree.Error(JsonPathRef.Root, $"expected an object, got {JsonTree.KindOf(root)}");

        JsonTree.Rewrite(message, ExportProfilesServiceRequest.Descriptor, JsonPathRef.Root, JsonInputNormalizer.Normalize);
        try
        {
            return Parser.Parse<ExportProfilesServiceRequest>(message.ToJsonString());
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw new ProfileFormatException($"OTLP/JSON: {ex.Message}", ex);
        }
    }

    /// <summary>Formats <paramref name="request"/> as OTLP/JSON; default values are omitted.</summary>
    public static string Write(ExportProfilesServiceRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var message = JsonNode.Parse(Formatter.Format(request))!.AsObject();
        JsonTree.Rewrite(message, ExportProfilesServiceRequest.Descriptor, JsonPathRef.Root, HexEncodeIds);
        return message.ToJsonString();
    }

    private static JsonNode HexEncodeIds(FieldDescriptor field, JsonNode value, JsonPathRef path) =>
        OtlpIds.IsHexField(field)
            ? JsonValue.Create(Convert.ToHexStringLower(Convert.FromBase64String(value.GetValue<string>())))
            : value;
}

/// <summary>Rewrites a scalar JSON value of <paramref name="field"/>; returns the value itself to keep it.</summary>
file delegate JsonNode ScalarRewriter(FieldDescriptor field, JsonNode value, JsonPathRef path);

/// <summary>Walks a proto3 JSON object along its message descriptor and rewrites the scalar values.</summary>
file static class JsonTree
{
    public static void Rewrite(JsonObject message, MessageDescriptor descriptor, JsonPathRef path, ScalarRewriter rewrite)
    {
        var oneofs = new HashSet<OneofDescriptor>();
        foreach (var (name, value) in message.ToList())
        {
            if (FindField(descriptor, name) is not { } field || field.IsMap)
                continue;
            if (value is null)
            {
                message.Remove(name);
                continue;
            }
            var fieldPath = path.Child(name);
            if (field.RealContainingOneof is { } oneof && !oneofs.Add(oneof))
                throw Error(fieldPath, $"more than one field of oneof '{oneof.Name}' is set");
            if (field.IsRepeated)
            {
                RewriteArray(field, value, fieldPath, rewrite);
                continue;
            }
            var replacement = RewriteValue(field, value, fieldPath, rewrite);
            if (!ReferenceEquals(replacement, value))
                message[name] = replacement;
        }
    }

    public static ProfileFormatException Error(JsonPathRef path, string message) => new($"OTLP/JSON: {path}: {message}");

    public static string Quote(string text)
    {
        const int MaxShown = 40;
        var shown = text.Length > MaxShown ? $"{text[..MaxShown]}..." : text;
        return $"\"{string.Concat(shown.Select(c => char.IsControl(c) ? ' ' : c))}\"";
    }

    public static string KindOf(JsonNode? node) => node is null ? "null" : node.GetValueKind() switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        var kind => kind.ToString(),
    };

    private static void RewriteArray(FieldDescriptor field, JsonNode value, JsonPathRef path, ScalarRewriter rewrite)
    {
        if (value is not JsonArray array)
            throw Error(path, $"expected an array, got {KindOf(value)}");
        for (var i = 0; i < array.Count; i++)
        {
            var elementPath = path.At(i);
            var element = array[i] ?? throw Error(elementPath, "array elements cannot be null");
            var replacement = RewriteValue(field, element, elementPath, rewrite);
            if (!ReferenceEquals(replacement, element))
                array[i] = replacement;
        }
    }

    private static JsonNode RewriteValue(FieldDescriptor field, JsonNode value, JsonPathRef path, ScalarRewriter rewrite)
    {
        if (field.FieldType != FieldType.Message)
            return rewrite(field, value, path);
        if (value is not JsonObject message)
            throw Error(path, $"expected an object, got {KindOf(value)}");
        Rewrite(message, field.MessageType, path, rewrite);
        return value;
    }

    private static FieldDescriptor? FindField(MessageDescriptor descriptor, string name)
    {
        foreach (var field in descriptor.Fields.InDeclarationOrder())
        {
            if (field.JsonName == name || field.Name == name)
                return field;
        }
        return null;
    }
}

/// <summary>A JSON path built link by link and spelled out (<c>$.a.b[3]</c>) only when an error is reported.</summary>
internal sealed class JsonPathRef
{
    public static readonly JsonPathRef Root = new(null, null, -1);

    private readonly JsonPathRef? _parent;
    private readonly string? _name;
    private readonly int _index;

    private JsonPathRef(JsonPathRef? parent, string? name, int index)
    {
        _parent = parent;
        _name = name;
        _index = index;
    }

    public JsonPathRef Child(string name) => new(this, name, -1);

    public JsonPathRef At(int index) => new(this, null, index);

    public override string ToString() => _parent is null
        ? "$"
        : _name is not null ? $"{_parent}.{_name}" : $"{_parent}[{_index}]";
}

file static class OtlpIds
{
    public static bool IsHexField(FieldDescriptor field) =>
        (field.ContainingType == Link.Descriptor
            && field.FieldNumber is Link.TraceIdFieldNumber or Link.SpanIdFieldNumber)
        || (field.ContainingType == Profile.Descriptor && field.FieldNumber == Profile.ProfileIdFieldNumber);
}

/// <summary>
/// Checks each scalar against its field type and rewrites it into the form <see cref="JsonParser"/> accepts
/// without further errors: integers as canonical decimal strings, hex ids and base64 variants as standard base64.
/// </summary>
file static class JsonInputNormalizer
{
    public static JsonNode Normalize(FieldDescriptor field, JsonNode value, JsonPathRef path) => field.FieldType switch
    {
        FieldType.String => ExpectString(value, path),
        FieldType.Bool => value.GetValueKind() is JsonValueKind.True or JsonValueKind.False
            ? value
            : throw JsonTree.Error(path, $"expected a boolean, got {JsonTree.KindOf(value)}"),
        FieldType.Bytes => Bytes(field, value, path),
        FieldType.Int32 or FieldType.SInt32 or FieldType.SFixed32 => Integer(value, path, int.MinValue, int.MaxValue),
        FieldType.UInt32 or FieldType.Fixed32 => Integer(value, path, uint.MinValue, uint.MaxValue),
        FieldType.Int64 or FieldType.SInt64 or FieldType.SFixed64 => Integer(value, path, long.MinValue, long.MaxValue),
        FieldType.UInt64 or FieldType.Fixed64 => Integer(value, path, ulong.MinValue, ulong.MaxValue),
        FieldType.Double or FieldType.Float => FloatingPoint(value, path),
        _ => value,
    };

    private static JsonNode ExpectString(JsonNode value, JsonPathRef path) =>
        value.GetValueKind() == JsonValueKind.String ? value : throw JsonTree.Error(path, $"expected a string, got {JsonTree.KindOf(value)}");

    private static JsonNode Integer(JsonNode value, JsonPathRef path, decimal min, decimal max)
    {
        var text = value.GetValueKind() switch
        {
            JsonValueKind.Number => value.ToJsonString(),
            JsonValueKind.String => value.GetValue<string>(),
            _ => throw JsonTree.Error(path, $"expected an integer, got {JsonTree.KindOf(value)}"),
        };
        if (!decimal.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent,
                CultureInfo.InvariantCulture, out var number) || number != decimal.Truncate(number))
            throw JsonTree.Error(path, $"expected an integer, got {JsonTree.Quote(text)}");
        if (number < min || number > max)
            throw JsonTree.Error(path, $"{text} is out of range [{min}, {max}]");
        return JsonValue.Create(decimal.Truncate(number).ToString(CultureInfo.InvariantCulture));
    }

    private static JsonNode FloatingPoint(JsonNode value, JsonPathRef path) => value.GetValueKind() switch
    {
        JsonValueKind.Number => value,
        JsonValueKind.String when value.GetValue<string>() is "NaN" or "Infinity" or "-Infinity"
            || double.TryParse(value.GetValue<string>(), NumberStyles.Float, CultureInfo.InvariantCulture, out _) => value,
        _ => throw JsonTree.Error(path, $"expected a number, got {JsonTree.KindOf(value)}"),
    };

    private static JsonNode Bytes(FieldDescriptor field, JsonNode value, JsonPathRef path)
    {
        var text = ExpectString(value, path).GetValue<string>();
        var bytes = OtlpIds.IsHexField(field) ? DecodeHex(text, path) : DecodeBase64(text, path);
        return JsonValue.Create(Convert.ToBase64String(bytes));
    }

    private static byte[] DecodeHex(string text, JsonPathRef path)
    {
        if (text.Length % 2 != 0 || !text.All(char.IsAsciiHexDigit))
            throw JsonTree.Error(path, $"expected an even number of hex digits, got {JsonTree.Quote(text)}");
        return Convert.FromHexString(text);
    }

    private static byte[] DecodeBase64(string text, JsonPathRef path)
    {
        var standard = text.Replace('-', '+').Replace('_', '/');
        standard = standard.PadRight(standard.Length + ((4 - (standard.Length % 4)) % 4), '=');
        var buffer = new byte[standard.Length / 4 * 3];
        return Convert.TryFromBase64String(standard, buffer, out var written)
            ? buffer[..written]
            : throw JsonTree.Error(path, "expected base64");
    }
}
