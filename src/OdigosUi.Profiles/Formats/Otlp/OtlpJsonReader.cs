using System.Text;
using System.Text.Unicode;
using System.Text.Json;
using System.Text.Json.Nodes;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using OdigosUi.Profiles.Conversion;
using OdigosUi.Profiles.Otlp.Collector;
using OdigosUi.Profiles.Otlp.Profiles;
using OdigosUi.Profiles.Validation;

namespace OdigosUi.Profiles.Formats.Otlp;

/// <summary>
/// OTLP/JSON for profiles: proto3 JSON with lowerCamelCase names (snake_case also accepted on input), 64-bit
/// integers as decimal strings, and the trace, span and profile ids hex-encoded instead of base64.
/// </summary>
public static class OtlpJsonReader
{
    private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default);

    /// <summary>
    /// Parses an ExportProfilesServiceRequest or a ProfilesData document (both have resourceProfiles and
    /// dictionary at the top level); unknown fields are ignored.
    /// </summary>
    /// <exception cref="ProfileFormatException">Malformed JSON, a value of the wrong type, or a bad id.</exception>
    public static ExportProfilesServiceRequest Read(string json) => Read(json, ProfileLimits.Default);

    /// <inheritdoc cref="Read(ReadOnlySpan{byte}, ProfileLimits)"/>
    public static ExportProfilesServiceRequest Read(string json, ProfileLimits limits)
    {
        ArgumentNullException.ThrowIfNull(json);
        return Read(Encoding.UTF8.GetBytes(json.TrimStart('\uFEFF')), limits);
    }

    /// <inheritdoc cref="Read(ReadOnlySpan{byte}, ProfileLimits)"/>
    public static ExportProfilesServiceRequest Read(ReadOnlySpan<byte> utf8Json) => Read(utf8Json, ProfileLimits.Default);

    /// <summary>
    /// Parses UTF-8 OTLP/JSON in one pass (no document tree): each value goes straight into the message it belongs to.
    /// A document larger than <see cref="ProfileLimits.MaxJsonBytes"/>, or whose parse allocates more than
    /// <see cref="ProfileLimits.MaxJsonAllocationFactor"/> times its size (plus 1 MiB), is refused with a
    /// <see cref="ProfileTooLargeException"/>. Invalid UTF-8 in strings reads as U+FFFD.
    /// </summary>
    /// <exception cref="ProfileFormatException">Malformed JSON, a value of the wrong type, or a bad id.</exception>
    /// <exception cref="ProfileTooLargeException">Over the size or allocation limit.</exception>
    public static ExportProfilesServiceRequest Read(ReadOnlySpan<byte> utf8Json, ProfileLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        if (utf8Json.StartsWith("\uFEFF"u8))
            utf8Json = utf8Json[3..];
        if (utf8Json.Length > limits.MaxJsonBytes)
        {
            throw new ProfileTooLargeException(
                $"OTLP/JSON: the document ({utf8Json.Length} bytes) is larger than the limit of {limits.MaxJsonBytes} bytes ({ProfileLimits.Key(nameof(ProfileLimits.MaxJsonBytes))})");
        }

        if (!Utf8.IsValid(utf8Json))
            utf8Json = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(utf8Json));
        return StreamingJsonParser.Parse(utf8Json, limits);
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

internal static class OtlpIds
{
    public static bool IsHexField(FieldDescriptor field) =>
        (field.ContainingType == Link.Descriptor
            && field.FieldNumber is Link.TraceIdFieldNumber or Link.SpanIdFieldNumber)
        || (field.ContainingType == Profile.Descriptor && field.FieldNumber == Profile.ProfileIdFieldNumber);
}

