using OdigosUi.Profiles.Validation;

namespace OdigosUi.Pipeline.Ingest;

/// <summary>What a binary ExportProfilesServiceRequest will build once parsed, read from its wire format without parsing it.</summary>
/// <param name="EstimatedBytes">Managed memory the parsed request will take: messages, strings, unknown fields and repeated scalars.</param>
/// <param name="Samples">Samples of all profiles together.</param>
/// <param name="LargestTable">The dictionary table (its proto field name) with the most entries, or empty.</param>
/// <param name="LargestTableEntries">Entries of <paramref name="LargestTable"/>.</param>
/// <param name="Malformed">Why the bytes are not a well-formed message, or null.</param>
public readonly record struct ProtobufScan(long EstimatedBytes, long Samples, string LargestTable, long LargestTableEntries, string? Malformed);

/// <summary>
/// A one-pass pre-scan of a binary OTLP profiles request. Google.Protobuf builds every object before any limit can run,
/// and a message of no fields is 2 bytes on the wire but over a hundred once parsed (16 MiB of empty locations builds
/// about 1 GB), so the receiver measures the expansion first: it walks the length-delimited structure along the
/// message paths of the project's .proto files (request → resource_profiles → scope_profiles → profiles → samples;
/// request → dictionary → tables → lines; resources, scopes and attribute values), counting the messages, strings,
/// unknown fields and repeated scalars the parser will allocate. Nothing is allocated per field.
/// </summary>
public static class ProtobufExpansion
{
    // Measured managed sizes (tests/OdigosUi.Benchmarks `prescan`), including the slot in the parent's repeated field.
    private const int StringBaseBytes = 48;
    private const int ScalarBytes = 8;
    private const int UnknownFieldBytes = 128;
    private const int MaxDepth = 100;

    private static readonly string[] TableNames =
        ["mapping_table", "location_table", "function_table", "link_table", "string_table", "attribute_table", "stack_table"];

    private enum Kind : byte
    {
        None, Request, ResourceProfiles, Resource, EntityRef, KeyValue, AnyValue, ArrayValue, KeyValueList, Scope,
        ScopeProfiles, Profile, ValueType, Sample, Dictionary, Mapping, Location, Line, Function, Link, Stack, KeyValueAndUnit,
    }

    private enum Packed : byte { None, Varint, Fixed64 }

    public static ProtobufScan Scan(ReadOnlySpan<byte> body)
    {
        Span<long> tables = stackalloc long[TableNames.Length];
        var scanner = new Scanner(body, tables);
        var malformed = scanner.Walk(Kind.Request, 0, body.Length, 0);
        var largest = 0;
        for (var i = 1; i < tables.Length; i++)
        {
            if (tables[i] > tables[largest])
            {
                largest = i;
            }
        }

        return new ProtobufScan(scanner.Bytes, scanner.Samples, tables[largest] > 0 ? TableNames[largest] : "", tables[largest], malformed);
    }

    /// <summary>Why the request cannot be admitted by its expansion, or null; <see cref="IngestStatus.TooLarge"/> in every case.</summary>
    public static string? Refusal(in ProtobufScan scan, ProfileLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        if (scan.LargestTableEntries > limits.MaxTableEntries)
        {
            return $"the dictionary's {scan.LargestTable} has {scan.LargestTableEntries} entries, more than the limit of {limits.MaxTableEntries} ({ProfileLimits.SectionName}:{nameof(ProfileLimits.MaxTableEntries)})";
        }

        return scan.Samples > limits.MaxSamplesPerRequest
            ? $"the request has {scan.Samples} samples, more than the limit of {limits.MaxSamplesPerRequest} ({ProfileLimits.SectionName}:{nameof(ProfileLimits.MaxSamplesPerRequest)})"
            : null;
    }

    private static int MessageBytes(Kind kind) => kind switch
    {
        Kind.ResourceProfiles or Kind.ScopeProfiles => 104,
        Kind.Resource or Kind.EntityRef => 136,
        Kind.KeyValue or Kind.Link or Kind.ValueType => 64,
        Kind.AnyValue => 88,
        Kind.ArrayValue or Kind.KeyValueList or Kind.Stack => 88,
        Kind.Scope => 112,
        Kind.Profile => 200,
        Kind.Sample => 184,
        Kind.Dictionary => 328,
        Kind.Mapping => 120,
        Kind.Location => 144,
        Kind.Line or Kind.KeyValueAndUnit => 72,
        Kind.Function => 80,
        _ => 0,
    };

    private static int HighestField(Kind kind) => kind switch
    {
        Kind.Request or Kind.Link or Kind.ValueType => 2,
        Kind.ResourceProfiles or Kind.ScopeProfiles or Kind.Resource or Kind.KeyValue or Kind.Line or Kind.KeyValueAndUnit => 3,
        Kind.EntityRef or Kind.Scope or Kind.Location or Kind.Function => 4,
        Kind.Sample or Kind.Mapping => 5,
        Kind.Dictionary => 7,
        Kind.AnyValue => 8,
        Kind.Profile => 11,
        _ => 1,
    };

    private static Kind Child(Kind parent, int field) => (parent, field) switch
    {
        (Kind.Request, 1) => Kind.ResourceProfiles,
        (Kind.Request, 2) => Kind.Dictionary,
        (Kind.ResourceProfiles, 1) => Kind.Resource,
        (Kind.ResourceProfiles, 2) => Kind.ScopeProfiles,
        (Kind.Resource, 1) => Kind.KeyValue,
        (Kind.Resource, 3) => Kind.EntityRef,
        (Kind.ScopeProfiles, 1) => Kind.Scope,
        (Kind.ScopeProfiles, 2) => Kind.Profile,
        (Kind.Scope, 3) => Kind.KeyValue,
        (Kind.KeyValue, 2) => Kind.AnyValue,
        (Kind.AnyValue, 5) => Kind.ArrayValue,
        (Kind.AnyValue, 6) => Kind.KeyValueList,
        (Kind.ArrayValue, 1) => Kind.AnyValue,
        (Kind.KeyValueList, 1) => Kind.KeyValue,
        (Kind.Profile, 1 or 5) => Kind.ValueType,
        (Kind.Profile, 2) => Kind.Sample,
        (Kind.Dictionary, 1) => Kind.Mapping,
        (Kind.Dictionary, 2) => Kind.Location,
        (Kind.Dictionary, 3) => Kind.Function,
        (Kind.Dictionary, 4) => Kind.Link,
        (Kind.Dictionary, 6) => Kind.KeyValueAndUnit,
        (Kind.Dictionary, 7) => Kind.Stack,
        (Kind.Location, 3) => Kind.Line,
        (Kind.KeyValueAndUnit, 2) => Kind.AnyValue,
        _ => Kind.None,
    };

    private static Packed PackedOf(Kind parent, int field) => (parent, field) switch
    {
        (Kind.Profile, 11) or (Kind.Sample, 2 or 4) or (Kind.Mapping, 5) or (Kind.Location, 4) or (Kind.Stack, 1) => Packed.Varint,
        (Kind.Sample, 5) => Packed.Fixed64,
        _ => Packed.None,
    };

    private ref struct Scanner(ReadOnlySpan<byte> data, Span<long> tables)
    {
        private readonly ReadOnlySpan<byte> _data = data;
        private readonly Span<long> _tables = tables;

        public long Bytes;
        public long Samples;

        public string? Walk(Kind kind, int position, int end, int depth)
        {
            if (depth > MaxDepth)
            {
                return $"messages nested deeper than {MaxDepth}";
            }

            while (position < end)
            {
                if (!TryReadVarint(ref position, end, out var tag) || tag > uint.MaxValue)
                {
                    return $"a truncated or invalid field tag at byte {position}";
                }

                var field = (int)(tag >> 3);
                var wireType = (int)(tag & 7);
                if (field == 0)
                {
                    return $"field number 0 at byte {position}";
                }

                var known = field <= HighestField(kind);
                switch (wireType)
                {
                    case 0:
                        if (!TryReadVarint(ref position, end, out _))
                        {
                            return $"a truncated varint at byte {position}";
                        }

                        Bytes += known ? ScalarBytes : UnknownFieldBytes;
                        break;
                    case 1 or 5:
                        position += wireType == 1 ? 8 : 4;
                        if (position > end)
                        {
                            return "a truncated fixed-size field";
                        }

                        Bytes += known ? ScalarBytes : UnknownFieldBytes;
                        break;
                    case 2:
                        if (!TryReadVarint(ref position, end, out var length) || length > (ulong)(end - position))
                        {
                            return $"a length-delimited field longer than its message at byte {position}";
                        }

                        var start = position;
                        position += (int)length;
                        if (!known)
                        {
                            Bytes += UnknownFieldBytes + StringBaseBytes + (long)length;
                            break;
                        }

                        var child = Child(kind, field);
                        if (child != Kind.None)
                        {
                            Count(kind, child, field);
                            if (length > 0 && Walk(child, start, position, depth + 1) is { } error)
                            {
                                return error;
                            }

                            break;
                        }

                        Bytes += PackedOf(kind, field) switch
                        {
                            Packed.Varint => 2 * ScalarBytes * (long)CountVarints(_data[start..position]),
                            Packed.Fixed64 => (long)length,
                            // A string is UTF-16 in memory; bytes take less, so this bounds both.
                            _ => StringBaseBytes + 2 * (long)length,
                        };
                        if (kind == Kind.Dictionary && field == 5)
                        {
                            _tables[4]++;
                        }

                        break;
                    default:
                        return $"wire type {wireType} (groups are not used by OTLP) at byte {position}";
                }
            }

            return null;
        }

        private void Count(Kind parent, Kind child, int field)
        {
            Bytes += MessageBytes(child);
            if (parent == Kind.Dictionary)
            {
                _tables[field - 1]++;
            }
            else if (child == Kind.Sample)
            {
                Samples++;
            }
        }

        private static int CountVarints(ReadOnlySpan<byte> bytes)
        {
            // One element ends at every byte without the continuation bit; eight bytes are tested at a time.
            var continued = 0;
            var words = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ulong>(bytes);
            foreach (var word in words)
            {
                continued += System.Numerics.BitOperations.PopCount(word & 0x8080808080808080UL);
            }

            foreach (var b in bytes[(words.Length * sizeof(ulong))..])
            {
                continued += b >> 7;
            }

            return bytes.Length - continued;
        }

        private readonly bool TryReadVarint(ref int position, int end, out ulong value)
        {
            value = 0;
            for (var shift = 0; shift < 70 && position < end; shift += 7)
            {
                var b = _data[position++];
                value |= (ulong)(b & 0x7f) << shift;
                if (b < 0x80)
                {
                    return true;
                }
            }

            return false;
        }
    }
}
