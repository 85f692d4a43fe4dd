using Google.Protobuf;
using OdigosUi.Profiler.Symbolization;
using OdigosUi.Profiles.Model;
using OdigosUi.Profiles.Otlp.Collector;
using OdigosUi.Profiles.Otlp.Common;
using OdigosUi.Profiles.Otlp.Profiles;
using OdigosUi.Profiles.Otlp.Resource;
using ValueType = OdigosUi.Profiles.Otlp.Profiles.ValueType;

namespace OdigosUi.Profiler.Otlp;

/// <summary>
/// Turns a <see cref="SampleWindow"/> into one OTLP Profiles v1.10 request: a ResourceProfiles per process with a
/// samples:count:cpu:nanoseconds profile, samples carrying one timestamp per observation, and a shared dictionary.
/// </summary>
public sealed class ProfileBuilder
{
    public const string ScopeName = "odigos-ui-profiler";

    private readonly ProfilesDictionary _dictionary = ProfilesDictionaries.WithZeroValues();
    private readonly Dictionary<string, int> _strings = new(StringComparer.Ordinal) { [""] = 0 };
    private readonly Dictionary<(int Key, string? Text, long Number), int> _attributes = [];
    private readonly Dictionary<FunctionKey, int> _functions = [];
    private readonly Dictionary<FrameMapping, int> _mappings = [];
    private readonly Dictionary<ResolvedFrame, int> _locations = [];
    private readonly Dictionary<StackKey, int> _stacks = [];

    private ProfileBuilder()
    {
    }

    public static ExportProfilesServiceRequest Build(SampleWindow window, ulong endUnixNano, int samplesPerSecond)
    {
        var builder = new ProfileBuilder();
        var request = new ExportProfilesServiceRequest { Dictionary = builder._dictionary };
        foreach (var group in window.Samples.GroupBy(s => s.Pid).OrderBy(g => g.Key))
        {
            var info = window.Processes.GetValueOrDefault(group.Key) ?? new ProcessInfo(group.Key, $"pid-{group.Key}", null, null);
            request.ResourceProfiles.Add(builder.BuildProcess(info, group, window, endUnixNano, samplesPerSecond));
        }

        return request;
    }

    private ResourceProfiles BuildProcess(ProcessInfo info, IEnumerable<CollectedSample> samples, SampleWindow window, ulong endUnixNano, int samplesPerSecond)
    {
        var profile = new Profile
        {
            SampleType = new ValueType { TypeStrindex = String("samples"), UnitStrindex = String("count") },
            PeriodType = new ValueType { TypeStrindex = String("cpu"), UnitStrindex = String("nanoseconds") },
            Period = 1_000_000_000L / Math.Max(1, samplesPerSecond),
            TimeUnixNano = window.StartUnixNano,
            DurationNano = endUnixNano > window.StartUnixNano ? endUnixNano - window.StartUnixNano : 0,
            ProfileId = ByteString.CopyFrom(Guid.NewGuid().ToByteArray()),
        };

        var bySampleKey = new Dictionary<(int Stack, int Tid), Sample>();
        foreach (var sample in samples)
        {
            var stack = Stack(sample.Frames);
            if (!bySampleKey.TryGetValue((stack, sample.Tid), out var otlpSample))
            {
                otlpSample = new Sample { StackIndex = stack };
                otlpSample.AttributeIndices.Add(Attribute("thread.id", null, sample.Tid));
                if (window.ThreadName(sample.Pid, sample.Tid) is { } threadName)
                {
                    otlpSample.AttributeIndices.Add(Attribute("thread.name", threadName, 0));
                }

                bySampleKey[(stack, sample.Tid)] = otlpSample;
                profile.Samples.Add(otlpSample);
            }

            otlpSample.TimestampsUnixNano.Add(sample.TimeUnixNano);
        }

        var resource = new Resource();
        resource.Attributes.Add(Int("process.pid", info.Pid));
        resource.Attributes.Add(Text("process.executable.name", info.ExecutableName));
        if (info.ExecutablePath is not null)
        {
            resource.Attributes.Add(Text("process.executable.path", info.ExecutablePath));
        }

        resource.Attributes.Add(Text("service.name", info.ExecutableName));
        if (info.ContainerId is not null)
        {
            resource.Attributes.Add(Text("container.id", info.ContainerId));
        }

        if (info.PodUid is not null)
        {
            resource.Attributes.Add(Text("k8s.pod.uid", info.PodUid));
        }

        return new ResourceProfiles
        {
            Resource = resource,
            ScopeProfiles = { new ScopeProfiles { Scope = new InstrumentationScope { Name = ScopeName }, Profiles = { profile } } },
        };
    }

    private int Stack(IReadOnlyList<ResolvedFrame> frames)
    {
        var indices = new int[frames.Count];
        for (var i = 0; i < frames.Count; i++)
        {
            indices[i] = Location(frames[i]);
        }

        var key = new StackKey(indices);
        if (!_stacks.TryGetValue(key, out var index))
        {
            index = _dictionary.StackTable.Count;
            _dictionary.StackTable.Add(new Stack { LocationIndices = { indices } });
            _stacks[key] = index;
        }

        return index;
    }

    private int Location(ResolvedFrame frame)
    {
        if (_locations.TryGetValue(frame, out var index))
        {
            return index;
        }

        // The process address, as pprof has it: the mapping's range and file offset make it file-relative for readers,
        // and code without a file (JIT, unmapped) keeps an address that means something.
        var location = new Location
        {
            MappingIndex = frame.Mapping is null ? 0 : Mapping(frame.Mapping),
            Address = frame.Address,
        };
        location.AttributeIndices.Add(Attribute("profile.frame.type", FrameType(frame.Kind), 0));
        if (frame.FunctionName is { } name)
        {
            location.Lines.Add(new Line { FunctionIndex = Function(new FunctionKey(name, frame.SystemName ?? name, frame.FileName ?? "", frame.FunctionStartLine)), Line_ = frame.Line });
        }

        index = _dictionary.LocationTable.Count;
        _dictionary.LocationTable.Add(location);
        _locations[frame] = index;
        return index;
    }

    private static string FrameType(FrameKind kind) => kind switch
    {
        FrameKind.Kernel => "kernel",
        FrameKind.Dotnet => "dotnet",
        FrameKind.Go => "go",
        FrameKind.Jvm => "jvm",
        FrameKind.CPython => "cpython",
        FrameKind.V8js => "v8js",
        _ => "native",
    };

    private int Mapping(FrameMapping mapping)
    {
        if (!_mappings.TryGetValue(mapping, out var index))
        {
            var otlp = new Mapping
            {
                MemoryStart = mapping.Start,
                MemoryLimit = mapping.End,
                FileOffset = mapping.FileOffset,
                FilenameStrindex = String(mapping.Path),
            };
            if (mapping.BuildId is { } buildId)
            {
                otlp.AttributeIndices.Add(Attribute("process.executable.build_id.gnu", buildId, 0));
            }

            index = _dictionary.MappingTable.Count;
            _dictionary.MappingTable.Add(otlp);
            _mappings[mapping] = index;
        }

        return index;
    }

    private int Function(FunctionKey key)
    {
        if (!_functions.TryGetValue(key, out var index))
        {
            index = _dictionary.FunctionTable.Count;
            _dictionary.FunctionTable.Add(new Function
            {
                NameStrindex = String(key.Name),
                SystemNameStrindex = String(key.SystemName),
                FilenameStrindex = String(key.FileName),
                StartLine = key.StartLine,
            });
            _functions[key] = index;
        }

        return index;
    }

    private int Attribute(string key, string? text, long number)
    {
        var keyIndex = String(key);
        if (!_attributes.TryGetValue((keyIndex, text, number), out var index))
        {
            var value = text is null ? new AnyValue { IntValue = number } : new AnyValue { StringValue = text };
            index = _dictionary.AttributeTable.Count;
            _dictionary.AttributeTable.Add(new KeyValueAndUnit { KeyStrindex = keyIndex, Value = value });
            _attributes[(keyIndex, text, number)] = index;
        }

        return index;
    }

    private int String(string value)
    {
        if (!_strings.TryGetValue(value, out var index))
        {
            index = _dictionary.StringTable.Count;
            _dictionary.StringTable.Add(value);
            _strings[value] = index;
        }

        return index;
    }

    private static KeyValue Text(string key, string value) => new() { Key = key, Value = new AnyValue { StringValue = value } };

    private static KeyValue Int(string key, long value) => new() { Key = key, Value = new AnyValue { IntValue = value } };

    private readonly record struct FunctionKey(string Name, string SystemName, string FileName, long StartLine);

    private readonly struct StackKey(int[] indices) : IEquatable<StackKey>
    {
        private readonly int[] _indices = indices;

        public bool Equals(StackKey other) => _indices.AsSpan().SequenceEqual(other._indices);

        public override bool Equals(object? obj) => obj is StackKey other && Equals(other);

        public override int GetHashCode()
        {
            var hash = new HashCode();
            hash.AddBytes(System.Runtime.InteropServices.MemoryMarshal.AsBytes(_indices.AsSpan()));
            return hash.ToHashCode();
        }
    }
}
