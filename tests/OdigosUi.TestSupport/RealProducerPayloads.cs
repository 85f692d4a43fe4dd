using Google.Protobuf;
using OdigosUi.Profiles.Otlp.Collector;
using OdigosUi.Profiles.Otlp.Common;
using OdigosUi.Profiles.Otlp.Profiles;
using OdigosUi.Profiles.Otlp.Resource;
using OtlpValueType = OdigosUi.Profiles.Otlp.Profiles.ValueType;

namespace OdigosUi.TestSupport;

/// <summary>
/// Requests with the shapes real producers send, built here (no other project's capture is committed):
/// the OTel eBPF profiler's null entries, CPU samples that carry timestamps only, off-CPU samples whose values pair
/// with timestamps, file-relative native addresses in mappings with <c>memory_start</c> 0, and absolute addresses in
/// mappings with <c>memory_start</c>/<c>memory_limit</c>/<c>file_offset</c> set. <see cref="ExpectedFolded"/> holds what
/// the design's rules give for them, written out by hand.
/// </summary>
public static class RealProducerPayloads
{
    public const string CpuType = "samples:count:cpu:nanoseconds";
    public const string OffCpuType = "off_cpu:nanoseconds::";

    /// <summary>Start of the capture: the CPU and off-CPU observations fall in the 30 s that follow it.</summary>
    public const ulong Start = 1_760_000_000_000_000_000;

    public const ulong Second = 1_000_000_000;

    /// <summary>The folded text of each profile type of <see cref="EbpfProfiler"/> for the whole capture.</summary>
    public static readonly IReadOnlyDictionary<string, string> ExpectedFolded = new Dictionary<string, string>
    {
        [CpuType] =
            "_start;__libc_start_main;main;checkout.(*Cart).Total;runtime.mallocgc 3\n" +
            "_start;__libc_start_main;main;checkout.(*Cart).Total;sha256block 2\n" +
            "liblzma.so.5.4.1+0x5bc9 1\n",
        [OffCpuType] =
            "_start;__libc_start_main;main;checkout.(*Cart).Total;runtime.mallocgc 7\n" +
            "_start;__libc_start_main;main;do_syscall_64;__x64_sys_futex;schedule 10\n",
    };

    /// <summary>The off-CPU folded text of the observations at or after <see cref="Start"/> + 20 s.</summary>
    public const string ExpectedOffCpuLastTenSeconds = "_start;__libc_start_main;main;do_syscall_64;__x64_sys_futex;schedule 6\n";

    /// <summary>
    /// What the OTel eBPF profiler sends for one process (service <c>checkout</c>): CPU and off-CPU profiles in one
    /// request sharing one dictionary whose null entries are not wire-empty.
    /// </summary>
    public static ExportProfilesServiceRequest EbpfProfiler()
    {
        var d = new ProfilesDictionary();
        var s = new Strings(d);

        // attribute_table[0]: an explicitly empty AnyValue (field 2 of length 0), as the OTel eBPF profiler writes it.
        d.AttributeTable.Add(new KeyValueAndUnit { Value = new AnyValue() });
        // link_table[0]: zero-byte trace and span ids, as other producers write them.
        d.LinkTable.Add(new Link { TraceId = ByteString.CopyFrom(new byte[16]), SpanId = ByteString.CopyFrom(new byte[8]) });
        d.MappingTable.Add(new Mapping());
        d.LocationTable.Add(new Location());
        d.FunctionTable.Add(new Function());
        d.StackTable.Add(new Stack());

        var frameType = s["profile.frame.type"];
        int FrameType(string kind)
        {
            d.AttributeTable.Add(new KeyValueAndUnit { KeyStrindex = frameType, Value = new AnyValue { StringValue = kind } });
            return d.AttributeTable.Count - 1;
        }

        var native = FrameType("native");
        var kernel = FrameType("kernel");
        var go = FrameType("go");
        d.AttributeTable.Add(new KeyValueAndUnit { KeyStrindex = s["thread.name"], Value = new AnyValue { StringValue = "checkout" } });
        var thread = d.AttributeTable.Count - 1;

        // The eBPF profiler's mappings: file-relative addresses, memory_start and memory_limit left 0.
        var app = AddMapping(d, new Mapping { FilenameStrindex = s["/app/checkout"] });
        var liblzma = AddMapping(d, new Mapping { FilenameStrindex = s["/usr/lib/x86_64-linux-gnu/liblzma.so.5.4.1"] });
        var kernelMapping = AddMapping(d, new Mapping { FilenameStrindex = s["[kernel.kallsyms]"] });

        int Symbolized(int mapping, ulong address, string name, int kind)
        {
            d.FunctionTable.Add(new Function { NameStrindex = s[name], FilenameStrindex = s["/app/checkout.go"] });
            var location = new Location { MappingIndex = mapping, Address = address, AttributeIndices = { kind } };
            location.Lines.Add(new Line { FunctionIndex = d.FunctionTable.Count - 1, Line_ = 42 });
            d.LocationTable.Add(location);
            return d.LocationTable.Count - 1;
        }

        int Bare(int mapping, ulong address, int kind)
        {
            d.LocationTable.Add(new Location { MappingIndex = mapping, Address = address, AttributeIndices = { kind } });
            return d.LocationTable.Count - 1;
        }

        var start = Symbolized(app, 0x1000, "_start", native);
        var libcStart = Symbolized(app, 0x1100, "__libc_start_main", native);
        var main = Symbolized(app, 0x2000, "main", go);
        var total = Symbolized(app, 0x2400, "checkout.(*Cart).Total", go);
        var malloc = Symbolized(app, 0x3000, "runtime.mallocgc", go);
        var sha = Symbolized(app, 0x3800, "sha256block", native);
        var syscall = Symbolized(kernelMapping, 0xffffffff81000100, "do_syscall_64", kernel);
        var futex = Symbolized(kernelMapping, 0xffffffff81000200, "__x64_sys_futex", kernel);
        var schedule = Symbolized(kernelMapping, 0xffffffff81000300, "schedule", kernel);
        var lzma = Bare(liblzma, 0x5bc9, native);

        int Stack(params int[] leafFirst)
        {
            d.StackTable.Add(new Stack { LocationIndices = { leafFirst } });
            return d.StackTable.Count - 1;
        }

        var mallocStack = Stack(malloc, total, main, libcStart, start);
        var shaStack = Stack(sha, total, main, libcStart, start);
        var lzmaStack = Stack(lzma);
        var futexStack = Stack(schedule, futex, syscall, main, libcStart, start);

        var resource = new Resource
        {
            Attributes =
            {
                new KeyValue { Key = "service.name", Value = new AnyValue { StringValue = "checkout" } },
                new KeyValue { Key = "process.executable.name", Value = new AnyValue { StringValue = "checkout" } },
                new KeyValue { Key = "process.pid", Value = new AnyValue { IntValue = 4242 } },
            },
        };

        // On-CPU: one sample per stack, its events as timestamps and no values.
        var cpu = new Profile
        {
            SampleType = new OtlpValueType { TypeStrindex = s["samples"], UnitStrindex = s["count"] },
            PeriodType = new OtlpValueType { TypeStrindex = s["cpu"], UnitStrindex = s["nanoseconds"] },
            Period = 50_000_000,
            TimeUnixNano = Start,
            DurationNano = 30 * Second,
        };
        cpu.Samples.Add(Timestamps(mallocStack, thread, Start + (1 * Second), Start + (12 * Second), Start + (25 * Second)));
        cpu.Samples.Add(Timestamps(shaStack, thread, Start + (2 * Second), Start + (3 * Second)));
        cpu.Samples.Add(Timestamps(lzmaStack, thread, Start + (4 * Second)));

        // Off-CPU: no period type; values[i] is the off-CPU time observed at timestamps_unix_nano[i].
        var offCpu = new Profile
        {
            SampleType = new OtlpValueType { TypeStrindex = s["off_cpu"], UnitStrindex = s["nanoseconds"] },
            TimeUnixNano = Start,
            DurationNano = 30 * Second,
        };
        var futexSample = Timestamps(futexStack, thread, Start + (1 * Second), Start + (5 * Second), Start + (21 * Second), Start + (29 * Second));
        futexSample.Values.Add([2, 2, 3, 3]);
        offCpu.Samples.Add(futexSample);
        var mallocSample = Timestamps(mallocStack, thread, Start + (6 * Second), Start + (7 * Second));
        mallocSample.Values.Add([4, 3]);
        offCpu.Samples.Add(mallocSample);
        var idle = Timestamps(shaStack, thread, Start + (8 * Second));
        idle.Values.Add(0);
        offCpu.Samples.Add(idle);

        return new ExportProfilesServiceRequest
        {
            ResourceProfiles =
            {
                new ResourceProfiles { Resource = resource, ScopeProfiles = { new ScopeProfiles { Profiles = { cpu, offCpu } } } },
            },
            Dictionary = d,
        };
    }

    /// <summary>
    /// A process's native frames as a perf-based profiler sees them: absolute addresses in mappings with
    /// <c>memory_start</c>, <c>memory_limit</c> and <c>file_offset</c>. The same library at a different base in two
    /// processes gives the same labels: <c>libcrypto.so.3+0x1f00</c> (0x7f0000001000 - 0x7f0000000000 + 0xf00) and
    /// <c>libcrypto.so.3+0x2000</c>; an address outside every range keeps its value.
    /// </summary>
    public static ExportProfilesServiceRequest PerfNative(string service, ulong libraryBase)
    {
        var b = new OtlpRequestBuilder();
        var mapping = b.Dictionary.MappingTable.Count;
        b.Dictionary.MappingTable.Add(new Mapping
        {
            FilenameStrindex = b.String("/usr/lib/x86_64-linux-gnu/libcrypto.so.3"),
            MemoryStart = libraryBase,
            MemoryLimit = libraryBase + 0x10000,
            FileOffset = 0xf00,
        });
        var anonymous = b.Dictionary.MappingTable.Count;
        b.Dictionary.MappingTable.Add(new Mapping { MemoryStart = 0x10000, MemoryLimit = 0x20000 });
        var profile = b.Profile(new Dictionary<string, string> { ["service.name"] = service });
        OtlpRequestBuilder.AddSample(profile, b.Stack(b.AddressLocation(mapping, libraryBase + 0x1000), b.Location("main")), 5);
        OtlpRequestBuilder.AddSample(profile, b.Stack(b.AddressLocation(mapping, libraryBase + 0x1100), b.Location("main")), 2);
        OtlpRequestBuilder.AddSample(profile, b.Stack(b.AddressLocation(anonymous, 0x10abc), b.Location("main")), 1);
        OtlpRequestBuilder.AddSample(profile, b.Stack(b.AddressLocation(mapping, 0x42), b.Location("main")), 1);
        return b.Request;
    }

    /// <summary>The folded text of <see cref="PerfNative"/>, whatever the library's base.</summary>
    public const string ExpectedPerfNativeFolded =
        "main;0x10abc 1\n" +
        "main;libcrypto.so.3+0x1f00 5\n" +
        "main;libcrypto.so.3+0x2000 2\n" +
        "main;libcrypto.so.3+0x42 1\n";

    private static Sample Timestamps(int stack, int attribute, params ulong[] timestamps)
    {
        var sample = new Sample { StackIndex = stack, AttributeIndices = { attribute } };
        sample.TimestampsUnixNano.Add(timestamps);
        return sample;
    }

    private static int AddMapping(ProfilesDictionary d, Mapping mapping)
    {
        d.MappingTable.Add(mapping);
        return d.MappingTable.Count - 1;
    }

    private sealed class Strings(ProfilesDictionary d)
    {
        private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal) { [""] = Add(d, "") };

        public int this[string value]
        {
            get
            {
                if (!_index.TryGetValue(value, out var index))
                {
                    index = Add(d, value);
                    _index.Add(value, index);
                }

                return index;
            }
        }

        private static int Add(ProfilesDictionary d, string value)
        {
            d.StringTable.Add(value);
            return d.StringTable.Count - 1;
        }
    }
}
