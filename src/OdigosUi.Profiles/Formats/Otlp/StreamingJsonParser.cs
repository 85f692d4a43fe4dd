using System.Buffers.Text;
using System.Collections;
using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Google.Protobuf.Collections;
using Google.Protobuf.Reflection;
using OdigosUi.Profiles.Conversion;
using OdigosUi.Profiles.Otlp.Collector;
using OdigosUi.Profiles.Validation;

namespace OdigosUi.Profiles.Formats.Otlp;

/// <summary>
/// Proto3 JSON into messages, token by token with <see cref="Utf8JsonReader"/>, guided by the message descriptors: what
/// is built is the messages themselves (no JSON tree, no second text). The JSON mapping as OTLP uses it: lowerCamelCase
/// or proto names, integers as numbers or decimal strings, hex trace, span and profile ids, base64 (standard or
/// URL-safe, padded or not) for other bytes, null as absent. The allocation of the thread is checked as it goes, so a
/// document of empty objects is refused once it has built a few times its size.
/// </summary>
internal ref struct StreamingJsonParser
{
    private const int CheckEvery = 512;
    private const long AllocationSlack = 1L << 20;

    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = 64 };
    private static readonly ConcurrentDictionary<MessageDescriptor, FieldName[]> Names = new();

    private readonly long _allocationStart;
    private readonly long _allocationBudget;
    private readonly ProfileLimits _limits;
    private int _untilCheck;

    private StreamingJsonParser(long inputBytes, ProfileLimits limits)
    {
        _limits = limits;
        _allocationBudget = (inputBytes * limits.MaxJsonAllocationFactor) + AllocationSlack;
        _allocationStart = GC.GetAllocatedBytesForCurrentThread();
        _untilCheck = CheckEvery;
    }

    public static ExportProfilesServiceRequest Parse(ReadOnlySpan<byte> utf8Json, ProfileLimits limits)
    {
        var parser = new StreamingJsonParser(utf8Json.Length, limits);
        var reader = new Utf8JsonReader(utf8Json, ReaderOptions);
        try
        {
            reader.Read();
            if (reader.TokenType != JsonTokenType.StartObject)
                throw Error(JsonPathRef.Root, $"expected an object, got {KindOf(reader.TokenType)}");
            var request = new ExportProfilesServiceRequest();
            parser.ReadMessage(ref reader, request, JsonPathRef.Root);

            // Anything after the object is refused by the reader itself.
            reader.Read();
            return request;
        }
        catch (JsonException ex)
        {
            throw Malformed(ex.Message.ReplaceLineEndings(" "), ex);
        }
    }

    /// <summary>Reads the object the reader is at into <paramref name="message"/>; returns at its end.</summary>
    private void ReadMessage(ref Utf8JsonReader reader, IMessage message, JsonPathRef path)
    {
        var names = Names.GetOrAdd(message.Descriptor, FieldName.Of);
        ulong seenFields = 0;
        ulong setOneofs = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var index = Find(names, ref reader, out var protoName);
            reader.Read();
            if (index < 0)
            {
                reader.Skip();
                continue;
            }

            var field = names[index].Field;
            var fieldPath = new Where(path, protoName ? field.Name : field.JsonName);
            if ((seenFields & (1UL << index)) != 0)
                throw Malformed($"duplicate property at {fieldPath}");
            seenFields |= 1UL << index;
            if (reader.TokenType == JsonTokenType.Null || field.IsMap)
            {
                reader.Skip();
                continue;
            }

            if (field.RealContainingOneof is { } oneof)
            {
                var bit = 1UL << oneof.Index;
                if ((setOneofs & bit) != 0)
                    throw Error(fieldPath, $"more than one field of oneof '{oneof.Name}' is set");
                setOneofs |= bit;
            }

            Tick();
            if (field.IsRepeated)
                ReadRepeated(ref reader, message, field, fieldPath);
            else
                field.Accessor.SetValue(message, ReadSingle(ref reader, field, fieldPath));
        }
    }

    private void ReadRepeated(ref Utf8JsonReader reader, IMessage message, FieldDescriptor field, Where where)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
            throw Error(where, $"expected an array, got {KindOf(reader.TokenType)}");

        // Each scalar kind goes into its typed RepeatedField: no boxing per element.
        var list = field.Accessor.GetValue(message);
        var path = where.Path;
        for (var i = 0; reader.Read() && reader.TokenType != JsonTokenType.EndArray; i++)
        {
            var elementPath = new Where(path, i);
            if (reader.TokenType == JsonTokenType.Null)
                throw Error(elementPath, "array elements cannot be null");
            Tick();
            switch (list)
            {
                case RepeatedField<int> ints:
                    ints.Add((int)Integer(ref reader, elementPath, int.MinValue, int.MaxValue));
                    break;
                case RepeatedField<long> longs:
                    longs.Add((long)Integer(ref reader, elementPath, long.MinValue, long.MaxValue));
                    break;
                case RepeatedField<ulong> ulongs:
                    ulongs.Add((ulong)Integer(ref reader, elementPath, ulong.MinValue, ulong.MaxValue));
                    break;
                case RepeatedField<uint> uints:
                    uints.Add((uint)Integer(ref reader, elementPath, uint.MinValue, uint.MaxValue));
                    break;
                case RepeatedField<string> strings:
                    strings.Add(String(ref reader, elementPath));
                    break;
                case IList other:
                    other.Add(ReadSingle(ref reader, field, elementPath));
                    break;
                default:
                    throw new InvalidOperationException($"repeated field {field.FullName} is not a list");
            }
        }
    }

    private object ReadSingle(ref Utf8JsonReader reader, FieldDescriptor field, Where path)
    {
        switch (field.FieldType)
        {
            case FieldType.Message:
                if (reader.TokenType != JsonTokenType.StartObject)
                    throw Error(path, $"expected an object, got {KindOf(reader.TokenType)}");
                var message = (IMessage)Activator.CreateInstance(field.MessageType.ClrType)!;
                ReadMessage(ref reader, message, path.Path);
                return message;
            case FieldType.String:
                return String(ref reader, path);
            case FieldType.Bool:
                return reader.TokenType switch
                {
                    JsonTokenType.True => true,
                    JsonTokenType.False => false,
                    var kind => throw Error(path, $"expected a boolean, got {KindOf(kind)}"),
                };
            case FieldType.Bytes:
                return Bytes(ref reader, field, path);
            case FieldType.Int32 or FieldType.SInt32 or FieldType.SFixed32:
                return (int)Integer(ref reader, path, int.MinValue, int.MaxValue);
            case FieldType.UInt32 or FieldType.Fixed32:
                return (uint)Integer(ref reader, path, uint.MinValue, uint.MaxValue);
            case FieldType.Int64 or FieldType.SInt64 or FieldType.SFixed64:
                return (long)Integer(ref reader, path, long.MinValue, long.MaxValue);
            case FieldType.UInt64 or FieldType.Fixed64:
                return (ulong)Integer(ref reader, path, ulong.MinValue, ulong.MaxValue);
            case FieldType.Double:
                return FloatingPoint(ref reader, path);
            case FieldType.Float:
                return (float)FloatingPoint(ref reader, path);
            default:
                throw Error(path, $"fields of type {field.FieldType} are not supported");
        }
    }

    private static string String(ref Utf8JsonReader reader, Where path) => reader.TokenType == JsonTokenType.String
        ? reader.GetString()!
        : throw Error(path, $"expected a string, got {KindOf(reader.TokenType)}");

    private static decimal Integer(ref Utf8JsonReader reader, Where path, decimal min, decimal max)
    {
        if (reader.TokenType is not (JsonTokenType.Number or JsonTokenType.String))
            throw Error(path, $"expected an integer, got {KindOf(reader.TokenType)}");

        // The common case, a plain decimal integer, without a string; anything else (1e3, 7.0) through decimal.
        if (!reader.ValueIsEscaped && !reader.HasValueSequence)
        {
            var raw = reader.ValueSpan;
            if (Utf8Parser.TryParse(raw, out long small, out var used) && used == raw.Length)
                return small >= min && small <= max ? small : throw Error(path, $"{Encoding.UTF8.GetString(raw)} is out of range [{min}, {max}]");
        }

        var text = reader.TokenType == JsonTokenType.String ? reader.GetString()! : Encoding.UTF8.GetString(reader.ValueSpan);
        if (!decimal.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent,
                CultureInfo.InvariantCulture, out var number) || number != decimal.Truncate(number))
            throw Error(path, $"expected an integer, got {Quote(text)}");
        if (number < min || number > max)
            throw Error(path, $"{text} is out of range [{min}, {max}]");
        return decimal.Truncate(number);
    }

    private static double FloatingPoint(ref Utf8JsonReader reader, Where path)
    {
        if (reader.TokenType == JsonTokenType.Number && reader.TryGetDouble(out var number))
            return number;
        if (reader.TokenType == JsonTokenType.String)
        {
            var text = reader.GetString()!;
            switch (text)
            {
                case "NaN":
                    return double.NaN;
                case "Infinity":
                    return double.PositiveInfinity;
                case "-Infinity":
                    return double.NegativeInfinity;
            }

            if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out number))
                return number;
        }

        throw Error(path, $"expected a number, got {KindOf(reader.TokenType)}");
    }

    private static ByteString Bytes(ref Utf8JsonReader reader, FieldDescriptor field, Where path)
    {
        var text = String(ref reader, path);
        return UnsafeByteOperations.UnsafeWrap(OtlpIds.IsHexField(field) ? DecodeHex(text, path) : DecodeBase64(text, path));
    }

    private static byte[] DecodeHex(string text, Where path)
    {
        if (text.Length % 2 != 0 || !text.All(char.IsAsciiHexDigit))
            throw Error(path, $"expected an even number of hex digits, got {Quote(text)}");
        return Convert.FromHexString(text);
    }

    /// <summary>Standard or URL-safe base64, padded or not; copies the text only when it is not standard and padded.</summary>
    private static ReadOnlyMemory<byte> DecodeBase64(string text, Where path)
    {
        var standard = text.AsSpan().IndexOfAny('-', '_') >= 0 ? text.Replace('-', '+').Replace('_', '/') : text;
        if (standard.Length % 4 != 0)
            standard = standard.PadRight(standard.Length + (4 - (standard.Length % 4)), '=');
        var buffer = new byte[standard.Length / 4 * 3];
        return Convert.TryFromBase64String(standard, buffer, out var written)
            ? buffer.AsMemory(0, written)
            : throw Error(path, "expected base64");
    }

    /// <summary>Every few hundred values: refuses the document once its parse allocated past the budget.</summary>
    private void Tick()
    {
        if (--_untilCheck > 0)
            return;
        _untilCheck = CheckEvery;
        var allocated = GC.GetAllocatedBytesForCurrentThread() - _allocationStart;
        if (allocated > _allocationBudget)
        {
            throw new ProfileTooLargeException(
                $"OTLP/JSON: the document builds more than {_allocationBudget} bytes while parsed ({_limits.MaxJsonAllocationFactor} times its size " +
                $"plus 1 MiB, {ProfileLimits.Key(nameof(ProfileLimits.MaxJsonAllocationFactor))}); send it as protobuf or in smaller requests");
        }
    }

    private static int Find(FieldName[] names, ref Utf8JsonReader reader, out bool protoName)
    {
        for (var i = 0; i < names.Length; i++)
        {
            if (reader.ValueTextEquals(names[i].Json))
            {
                protoName = false;
                return i;
            }

            if (reader.ValueTextEquals(names[i].Proto))
            {
                protoName = true;
                return i;
            }
        }

        protoName = false;
        return -1;
    }

    private static ProfileFormatException Error(JsonPathRef path, string message) => new($"OTLP/JSON: {path}: {message}");

    private static ProfileFormatException Error(Where where, string message) => Error(where.Path, message);

    private static ProfileFormatException Malformed(string message, Exception? inner = null) => new($"OTLP/JSON: malformed JSON: {message}", inner);

    private static string Quote(string text)
    {
        const int MaxShown = 40;
        var shown = text.Length > MaxShown ? $"{text[..MaxShown]}..." : text;
        return $"\"{string.Concat(shown.Select(c => char.IsControl(c) ? ' ' : c))}\"";
    }

    private static string KindOf(JsonTokenType token) => token switch
    {
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "an array",
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.Null => "null",
        var kind => kind.ToString(),
    };

    /// <summary>A field and its two accepted spellings, in UTF-8 for comparing property names without decoding them.</summary>
    private sealed record FieldName(FieldDescriptor Field, byte[] Json, byte[] Proto)
    {
        public static FieldName[] Of(MessageDescriptor descriptor)
        {
            var fields = descriptor.Fields.InDeclarationOrder();
            if (fields.Count > 64)
                throw new InvalidOperationException($"{descriptor.FullName} has more than 64 fields");
            return [.. fields.Select(f => new FieldName(f, Encoding.UTF8.GetBytes(f.JsonName), Encoding.UTF8.GetBytes(f.Name)))];
        }
    }

    /// <summary>Where a value is: a parent path and a property name or an array index, made a path only when needed.</summary>
    private readonly struct Where
    {
        private readonly JsonPathRef _parent;
        private readonly string? _name;
        private readonly int _index;

        public Where(JsonPathRef parent, string name)
        {
            _parent = parent;
            _name = name;
            _index = -1;
        }

        public Where(JsonPathRef parent, int index)
        {
            _parent = parent;
            _index = index;
        }

        public JsonPathRef Path => _name is not null ? _parent.Child(_name) : _parent.At(_index);
    }
}
