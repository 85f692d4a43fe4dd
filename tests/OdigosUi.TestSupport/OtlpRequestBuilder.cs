using OdigosUi.Profiles.Otlp.Collector;
using OdigosUi.Profiles.Otlp.Common;
using OdigosUi.Profiles.Otlp.Profiles;
using OdigosUi.Profiles.Otlp.Resource;
using OtlpValueType = OdigosUi.Profiles.Otlp.Profiles.ValueType;

namespace OdigosUi.TestSupport;

/// <summary>Builds v1.10 requests with a well-formed dictionary (zero values at index 0, interned strings).</summary>
public sealed class OtlpRequestBuilder
{
    private readonly Dictionary<string, int> _strings = new(StringComparer.Ordinal) { [""] = 0 };
    private readonly Dictionary<string, int> _functions = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _mappings = new(StringComparer.Ordinal);

    public OtlpRequestBuilder()
    {
        Request.Dictionary = Dictionary;
    }

    public ExportProfilesServiceRequest Request { get; } = new();

    public ProfilesDictionary Dictionary { get; } = OdigosUi.Profiles.Model.ProfilesDictionaries.WithZeroValues();

    public int String(string value)
    {
        if (!_strings.TryGetValue(value, out var index))
        {
            index = Dictionary.StringTable.Count;
            Dictionary.StringTable.Add(value);
            _strings.Add(value, index);
        }

        return index;
    }

    public int Function(string name, string systemName = "", string fileName = "")
    {
        var key = $"{name}\0{systemName}\0{fileName}";
        if (!_functions.TryGetValue(key, out var index))
        {
            index = Dictionary.FunctionTable.Count;
            Dictionary.FunctionTable.Add(new Function
            {
                NameStrindex = String(name),
                SystemNameStrindex = String(systemName),
                FilenameStrindex = String(fileName),
            });
            _functions.Add(key, index);
        }

        return index;
    }

    public int Mapping(string fileName)
    {
        if (!_mappings.TryGetValue(fileName, out var index))
        {
            index = Dictionary.MappingTable.Count;
            Dictionary.MappingTable.Add(new Mapping { FilenameStrindex = String(fileName), MemoryStart = 0x400000, MemoryLimit = 0x800000 });
            _mappings.Add(fileName, index);
        }

        return index;
    }

    /// <summary>A location with one line per function name, innermost first.</summary>
    public int Location(params string[] innermostFirst)
    {
        var location = new Location();
        foreach (var name in innermostFirst)
        {
            location.Lines.Add(new Line { FunctionIndex = Function(name) });
        }

        return AddLocation(location);
    }

    public int AddressLocation(int mapping, ulong address, string? frameType = null)
    {
        var location = new Location { MappingIndex = mapping, Address = address };
        if (frameType is not null)
        {
            location.AttributeIndices.Add(Attribute("profile.frame.type", frameType));
        }

        return AddLocation(location);
    }

    public int AddLocation(Location location)
    {
        Dictionary.LocationTable.Add(location);
        return Dictionary.LocationTable.Count - 1;
    }

    public int Attribute(string key, string value)
    {
        Dictionary.AttributeTable.Add(new KeyValueAndUnit { KeyStrindex = String(key), Value = new AnyValue { StringValue = value } });
        return Dictionary.AttributeTable.Count - 1;
    }

    /// <summary>A stack of location indices, leaf first.</summary>
    public int Stack(params int[] leafFirstLocations)
    {
        var stack = new Stack();
        stack.LocationIndices.AddRange(leafFirstLocations);
        Dictionary.StackTable.Add(stack);
        return Dictionary.StackTable.Count - 1;
    }

    /// <summary>A stack of single-line locations named leaf first.</summary>
    public int StackOf(params string[] leafFirstFunctions) => Stack([.. leafFirstFunctions.Select(name => Location(name))]);

    public Profile Profile(
        IReadOnlyDictionary<string, string> resourceAttributes,
        string sampleType = "samples",
        string sampleUnit = "count",
        string periodType = "cpu",
        string periodUnit = "nanoseconds",
        long period = 52_631_578)
    {
        var resource = new Resource();
        foreach (var (key, value) in resourceAttributes)
        {
            resource.Attributes.Add(new KeyValue { Key = key, Value = new AnyValue { StringValue = value } });
        }

        var profile = new Profile
        {
            SampleType = new OtlpValueType { TypeStrindex = String(sampleType), UnitStrindex = String(sampleUnit) },
            PeriodType = new OtlpValueType { TypeStrindex = String(periodType), UnitStrindex = String(periodUnit) },
            Period = period,
            TimeUnixNano = 1_700_000_000_000_000_000,
        };
        var scope = new ScopeProfiles();
        scope.Profiles.Add(profile);
        var resourceProfiles = new ResourceProfiles { Resource = resource };
        resourceProfiles.ScopeProfiles.Add(scope);
        Request.ResourceProfiles.Add(resourceProfiles);
        return profile;
    }

    public static Profile AddSample(Profile profile, int stack, long value)
    {
        var sample = new Sample { StackIndex = stack };
        sample.Values.Add(value);
        profile.Samples.Add(sample);
        return profile;
    }

    public static Profile AddTimestamps(Profile profile, int stack, params ulong[] timestamps)
    {
        var sample = new Sample { StackIndex = stack };
        sample.TimestampsUnixNano.AddRange(timestamps);
        profile.Samples.Add(sample);
        return profile;
    }
}
