using Google.Protobuf;
using Google.Protobuf.Collections;
using OdigosUi.Profiles.Conversion;
using OdigosUi.Profiles.Model;
using OdigosUi.Profiles.Otlp.Collector;
using OdigosUi.Profiles.Otlp.Common;
using OdigosUi.Profiles.Otlp.Profiles;
using OdigosUi.Profiles.Otlp.Resource;
using OtlpValueType = OdigosUi.Profiles.Otlp.Profiles.ValueType;
using PprofProto = OdigosUi.Profiles.Pprof.Proto;

namespace OdigosUi.Profiles.Formats.Pprof;

/// <summary>Reads pprof (perftools.profiles.Profile) into the OTLP Profiles v1.10 model.</summary>
public static class PprofReader
{
    /// <summary>The mapping attribute that carries a pprof mapping's build id.</summary>
    public const string BuildIdAttributeKey = "process.executable.build_id.gnu";

    /// <summary>
    /// Converts uncompressed pprof bytes: one OTLP <see cref="Profile"/> per pprof sample type, all in a single
    /// <see cref="ResourceProfiles"/>/<see cref="ScopeProfiles"/> with an empty resource, sharing one dictionary.
    /// </summary>
    /// <exception cref="ProfileFormatException">The bytes are not a valid pprof profile.</exception>
    public static ExportProfilesServiceRequest Read(ReadOnlySpan<byte> uncompressedPprof)
    {
        PprofProto.Profile source;
        try
        {
            source = LenientProtobuf.Parse(PprofProto.Profile.Parser, uncompressedPprof);
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw new ProfileFormatException($"pprof: not a valid protobuf message: {ex.Message}", ex);
        }
        return new PprofConverter(source).Convert();
    }

    /// <summary>
    /// Cheap check of the top-level protobuf fields: well-formed, the wire types pprof expects, at least one
    /// sample_type, and a string_table whose first entry is "". An OTLP ExportProfilesServiceRequest or
    /// ProfilesData never has field 6 at the top level, so it is never taken for pprof. Residual ambiguity:
    /// another protobuf message with a length-delimited field 1 and an empty field 6 passes this check (and then
    /// fails in <see cref="Read"/>); gzip-compressed pprof is not recognised, decompress first.
    /// </summary>
    public static bool LooksLikePprof(ReadOnlySpan<byte> data) => PprofSniffer.Check(data);
}

file sealed class PprofConverter(PprofProto.Profile source)
{
    private readonly DictionaryBuilder _dictionary = new();
    private readonly IdTable _mappings = IdTable.For(source.Mapping.Select(m => m.Id), source.Mapping.Count);
    private readonly IdTable _functions = IdTable.For(FunctionIds(source), source.Function.Count);
    private readonly IdTable _locations = IdTable.For(source.Location.Select(l => l.Id), source.Location.Count);

    public ExportProfilesServiceRequest Convert()
    {
        if (source.StringTable.Count == 0 || source.StringTable[0].Length != 0)
            throw Error("string_table must start with the empty string");
        if (source.SampleType.Count == 0)
            throw Error("no sample_type");
        if (source.TimeNanos < 0)
            throw Error($"time_nanos is negative ({source.TimeNanos})");
        if (source.DurationNanos < 0)
            throw Error($"duration_nanos is negative ({source.DurationNanos})");

        AddMappings();
        AddFunctions();
        AddLocations();

        var samples = source.Sample.Select(ConvertSample).ToList();
        var scope = new ScopeProfiles();
        for (var type = 0; type < source.SampleType.Count; type++)
            scope.Profiles.Add(CreateProfile(type, samples));

        return new ExportProfilesServiceRequest
        {
            ResourceProfiles = { new ResourceProfiles { Resource = new Resource(), ScopeProfiles = { scope } } },
            Dictionary = _dictionary.Build(),
        };
    }

    private Profile CreateProfile(int type, List<SampleParts> samples)
    {
        var profile = new Profile
        {
            SampleType = ConvertValueType(source.SampleType[type], $"sample_type[{type}]"),
            Period = source.Period,
            TimeUnixNano = (ulong)source.TimeNanos,
            DurationNano = (ulong)source.DurationNanos,
        };
        if (source.PeriodType is { } periodType)
            profile.PeriodType = ConvertValueType(periodType, "period_type");
        foreach (var sample in samples)
        {
            profile.Samples.Add(new Sample
            {
                StackIndex = sample.StackIndex,
                AttributeIndices = { sample.AttributeIndices },
                Values = { sample.Values[type] },
            });
        }
        return profile;
    }

    private void AddMappings()
    {
        for (var i = 0; i < source.Mapping.Count; i++)
        {
            var m = source.Mapping[i];
            var mapping = new Mapping
            {
                MemoryStart = m.MemoryStart,
                MemoryLimit = m.MemoryLimit,
                FileOffset = m.FileOffset,
                FilenameStrindex = TryIntern(m.Filename) ?? throw BadString($"mapping[{i}].filename", m.Filename),
            };
            var buildId = TryLookup(m.BuildId) ?? throw BadString($"mapping[{i}].build_id", m.BuildId);
            if (buildId.Length > 0)
                mapping.AttributeIndices.Add(_dictionary.Attribute(PprofReader.BuildIdAttributeKey, buildId));
            Register(_mappings, m.Id, _dictionary.Add(mapping), "mapping", i);
        }
    }

    private void AddFunctions()
    {
        var repairIds = HasBrokenDotnetFunctionIds();
        for (var i = 0; i < source.Function.Count; i++)
        {
            var f = source.Function[i];
            var function = new Function
            {
                NameStrindex = TryIntern(f.Name) ?? throw BadString($"function[{i}].name", f.Name),
                SystemNameStrindex = TryIntern(f.SystemName) ?? throw BadString($"function[{i}].system_name", f.SystemName),
                FilenameStrindex = TryIntern(f.Filename) ?? throw BadString($"function[{i}].filename", f.Filename),
                StartLine = f.StartLine,
            };
            var id = repairIds ? source.Location[i].Id : f.Id;
            Register(_functions, id, _dictionary.Add(function), "function", i);
        }
    }

    /// <summary>
    /// Some .NET profilers write every function id as 0, one function per location in the same order; as
    /// Pyroscope does, function i then takes the id of location i, which is what their lines refer to.
    /// </summary>
    private bool HasBrokenDotnetFunctionIds() => HasBrokenDotnetFunctionIds(source);

    private static bool HasBrokenDotnetFunctionIds(PprofProto.Profile source) =>
        source.Function.Count > 0
        && source.Function.Count == source.Location.Count
        && source.Function.All(function => function.Id == 0);

    private static IEnumerable<ulong> FunctionIds(PprofProto.Profile source) => HasBrokenDotnetFunctionIds(source)
        ? source.Location.Select(l => l.Id)
        : source.Function.Select(f => f.Id);

    private void AddLocations()
    {
        for (var i = 0; i < source.Location.Count; i++)
        {
            var l = source.Location[i];
            var location = new Location
            {
                MappingIndex = l.MappingId == 0
                    ? 0
                    : TryResolve(_mappings, l.MappingId) ?? throw Missing($"location[{i}].mapping_id", "mapping", l.MappingId),
                Address = l.Address,
            };
            for (var j = 0; j < l.Line.Count; j++)
            {
                var line = l.Line[j];
                location.Lines.Add(new Line
                {
                    FunctionIndex = line.FunctionId == 0
                        ? 0
                        : TryResolve(_functions, line.FunctionId)
                            ?? throw Missing($"location[{i}].line[{j}].function_id", "function", line.FunctionId),
                    Line_ = line.Line_,
                    Column = line.Column,
                });
            }
            Register(_locations, l.Id, _dictionary.Add(location), "location", i);
        }
    }

    private SampleParts ConvertSample(PprofProto.Sample sample, int index)
    {
        if (sample.Value.Count != source.SampleType.Count)
            throw Error($"sample[{index}]: has {sample.Value.Count} values but there are {source.SampleType.Count} sample types");

        var locations = new int[sample.LocationId.Count];
        for (var i = 0; i < locations.Length; i++)
        {
            var id = sample.LocationId[i];
            locations[i] = TryResolve(_locations, id) ?? throw Missing($"sample[{index}].location_id[{i}]", "location", id);
        }

        var attributes = new List<int>(sample.Label.Count);
        for (var i = 0; i < sample.Label.Count; i++)
        {
            if (ConvertLabel(sample.Label[i], index, i) is { } attribute)
                attributes.Add(attribute);
        }
        return new SampleParts(_dictionary.Stack(locations), attributes, sample.Value);
    }

    private int? ConvertLabel(PprofProto.Label label, int sample, int index)
    {
        var key = TryIntern(label.Key) ?? throw BadString($"sample[{sample}].label[{index}].key", label.Key);
        if (label.Str != 0)
        {
            var value = TryLookup(label.Str) ?? throw BadString($"sample[{sample}].label[{index}].str", label.Str);
            return _dictionary.Attribute(key, new AnyValue { StringValue = value }, 0);
        }
        if (label.Num != 0 || label.NumUnit != 0)
        {
            var unit = TryIntern(label.NumUnit) ?? throw BadString($"sample[{sample}].label[{index}].num_unit", label.NumUnit);
            return _dictionary.Attribute(key, new AnyValue { IntValue = label.Num }, unit);
        }
        return null;
    }

    private OtlpValueType ConvertValueType(PprofProto.ValueType valueType, string where) => new()
    {
        TypeStrindex = TryIntern(valueType.Type) ?? throw BadString($"{where}.type", valueType.Type),
        UnitStrindex = TryIntern(valueType.Unit) ?? throw BadString($"{where}.unit", valueType.Unit),
    };

    private int? TryIntern(long index) => TryLookup(index) is { } value ? _dictionary.String(value) : null;

    private string? TryLookup(long index) =>
        index >= 0 && index < source.StringTable.Count ? source.StringTable[(int)index] : null;

    private ProfileFormatException BadString(string where, long index) =>
        Error($"{where}: string index {index} is out of range (string_table has {source.StringTable.Count} entries)");

    private static void Register(IdTable ids, ulong id, int index, string table, int position)
    {
        if (id == 0)
            throw Error($"{table}[{position}]: id 0 is reserved");
        if (!ids.TryAdd(id, index))
            throw Error($"{table}[{position}]: duplicate id {id}");
    }

    private static int? TryResolve(IdTable ids, ulong id) => ids.TryGet(id, out var index) ? index : null;

    private static ProfileFormatException Missing(string where, string kind, ulong id) => Error($"{where}: {kind} {id} does not exist");

    private static ProfileFormatException Error(string message) => new($"pprof: {message}");

    private sealed record SampleParts(int StackIndex, List<int> AttributeIndices, IReadOnlyList<long> Values);
}

/// <summary>
/// The ids of one pprof table (chosen by whoever wrote the file) to indices of ours. Ids 1..n, what Go and most
/// producers write, are an array; sparse ids go to a dictionary whose hash mixes a per-process seed, so ids crafted to
/// collide cannot make reading quadratic.
/// </summary>
file sealed class IdTable
{
    private const int Missing = 0;

    private readonly int[]? _dense;
    private readonly Dictionary<ulong, int>? _sparse;

    private IdTable(int[]? dense, Dictionary<ulong, int>? sparse)
    {
        _dense = dense;
        _sparse = sparse;
    }

    /// <summary>A table for <paramref name="count"/> entries with these ids: dense when the largest is at most twice the count.</summary>
    public static IdTable For(IEnumerable<ulong> ids, int count)
    {
        ulong max = 0;
        foreach (var id in ids)
            max = Math.Max(max, id);
        return max <= (2UL * (ulong)count) + 16 && max < (ulong)Array.MaxLength
            ? new IdTable(new int[(int)max + 1], null)
            : new IdTable(null, new Dictionary<ulong, int>(count, SeededIdComparer.Instance));
    }

    /// <summary>Adds <paramref name="id"/> (never 0) for <paramref name="index"/> (always above 0: index 0 is each table's zero value).</summary>
    public bool TryAdd(ulong id, int index)
    {
        if (_sparse is not null)
            return _sparse.TryAdd(id, index);
        ref var slot = ref _dense![(int)id];
        if (slot != Missing)
            return false;
        slot = index;
        return true;
    }

    public bool TryGet(ulong id, out int index)
    {
        if (_sparse is not null)
            return _sparse.TryGetValue(id, out index);
        index = id < (ulong)_dense!.Length ? _dense[(int)id] : Missing;
        return index != Missing;
    }
}

/// <summary>ulong keys hashed with a per-process random seed (<see cref="HashCode"/>), both halves mixed.</summary>
file sealed class SeededIdComparer : IEqualityComparer<ulong>
{
    public static readonly SeededIdComparer Instance = new();

    public bool Equals(ulong x, ulong y) => x == y;

    public int GetHashCode(ulong obj) => HashCode.Combine((uint)obj, (uint)(obj >> 32));
}

/// <summary>
/// Attribute keys hashed with the per-process seed: the protobuf hash of an int label value folds its halves together,
/// so crafted values would all collide.
/// </summary>
file sealed class AttributeKeyComparer : IEqualityComparer<(int Key, AnyValue Value, int Unit)>
{
    public static readonly AttributeKeyComparer Instance = new();

    public bool Equals((int Key, AnyValue Value, int Unit) x, (int Key, AnyValue Value, int Unit) y) =>
        x.Key == y.Key && x.Unit == y.Unit && x.Value.Equals(y.Value);

    public int GetHashCode((int Key, AnyValue Value, int Unit) obj) => HashCode.Combine(obj.Key, obj.Unit, obj.Value.ValueCase, obj.Value.ValueCase switch
    {
        AnyValue.ValueOneofCase.IntValue => HashCode.Combine((uint)obj.Value.IntValue, (uint)((ulong)obj.Value.IntValue >> 32)),
        AnyValue.ValueOneofCase.StringValue => obj.Value.StringValue.GetHashCode(StringComparison.Ordinal),
        _ => obj.Value.GetHashCode(),
    });
}

/// <summary>Builds a <see cref="ProfilesDictionary"/> whose tables start with their zero values.</summary>
file sealed class DictionaryBuilder
{
    private readonly ProfilesDictionary _dictionary = ProfilesDictionaries.WithZeroValues();

    private readonly Dictionary<string, int> _strings = new(StringComparer.Ordinal) { [""] = 0 };
    private readonly Dictionary<(int Key, AnyValue Value, int Unit), int> _attributes = new(AttributeKeyComparer.Instance);
    private readonly Dictionary<int[], int> _stacks = new(SequenceComparer.Instance) { [[]] = 0 };

    public int Add(Mapping mapping) => Append(_dictionary.MappingTable, mapping);

    public int Add(Function function) => Append(_dictionary.FunctionTable, function);

    public int Add(Location location) => Append(_dictionary.LocationTable, location);

    public int String(string value)
    {
        if (!_strings.TryGetValue(value, out var index))
            _strings.Add(value, index = Append(_dictionary.StringTable, value));
        return index;
    }

    public int Attribute(string key, string value) => Attribute(String(key), new AnyValue { StringValue = value }, 0);

    public int Attribute(int keyStrindex, AnyValue value, int unitStrindex)
    {
        var key = (keyStrindex, value, unitStrindex);
        if (!_attributes.TryGetValue(key, out var index))
        {
            index = Append(_dictionary.AttributeTable, new KeyValueAndUnit
            {
                KeyStrindex = keyStrindex,
                Value = value,
                UnitStrindex = unitStrindex,
            });
            _attributes.Add(key, index);
        }
        return index;
    }

    public int Stack(int[] locationIndices)
    {
        if (!_stacks.TryGetValue(locationIndices, out var index))
        {
            index = Append(_dictionary.StackTable, new Stack { LocationIndices = { locationIndices } });
            _stacks.Add(locationIndices, index);
        }
        return index;
    }

    public ProfilesDictionary Build() => _dictionary;

    private static int Append<T>(RepeatedField<T> table, T item)
    {
        table.Add(item);
        return table.Count - 1;
    }
}

file sealed class SequenceComparer : IEqualityComparer<int[]>
{
    public static readonly SequenceComparer Instance = new();

    public bool Equals(int[]? x, int[]? y) => x.AsSpan().SequenceEqual(y);

    public int GetHashCode(int[] obj)
    {
        var hash = new HashCode();
        foreach (var item in obj)
            hash.Add(item);
        return hash.ToHashCode();
    }
}

file static class PprofSniffer
{
    private const int SampleTypeField = 1;
    private const int StringTableField = 6;

    public static bool Check(ReadOnlySpan<byte> data)
    {
        var hasSampleType = false;
        bool? firstStringEmpty = null;
        var position = 0;
        while (position < data.Length)
        {
            if (!LenientProtobuf.TryReadVarint(data, ref position, out var tag) || tag >> 3 is 0 or > int.MaxValue)
                return false;
            var field = (int)(tag >> 3);
            var wireType = (int)(tag & 7);
            if (!FitsPprof(field, wireType))
                return false;
            switch (wireType)
            {
                case 0:
                    if (!LenientProtobuf.TryReadVarint(data, ref position, out _))
                        return false;
                    break;
                case 1:
                    position += 8;
                    break;
                case 5:
                    position += 4;
                    break;
                default:
                    if (!LenientProtobuf.TryReadVarint(data, ref position, out var length) || length > (ulong)(data.Length - position))
                        return false;
                    hasSampleType |= field == SampleTypeField;
                    if (field == StringTableField)
                        firstStringEmpty ??= length == 0;
                    position += (int)length;
                    break;
            }
            if (position > data.Length)
                return false;
        }
        return hasSampleType && firstStringEmpty == true;
    }

    private static bool FitsPprof(int field, int wireType) => field switch
    {
        1 or 2 or 3 or 4 or 5 or 6 or 11 => wireType == 2,
        7 or 8 or 9 or 10 or 12 or 14 or 15 => wireType == 0,
        13 => wireType is 0 or 2,
        _ => wireType is 0 or 1 or 2 or 5,
    };
}
