using Google.Protobuf;
using OdigosUi.Profiles.Aggregation;
using OdigosUi.Profiles.Model;
using OdigosUi.Profiles.Otlp.Collector;
using OdigosUi.Profiles.Otlp.Common;
using OdigosUi.Profiles.Otlp.Profiles;
using OdigosUi.Profiles.Otlp.Resource;
using OtlpValueType = OdigosUi.Profiles.Otlp.Profiles.ValueType;

namespace OdigosUi.Profiles.Formats.Otlp;

/// <summary>
/// Encodes aggregated profiles as an OTLP Profiles v1.10 request that Pyroscope accepts: zero values at index 0 of
/// every table, a non-empty mapping table, a non-zero period, one value per sample, and <c>service.name</c> as a plain
/// resource attribute.
/// </summary>
public static class OtlpWriter
{
    /// <summary>Used when a CPU profile carries no period: 100 Hz, pprof's default.</summary>
    public const long DefaultCpuPeriodNanos = 10_000_000;

    public static ExportProfilesServiceRequest Write(IReadOnlyList<(SourceKey Source, ProfileSnapshot Snapshot)> profiles, long timeUnixNano)
    {
        var builder = new DictionaryBuilder();
        var request = new ExportProfilesServiceRequest { Dictionary = builder.Dictionary };
        foreach (var (source, snapshot) in profiles)
        {
            var profile = new Profile
            {
                SampleType = new OtlpValueType
                {
                    TypeStrindex = builder.String(snapshot.Type.SampleType),
                    UnitStrindex = builder.String(snapshot.Type.SampleUnit),
                },
                PeriodType = new OtlpValueType
                {
                    TypeStrindex = builder.String(snapshot.Type.PeriodType),
                    UnitStrindex = builder.String(snapshot.Type.PeriodUnit),
                },
                Period = snapshot.Period > 0 ? snapshot.Period : snapshot.Type.IsCpu ? DefaultCpuPeriodNanos : 1,
                TimeUnixNano = (ulong)timeUnixNano,
            };

            builder.BeginSnapshot(snapshot);
            for (var node = 0; node < snapshot.NodeCount; node++)
            {
                if (snapshot.Present[node])
                {
                    var sample = new Sample { StackIndex = builder.Stack(snapshot, node) };
                    sample.Values.Add(snapshot.Self[node]);
                    profile.Samples.Add(sample);
                }
            }

            var scope = new ScopeProfiles { Scope = new InstrumentationScope { Name = "odigos-ui" } };
            scope.Profiles.Add(profile);
            var resource = new ResourceProfiles { Resource = Resource(source) };
            resource.ScopeProfiles.Add(scope);
            request.ResourceProfiles.Add(resource);
        }

        return request;
    }

    public static byte[] WriteBytes(IReadOnlyList<(SourceKey Source, ProfileSnapshot Snapshot)> profiles, long timeUnixNano) =>
        Write(profiles, timeUnixNano).ToByteArray();

    private static Resource Resource(SourceKey source)
    {
        var resource = new Resource();
        resource.Attributes.Add(Attribute("service.name", source.Name));
        if (source.Namespace != SourceKey.LocalNamespace)
        {
            resource.Attributes.Add(Attribute("k8s.namespace.name", source.Namespace));
            resource.Attributes.Add(Attribute("odigos.workload.kind", source.Kind));
            resource.Attributes.Add(Attribute("odigos.workload.name", source.Name));
        }

        return resource;
    }

    private static KeyValue Attribute(string key, string value) => new() { Key = key, Value = new AnyValue { StringValue = value } };

    /// <summary>Builds the shared dictionary, interning strings, frames (one function and location each) and stacks.</summary>
    private sealed class DictionaryBuilder
    {
        private readonly Dictionary<string, int> _strings = new(StringComparer.Ordinal) { [""] = 0 };
        private readonly Dictionary<Frame, int> _locations = [];
        private readonly Dictionary<string, int> _frameTypeAttributes = new(StringComparer.Ordinal);
        private int[] _locationOfFrame = [];

        public ProfilesDictionary Dictionary { get; } = ProfilesDictionaries.WithZeroValues();

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

        /// <summary>Resets the frame id cache: frame ids belong to the snapshot's own frame table.</summary>
        public void BeginSnapshot(ProfileSnapshot snapshot)
        {
            _locationOfFrame = new int[snapshot.Frames.Length];
        }

        /// <summary>A new stack for the node: within a snapshot every node is a distinct stack.</summary>
        public int Stack(ProfileSnapshot snapshot, int node)
        {
            var stack = new Stack();
            for (var n = node; n != ProfileTree.Root; n = snapshot.Parent[n])
            {
                var frame = snapshot.FrameOf[n];
                var location = _locationOfFrame[frame];
                if (location == 0)
                {
                    location = Location(snapshot.Frames[frame]);
                    _locationOfFrame[frame] = location;
                }

                stack.LocationIndices.Add(location);
            }

            Dictionary.StackTable.Add(stack);
            return Dictionary.StackTable.Count - 1;
        }

        private int Location(Frame frame)
        {
            if (_locations.TryGetValue(frame, out var index))
            {
                return index;
            }

            var function = Dictionary.FunctionTable.Count;
            Dictionary.FunctionTable.Add(new Function { NameStrindex = String(frame.Label) });
            var location = new Location();
            location.Lines.Add(new Line { FunctionIndex = function });
            if (frame.Kind.Length > 0)
            {
                location.AttributeIndices.Add(FrameTypeAttribute(frame.Kind));
            }

            index = Dictionary.LocationTable.Count;
            Dictionary.LocationTable.Add(location);
            _locations.Add(frame, index);
            return index;
        }

        private int FrameTypeAttribute(string kind)
        {
            if (!_frameTypeAttributes.TryGetValue(kind, out var index))
            {
                index = Dictionary.AttributeTable.Count;
                Dictionary.AttributeTable.Add(new KeyValueAndUnit
                {
                    KeyStrindex = String(FrameLabels.FrameTypeAttribute),
                    Value = new AnyValue { StringValue = kind },
                });
                _frameTypeAttributes.Add(kind, index);
            }

            return index;
        }
    }
}
