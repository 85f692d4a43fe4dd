using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace OdigosUi.Resources.Serialization;

/// <summary>
/// Converts between YAML and JSON trees, so that resources and catalog entries have one set of names (the JSON
/// attributes) and the YAML files read like <c>kubectl get -o yaml</c>. Strings that a YAML reader would take for a
/// number, boolean, null or timestamp (YAML 1.1 included, as kubectl's reader does: <c>yes</c>, <c>on</c>, ...) are
/// quoted; plain scalars are resolved with the YAML 1.2 core schema.
/// </summary>
public static partial class YamlJson
{
    private const string StrTag = "tag:yaml.org,2002:str";
    private const string IntTag = "tag:yaml.org,2002:int";
    private const string FloatTag = "tag:yaml.org,2002:float";
    private const string BoolTag = "tag:yaml.org,2002:bool";
    private const string NullTag = "tag:yaml.org,2002:null";

    private static readonly HashSet<string> AmbiguousWords = new(StringComparer.OrdinalIgnoreCase)
    {
        "true", "false", "yes", "no", "on", "off", "y", "n", "null", "~",
    };

    /// <summary>Writes <paramref name="node"/> as one YAML document (block style, 2-space indent, no wrapping).</summary>
    public static string ToYaml(JsonNode? node)
    {
        var writer = new StringWriter(CultureInfo.InvariantCulture) { NewLine = "\n" };
        var emitter = new Emitter(writer, 2, int.MaxValue, false);
        emitter.Emit(new StreamStart());
        emitter.Emit(new DocumentStart(null, null, true));
        Emit(emitter, node);
        emitter.Emit(new DocumentEnd(true));
        emitter.Emit(new StreamEnd());
        return writer.ToString();
    }

    /// <summary>Reads the first document of <paramref name="yaml"/>; null when there is none.</summary>
    /// <exception cref="YamlException">The text is not valid YAML, or uses something JSON cannot hold.</exception>
    public static JsonNode? FromYaml(string yaml)
    {
        var parser = new Parser(new StringReader(yaml));
        parser.Consume<StreamStart>();
        while (parser.TryConsume<DocumentStart>(out _))
        {
            var anchors = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
            JsonNode? node = Read(parser, anchors);
            parser.Consume<DocumentEnd>();
            if (node is not null)
            {
                return node;
            }
        }

        return null;
    }

    private static void Emit(IEmitter emitter, JsonNode? node)
    {
        switch (node)
        {
            case null:
                emitter.Emit(new Scalar(AnchorName.Empty, TagName.Empty, "null", ScalarStyle.Plain, true, false));
                break;
            case JsonObject obj:
                emitter.Emit(new MappingStart(AnchorName.Empty, TagName.Empty, true, obj.Count == 0 ? MappingStyle.Flow : MappingStyle.Block));
                foreach (var (key, value) in obj)
                {
                    EmitString(emitter, key);
                    Emit(emitter, value);
                }

                emitter.Emit(new MappingEnd());
                break;
            case JsonArray array:
                emitter.Emit(new SequenceStart(AnchorName.Empty, TagName.Empty, true, array.Count == 0 ? SequenceStyle.Flow : SequenceStyle.Block));
                foreach (var item in array)
                {
                    Emit(emitter, item);
                }

                emitter.Emit(new SequenceEnd());
                break;
            case JsonValue value:
                switch (value.GetValueKind())
                {
                    case JsonValueKind.String:
                        EmitString(emitter, value.GetValue<string>());
                        break;
                    case JsonValueKind.Null:
                        emitter.Emit(new Scalar(AnchorName.Empty, TagName.Empty, "null", ScalarStyle.Plain, true, false));
                        break;
                    default: // numbers and booleans: their JSON text is valid YAML
                        emitter.Emit(new Scalar(AnchorName.Empty, TagName.Empty, value.ToJsonString(), ScalarStyle.Plain, true, false));
                        break;
                }

                break;
        }
    }

    private static void EmitString(IEmitter emitter, string value)
    {
        ScalarStyle style = NeedsQuotes(value) ? ScalarStyle.DoubleQuoted
            : value.Contains('\n') && !value.Contains('\r') && !HasTrailingSpaceOnALine(value) ? ScalarStyle.Literal
            : ScalarStyle.Any;
        emitter.Emit(new Scalar(AnchorName.Empty, TagName.Empty, value, style, style != ScalarStyle.DoubleQuoted, true));
    }

    /// <summary>True when a plain scalar with this text would not read back as this string.</summary>
    internal static bool NeedsQuotes(string value)
    {
        if (value.Length == 0 || AmbiguousWords.Contains(value))
        {
            return true;
        }

        // Numbers in every YAML flavour (1, -1, .5, 1e3, 0x1F, 1_000, 1:20 sexagesimal), .inf/.nan, timestamps: all
        // start with a digit, a sign or a dot.
        char first = value[0];
        return char.IsAsciiDigit(first) || first is '+' or '-' or '.';
    }

    private static bool HasTrailingSpaceOnALine(string value) =>
        value.Split('\n').Any(line => line.Length > 0 && char.IsWhiteSpace(line[^1]));

    private static JsonNode? Read(IParser parser, Dictionary<string, JsonNode?> anchors)
    {
        if (parser.TryConsume<AnchorAlias>(out var alias))
        {
            return anchors.TryGetValue(alias.Value.Value, out var target)
                ? target?.DeepClone()
                : throw new YamlException(alias.Start, alias.End, $"Unknown anchor '{alias.Value.Value}'.");
        }

        JsonNode? node;
        AnchorName anchor;
        if (parser.TryConsume<Scalar>(out var scalar))
        {
            anchor = scalar.Anchor;
            node = Resolve(scalar);
        }
        else if (parser.TryConsume<MappingStart>(out var mappingStart))
        {
            anchor = mappingStart.Anchor;
            var obj = new JsonObject();
            while (!parser.TryConsume<MappingEnd>(out _))
            {
                ParsingEvent keyEvent = parser.Current ?? throw new YamlException("Unexpected end of the YAML stream.");
                if (Read(parser, anchors) is not JsonValue keyValue)
                {
                    throw new YamlException(keyEvent.Start, keyEvent.End, "Mapping keys must be scalars.");
                }

                string key = keyValue.GetValueKind() == JsonValueKind.String ? keyValue.GetValue<string>() : keyValue.ToJsonString();
                JsonNode? value = Read(parser, anchors);
                if (key == "<<" && value is JsonObject merged)
                {
                    foreach (var (mergedKey, mergedValue) in merged)
                    {
                        if (!obj.ContainsKey(mergedKey))
                        {
                            obj[mergedKey] = mergedValue?.DeepClone();
                        }
                    }

                    continue;
                }

                obj[key] = value;
            }

            node = obj;
        }
        else if (parser.TryConsume<SequenceStart>(out var sequenceStart))
        {
            anchor = sequenceStart.Anchor;
            var array = new JsonArray();
            while (!parser.TryConsume<SequenceEnd>(out _))
            {
                array.Add(Read(parser, anchors));
            }

            node = array;
        }
        else
        {
            ParsingEvent? current = parser.Current;
            throw current is null
                ? new YamlException("Unexpected end of the YAML stream.")
                : new YamlException(current.Start, current.End, $"Unexpected {current.GetType().Name}.");
        }

        if (!anchor.IsEmpty)
        {
            anchors[anchor.Value] = node;
        }

        return node;
    }

    private static JsonNode? Resolve(Scalar scalar)
    {
        string text = scalar.Value;
        string? tag = scalar.Tag.IsEmpty ? null : scalar.Tag.Value;
        if (tag is null && scalar.Style != ScalarStyle.Plain)
        {
            return JsonValue.Create(text);
        }

        switch (tag)
        {
            case StrTag:
                return JsonValue.Create(text);
            case NullTag:
                return null;
            case BoolTag:
                return bool.TryParse(text, out bool b) ? JsonValue.Create(b) : throw new YamlException(scalar.Start, scalar.End, $"'{text}' is not a boolean.");
            case IntTag:
            case FloatTag:
                return ParseNumber(text) ?? throw new YamlException(scalar.Start, scalar.End, $"'{text}' is not a number.");
            case null:
                break;
            default:
                return JsonValue.Create(text); // a local tag: keep the text
        }

        if (text.Length == 0 || text is "~" or "null" or "Null" or "NULL")
        {
            return null;
        }

        if (text is "true" or "True" or "TRUE")
        {
            return JsonValue.Create(true);
        }

        if (text is "false" or "False" or "FALSE")
        {
            return JsonValue.Create(false);
        }

        return ParseNumber(text) ?? JsonValue.Create(text);
    }

    private static JsonValue? ParseNumber(string text)
    {
        if (IntegerPattern().IsMatch(text))
        {
            if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long l))
            {
                return JsonValue.Create(l);
            }

            if (decimal.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out decimal d))
            {
                return JsonValue.Create(d);
            }
        }

        if (FloatPattern().IsMatch(text) && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double f) && double.IsFinite(f))
        {
            return JsonValue.Create(f);
        }

        return null;
    }

    [GeneratedRegex(@"^[-+]?[0-9]+\z", RegexOptions.CultureInvariant)]
    private static partial Regex IntegerPattern();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?\z", RegexOptions.CultureInvariant)]
    private static partial Regex FloatPattern();

    /// <summary>UTF-8 without a byte order mark, as files are written.</summary>
    internal static readonly Encoding Utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);
}
