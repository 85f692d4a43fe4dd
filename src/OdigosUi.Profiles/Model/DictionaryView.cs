using OdigosUi.Profiles.Otlp.Common;
using OdigosUi.Profiles.Otlp.Profiles;

namespace OdigosUi.Profiles.Model;

/// <summary>
/// Read access to a validated <see cref="ProfilesDictionary"/>. Index 0 of every table is the null entry: it reads as
/// the table's zero value whatever the producer put there (the OTel eBPF profiler writes an explicitly empty
/// <c>AnyValue</c> in <c>attribute_table[0]</c>, others zero-byte ids in <c>link_table[0]</c>) or when the table is empty.
/// </summary>
public sealed class DictionaryView(ProfilesDictionary? dictionary)
{
    private static readonly Mapping ZeroMapping = new();
    private static readonly Location ZeroLocation = new();
    private static readonly Function ZeroFunction = new();
    private static readonly Stack ZeroStack = new();

    public ProfilesDictionary Dictionary { get; } = dictionary ?? new ProfilesDictionary();

    public string String(int index) => index == 0 ? "" : Dictionary.StringTable[index];

    public Mapping Mapping(int index) => index == 0 ? ZeroMapping : Dictionary.MappingTable[index];

    public Location Location(int index) => index == 0 ? ZeroLocation : Dictionary.LocationTable[index];

    public Function Function(int index) => index == 0 ? ZeroFunction : Dictionary.FunctionTable[index];

    public Stack Stack(int index) => index == 0 ? ZeroStack : Dictionary.StackTable[index];

    public int StackCount => Math.Max(1, Dictionary.StackTable.Count);

    public int LocationCount => Math.Max(1, Dictionary.LocationTable.Count);

    public string Key(KeyValue keyValue) => keyValue.Key.Length > 0 ? keyValue.Key : String(keyValue.KeyStrindex);

    /// <summary>A string attribute value, from <c>string_value</c> or <c>string_value_strindex</c>; other kinds as their text.</summary>
    public string? Text(AnyValue? value) => value?.ValueCase switch
    {
        AnyValue.ValueOneofCase.StringValue => value.StringValue,
        AnyValue.ValueOneofCase.StringValueStrindex => String(value.StringValueStrindex),
        AnyValue.ValueOneofCase.IntValue => value.IntValue.ToString(System.Globalization.CultureInfo.InvariantCulture),
        AnyValue.ValueOneofCase.BoolValue => value.BoolValue ? "true" : "false",
        AnyValue.ValueOneofCase.DoubleValue => value.DoubleValue.ToString(System.Globalization.CultureInfo.InvariantCulture),
        _ => null,
    };

    public string? ResourceAttribute(Otlp.Resource.Resource? resource, string key)
    {
        if (resource is null)
        {
            return null;
        }

        foreach (var attribute in resource.Attributes)
        {
            if (Key(attribute) == key)
            {
                return Text(attribute.Value);
            }
        }

        return null;
    }

    /// <summary>The value of attribute <paramref name="key"/> among <paramref name="indices"/> into the attribute table.</summary>
    public string? TableAttribute(IReadOnlyList<int> indices, string key)
    {
        foreach (var index in indices)
        {
            if (index == 0)
            {
                continue;
            }

            var attribute = Dictionary.AttributeTable[index];
            if (String(attribute.KeyStrindex) == key)
            {
                return Text(attribute.Value);
            }
        }

        return null;
    }

    public SourceKey SourceKey(Otlp.Resource.Resource? resource) => Model.SourceKey.FromAttributes(key => ResourceAttribute(resource, key));

    public ProfileType ProfileType(Profile profile) => new(
        String(profile.SampleType?.TypeStrindex ?? 0),
        String(profile.SampleType?.UnitStrindex ?? 0),
        String(profile.PeriodType?.TypeStrindex ?? 0),
        String(profile.PeriodType?.UnitStrindex ?? 0));

    /// <summary>
    /// The sum of <c>values</c> (with timestamps, <c>values[i]</c> is the observation at <c>timestamps_unix_nano[i]</c>),
    /// or the number of timestamps when there are no values: how the spec and Pyroscope count a sample.
    /// </summary>
    public static long SampleValue(Sample sample)
    {
        var values = sample.Values;
        if (values.Count == 0)
        {
            return sample.TimestampsUnixNano.Count;
        }

        long sum = 0;
        for (var i = 0; i < values.Count; i++)
        {
            sum += values[i];
        }

        return sum;
    }
}
