using Google.Protobuf.Collections;
using OdigosUi.Profiles.Aggregation;
using OdigosUi.Profiles.Model;
using OdigosUi.Profiles.Otlp.Collector;
using OdigosUi.Profiles.Otlp.Common;
using OdigosUi.Profiles.Otlp.Profiles;
using OdigosUi.Profiles.Validation;
using OtlpResource = OdigosUi.Profiles.Otlp.Resource.Resource;

namespace OdigosUi.Pipeline.Exporters;

/// <summary>
/// Makes a valid OTLP Profiles v1.10 request follow the rules Pyroscope (1.20+, 2.x) enforces, without changing what
/// it says (the design's "Producing profiles that Pyroscope accepts"):
/// <list type="bullet">
/// <item>every dictionary table starts with its zero value: an empty table gets it, a null entry (index 0, never read
/// for data) written with content is replaced by it, so no index moves; <c>mapping_table</c> is therefore never empty;</item>
/// <item><c>service.name</c> is a plain resource <c>KeyValue</c> (<c>key</c> + <c>string_value</c>): every resource and
/// scope attribute in the <c>key_strindex</c> / <c>string_value_strindex</c> form is rewritten to the plain form; a
/// resource without a non-empty <c>service.name</c> gets the name of its Source key (the workload name; for a local
/// process its <c>process.executable.name</c>; else <c>unknown_service</c>);</item>
/// <item>a CPU profile (<c>period_type</c> cpu) with <c>period</c> 0 gets <see cref="DefaultCpuPeriodNanos"/>
/// (1e9 / 19 Hz, the profiler's default <c>Profiling:SamplesPerSecond</c>): Pyroscope names the profile type from the
/// period type only when the period is not 0;</item>
/// <item>one value per sample: a sample with n values and n timestamps becomes n samples of one value and one
/// timestamp; a sample with several values and no timestamps becomes one sample of their sum; timestamps-only
/// samples stay as they are.</item>
/// </list>
/// No value changes unit and no total changes: Pyroscope reads cpu/nanoseconds values as they are (it multiplies only
/// samples/count by the period), so they are sent as received.
/// The input is never modified: the result is a new request that shares every message it did not need to change.
/// </summary>
public static class PyroscopeCompat
{
    /// <summary>1e9 / 19: the period of a 19 Hz CPU profiler, used when a CPU profile says 0.</summary>
    public const long DefaultCpuPeriodNanos = 1_000_000_000 / 19;

    public const string ServiceNameKey = "service.name";

    /// <summary>Normalizes every profile of <paramref name="request"/>, which must be valid (see <see cref="ProfilesValidator"/>).</summary>
    public static ExportProfilesServiceRequest Normalize(ExportProfilesServiceRequest request) =>
        Normalize(request, keepProfile: null, DefaultCpuPeriodNanos);

    /// <summary>Normalizes the valid profiles of <paramref name="batch"/>; invalid profiles are left out (Pyroscope would refuse the whole request).</summary>
    public static ExportProfilesServiceRequest Normalize(ProfileBatch batch, long defaultCpuPeriodNanos = DefaultCpuPeriodNanos)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.Validation.RequestInvalid)
        {
            return new ExportProfilesServiceRequest { Dictionary = ZeroDictionary() };
        }

        return Normalize(batch.Request, batch.Validation.InvalidProfileCount == 0 ? null : batch.Validation.IsProfileValid, defaultCpuPeriodNanos);
    }

    /// <summary>Normalizes the profiles of <paramref name="request"/> that <paramref name="keepProfile"/> keeps (all when null).</summary>
    public static ExportProfilesServiceRequest Normalize(ExportProfilesServiceRequest request, Func<ProfilePosition, bool>? keepProfile, long defaultCpuPeriodNanos)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentOutOfRangeException.ThrowIfLessThan(defaultCpuPeriodNanos, 1);
        var context = new Context(request.Dictionary, defaultCpuPeriodNanos);
        var result = new ExportProfilesServiceRequest();
        for (var r = 0; r < request.ResourceProfiles.Count; r++)
        {
            var resourceProfiles = request.ResourceProfiles[r];
            var copy = new ResourceProfiles { SchemaUrl = resourceProfiles.SchemaUrl };
            for (var s = 0; s < resourceProfiles.ScopeProfiles.Count; s++)
            {
                var scopeProfiles = resourceProfiles.ScopeProfiles[s];
                var scopeCopy = new ScopeProfiles { SchemaUrl = scopeProfiles.SchemaUrl, Scope = context.Scope(scopeProfiles.Scope) };
                for (var p = 0; p < scopeProfiles.Profiles.Count; p++)
                {
                    if (keepProfile is null || keepProfile(new ProfilePosition(r, s, p)))
                    {
                        scopeCopy.Profiles.Add(context.Profile(scopeProfiles.Profiles[p]));
                    }
                }

                if (scopeCopy.Profiles.Count > 0)
                {
                    copy.ScopeProfiles.Add(scopeCopy);
                }
            }

            if (copy.ScopeProfiles.Count > 0)
            {
                copy.Resource = context.Resource(resourceProfiles.Resource);
                result.ResourceProfiles.Add(copy);
            }
        }

        result.Dictionary = context.Dictionary();
        return result;
    }

    /// <summary>True when <paramref name="request"/> holds at least one profile.</summary>
    public static bool HasProfiles(ExportProfilesServiceRequest request) =>
        request.ResourceProfiles.Any(r => r.ScopeProfiles.Any(s => s.Profiles.Count > 0));

    private static ProfilesDictionary ZeroDictionary() => ProfilesDictionaries.WithZeroValues();

    private static bool NullEntriesAreZero(ProfilesDictionary d) =>
        d.MappingTable.Count > 0 && d.MappingTable[0].CalculateSize() == 0
        && d.LocationTable.Count > 0 && d.LocationTable[0].CalculateSize() == 0
        && d.FunctionTable.Count > 0 && d.FunctionTable[0].CalculateSize() == 0
        && d.LinkTable.Count > 0 && d.LinkTable[0].CalculateSize() == 0
        && d.StringTable.Count > 0 && d.StringTable[0].Length == 0
        && d.AttributeTable.Count > 0 && d.AttributeTable[0].CalculateSize() == 0
        && d.StackTable.Count > 0 && d.StackTable[0].CalculateSize() == 0;

    /// <summary>
    /// Index 0 of every table is the null entry, never read for data: an empty table gets the zero value, and a null
    /// entry written with content (the OTel eBPF profiler's empty <c>AnyValue</c>, zero-byte trace ids) is replaced by it.
    /// </summary>
    private static void ZeroNullEntries(ProfilesDictionary d)
    {
        ProfilesDictionaries.AddMissingZeroValues(d);
        d.MappingTable[0] = new Mapping();
        d.LocationTable[0] = new Location();
        d.FunctionTable[0] = new Function();
        d.LinkTable[0] = new Link();
        d.StringTable[0] = "";
        d.AttributeTable[0] = new KeyValueAndUnit();
        d.StackTable[0] = new Stack();
    }

    private sealed class Context(ProfilesDictionary? source, long defaultCpuPeriod)
    {
        private readonly DictionaryView _view = new(source);
        private readonly ProfilesDictionary _source = source ?? new ProfilesDictionary();
        private ProfilesDictionary? _copy;

        /// <summary>The dictionary to send: the original when every table starts with its zero value, else a copy sharing the other entries.</summary>
        public ProfilesDictionary Dictionary()
        {
            if (!NullEntriesAreZero(_source))
            {
                Own();
                ZeroNullEntries(_copy!);
            }

            return _copy ?? _source;
        }

        public InstrumentationScope? Scope(InstrumentationScope? scope)
        {
            if (scope is null || !scope.Attributes.Any(NeedsPlain))
            {
                return scope;
            }

            var copy = scope.Clone();
            Plain(copy.Attributes);
            return copy;
        }

        public OtlpResource Resource(OtlpResource? resource)
        {
            var copy = resource?.Clone() ?? new OtlpResource();
            Plain(copy.Attributes);
            string? serviceName = null;
            for (var i = copy.Attributes.Count - 1; i >= 0; i--)
            {
                var attribute = copy.Attributes[i];
                if (attribute.Key != ServiceNameKey)
                {
                    continue;
                }

                var text = _view.Text(attribute.Value);
                if (serviceName is null && !string.IsNullOrEmpty(text))
                {
                    serviceName = text;
                    if (attribute.Value.ValueCase != AnyValue.ValueOneofCase.StringValue)
                    {
                        attribute.Value = new AnyValue { StringValue = text };
                    }
                }
                else
                {
                    // An empty or repeated service.name: keep one, non-empty.
                    copy.Attributes.RemoveAt(i);
                }
            }

            if (serviceName is null)
            {
                var derived = _view.SourceKey(copy).Name;
                copy.Attributes.Add(new KeyValue { Key = ServiceNameKey, Value = new AnyValue { StringValue = string.IsNullOrEmpty(derived) ? SourceKey.UnknownService : derived } });
            }

            return copy;
        }

        public Profile Profile(Profile profile)
        {
            var fixPeriod = _view.ProfileType(profile).IsCpu && profile.Period <= 0;
            var split = profile.Samples.Any(s => s.Values.Count > 1);
            if (!fixPeriod && !split)
            {
                return profile;
            }

            var copy = profile.Clone();
            if (fixPeriod)
            {
                copy.Period = defaultCpuPeriod;
            }

            if (split)
            {
                var samples = new List<Sample>(copy.Samples.Count);
                foreach (var sample in copy.Samples)
                {
                    OneValueEach(sample, samples);
                }

                copy.Samples.Clear();
                copy.Samples.AddRange(samples);
            }

            return copy;
        }

        /// <summary>
        /// Pyroscope refuses a sample with several values when the profile has a period type ("sample values length
        /// mismatch"): values paired with timestamps become one sample per observation; values without their
        /// timestamps become one sample holding their sum. Either way the total stays the same.
        /// </summary>
        private static void OneValueEach(Sample sample, List<Sample> into)
        {
            if (sample.Values.Count <= 1)
            {
                into.Add(sample);
                return;
            }

            if (sample.TimestampsUnixNano.Count == sample.Values.Count)
            {
                for (var i = 0; i < sample.Values.Count; i++)
                {
                    var one = new Sample { StackIndex = sample.StackIndex, LinkIndex = sample.LinkIndex };
                    one.AttributeIndices.AddRange(sample.AttributeIndices);
                    one.Values.Add(sample.Values[i]);
                    one.TimestampsUnixNano.Add(sample.TimestampsUnixNano[i]);
                    into.Add(one);
                }

                return;
            }

            var sum = 0L;
            foreach (var value in sample.Values)
            {
                sum += value;
            }

            sample.Values.Clear();
            sample.Values.Add(sum);
            into.Add(sample);
        }

        private void Own()
        {
            if (_copy is not null)
            {
                return;
            }

            var d = _source;
            _copy = new ProfilesDictionary();
            _copy.MappingTable.AddRange(d.MappingTable);
            _copy.LocationTable.AddRange(d.LocationTable);
            _copy.FunctionTable.AddRange(d.FunctionTable);
            _copy.LinkTable.AddRange(d.LinkTable);
            _copy.StringTable.AddRange(d.StringTable);
            _copy.AttributeTable.AddRange(d.AttributeTable);
            _copy.StackTable.AddRange(d.StackTable);
        }

        private void Plain(RepeatedField<KeyValue> attributes)
        {
            for (var i = 0; i < attributes.Count; i++)
            {
                if (NeedsPlain(attributes[i]))
                {
                    attributes[i] = PlainKeyValue(attributes[i]);
                }
            }
        }

        private KeyValue PlainKeyValue(KeyValue keyValue) => new()
        {
            Key = _view.Key(keyValue),
            Value = keyValue.Value is null ? null : PlainValue(keyValue.Value),
        };

        private AnyValue PlainValue(AnyValue value)
        {
            switch (value.ValueCase)
            {
                case AnyValue.ValueOneofCase.StringValueStrindex:
                    return new AnyValue { StringValue = _view.String(value.StringValueStrindex) };
                case AnyValue.ValueOneofCase.ArrayValue:
                    var array = new ArrayValue();
                    array.Values.AddRange(value.ArrayValue.Values.Select(PlainValue));
                    return new AnyValue { ArrayValue = array };
                case AnyValue.ValueOneofCase.KvlistValue:
                    var list = new KeyValueList();
                    list.Values.AddRange(value.KvlistValue.Values.Select(PlainKeyValue));
                    return new AnyValue { KvlistValue = list };
                default:
                    return value;
            }
        }

        private static bool NeedsPlain(KeyValue keyValue) =>
            keyValue.Key.Length == 0 || keyValue.KeyStrindex != 0 || (keyValue.Value is { } value && NeedsPlain(value));

        private static bool NeedsPlain(AnyValue value) => value.ValueCase switch
        {
            AnyValue.ValueOneofCase.StringValueStrindex => true,
            AnyValue.ValueOneofCase.ArrayValue => value.ArrayValue.Values.Any(NeedsPlain),
            AnyValue.ValueOneofCase.KvlistValue => value.KvlistValue.Values.Any(NeedsPlain),
            _ => false,
        };
    }
}
