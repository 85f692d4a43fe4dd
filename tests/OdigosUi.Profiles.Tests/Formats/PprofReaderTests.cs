using Google.Protobuf;
using OdigosUi.Profiles.Conversion;
using OdigosUi.Profiles.Formats.Pprof;
using OdigosUi.Profiles.Otlp.Collector;
using OdigosUi.Profiles.Otlp.Profiles;
using OtlpValueType = OdigosUi.Profiles.Otlp.Profiles.ValueType;
using PprofProto = OdigosUi.Profiles.Pprof.Proto;

namespace OdigosUi.Profiles.Tests.Formats;

public class PprofReaderTests
{
    private const ulong MappingId = 7;
    private const ulong MainFunctionId = 11;
    private const ulong InlinedFunctionId = 12;
    private const ulong GoexitFunctionId = 13;
    private const ulong InlinedLocationId = 101;
    private const ulong GoexitLocationId = 102;
    private const ulong UnmappedLocationId = 103;

    [Fact]
    public void Read_CreatesOneProfilePerSampleTypeInOneResourceAndScope()
    {
        var request = Read(CpuProfile());

        var resource = Assert.Single(request.ResourceProfiles);
        Assert.NotNull(resource.Resource);
        Assert.Empty(resource.Resource.Attributes);
        var scope = Assert.Single(resource.ScopeProfiles);
        Assert.Equal(2, scope.Profiles.Count);
        Assert.Equal(("samples", "count"), TypeOf(request, scope.Profiles[0].SampleType));
        Assert.Equal(("cpu", "nanoseconds"), TypeOf(request, scope.Profiles[1].SampleType));
        Assert.All(scope.Profiles, profile =>
        {
            Assert.Equal(("cpu", "nanoseconds"), TypeOf(request, profile.PeriodType));
            Assert.Equal(10_000_000, profile.Period);
            Assert.Equal(1_700_000_000_000_000_000UL, profile.TimeUnixNano);
            Assert.Equal(10_000_000_000UL, profile.DurationNano);
        });
    }

    [Fact]
    public void Read_SplitsSampleValuesByType()
    {
        var profiles = Profiles(Read(CpuProfile()));

        Assert.Equal(new long[][] { [1], [2], [3] }, profiles[0].Samples.Select(s => s.Values.ToArray()));
        Assert.Equal(new long[][] { [10_000_000], [20_000_000], [30_000_000] }, profiles[1].Samples.Select(s => s.Values.ToArray()));
        Assert.Equal(
            profiles[0].Samples.Select(s => (s.StackIndex, string.Join(",", s.AttributeIndices))),
            profiles[1].Samples.Select(s => (s.StackIndex, string.Join(",", s.AttributeIndices))));
    }

    [Fact]
    public void Read_StartsEveryDictionaryTableWithItsZeroValue()
    {
        var dictionary = Read(CpuProfile()).Dictionary;

        Assert.Equal(new Mapping(), dictionary.MappingTable[0]);
        Assert.Equal(new Location(), dictionary.LocationTable[0]);
        Assert.Equal(new Function(), dictionary.FunctionTable[0]);
        Assert.Equal(new Link(), Assert.Single(dictionary.LinkTable));
        Assert.Equal("", dictionary.StringTable[0]);
        Assert.Equal(new KeyValueAndUnit(), dictionary.AttributeTable[0]);
        Assert.Equal(new Stack(), dictionary.StackTable[0]);
    }

    [Fact]
    public void Read_KeepsMappingTableNonEmptyWithoutPprofMappings()
    {
        var source = CpuProfile();
        source.Mapping.Clear();
        foreach (var location in source.Location)
            location.MappingId = 0;

        var dictionary = Read(source).Dictionary;

        Assert.Equal(new Mapping(), Assert.Single(dictionary.MappingTable));
        Assert.All(dictionary.LocationTable, location => Assert.Equal(0, location.MappingIndex));
    }

    [Fact]
    public void Read_DeduplicatesStrings()
    {
        var strings = Read(CpuProfile()).Dictionary.StringTable;

        Assert.Equal(strings.Count, strings.Distinct(StringComparer.Ordinal).Count());
        Assert.Contains("main.go", strings);
    }

    [Fact]
    public void Read_DeduplicatesStacksAndKeepsLeafFirst()
    {
        var request = Read(CpuProfile());
        var samples = Profiles(request)[0].Samples;

        Assert.Equal(samples[0].StackIndex, samples[2].StackIndex);
        Assert.NotEqual(samples[0].StackIndex, samples[1].StackIndex);
        Assert.Equal(3, request.Dictionary.StackTable.Count);
        Assert.Equal([0x401000UL, 0x402000UL], Addresses(request, samples[0].StackIndex));
        Assert.Equal([0xdeadUL, 0x402000UL], Addresses(request, samples[1].StackIndex));
    }

    [Fact]
    public void Read_MapsSampleWithoutLocationsToTheEmptyStack()
    {
        var source = CpuProfile();
        source.Sample.Add(new PprofProto.Sample { Value = { 4, 40 } });

        Assert.Equal(0, Profiles(Read(source))[0].Samples[3].StackIndex);
    }

    [Fact]
    public void Read_KeepsInlinedLinesInnermostFirst()
    {
        var request = Read(CpuProfile());
        var dictionary = request.Dictionary;
        var location = dictionary.LocationTable.Single(l => l.Address == 0x401000);

        Assert.Equal(2, location.Lines.Count);
        Assert.Equal(("main.inlined", 33L), (FunctionName(request, location.Lines[0].FunctionIndex), location.Lines[0].Line_));
        Assert.Equal(("main.main", 15L), (FunctionName(request, location.Lines[1].FunctionIndex), location.Lines[1].Line_));
        Assert.Equal(4, location.Lines[0].Column);
    }

    [Fact]
    public void Read_CopiesFunctionFields()
    {
        var request = Read(CpuProfile());
        var main = request.Dictionary.FunctionTable.Single(f => Str(request, f.NameStrindex) == "main.main");

        Assert.Equal("main.main_sys", Str(request, main.SystemNameStrindex));
        Assert.Equal("main.go", Str(request, main.FilenameStrindex));
        Assert.Equal(10, main.StartLine);
    }

    [Fact]
    public void Read_CopiesMappingWithBuildIdAttribute()
    {
        var request = Read(CpuProfile());
        var dictionary = request.Dictionary;
        var location = dictionary.LocationTable.Single(l => l.Address == 0x401000);
        var mapping = dictionary.MappingTable[location.MappingIndex];

        Assert.Equal(1, location.MappingIndex);
        Assert.Equal(0x400000UL, mapping.MemoryStart);
        Assert.Equal(0x500000UL, mapping.MemoryLimit);
        Assert.Equal(0x1000UL, mapping.FileOffset);
        Assert.Equal("/usr/bin/app", Str(request, mapping.FilenameStrindex));
        var buildId = dictionary.AttributeTable[Assert.Single(mapping.AttributeIndices)];
        Assert.Equal(PprofReader.BuildIdAttributeKey, Str(request, buildId.KeyStrindex));
        Assert.Equal("process.executable.build_id.gnu", PprofReader.BuildIdAttributeKey);
        Assert.Equal("abc123", buildId.Value.StringValue);
    }

    [Fact]
    public void Read_OmitsBuildIdAttributeWhenEmpty()
    {
        var source = CpuProfile();
        source.Mapping[0].BuildId = 0;

        Assert.Empty(Read(source).Dictionary.MappingTable[1].AttributeIndices);
    }

    [Fact]
    public void Read_GivesLocationWithoutMappingTheZeroMapping()
    {
        var location = Read(CpuProfile()).Dictionary.LocationTable.Single(l => l.Address == 0xdead);

        Assert.Equal(0, location.MappingIndex);
        Assert.Empty(location.Lines);
    }

    [Fact]
    public void Read_ConvertsLabelsToSampleAttributes()
    {
        var request = Read(CpuProfile());
        var samples = Profiles(request)[0].Samples;
        var attributes = samples[0].AttributeIndices.Select(i => request.Dictionary.AttributeTable[i]).ToList();

        Assert.Equal(2, attributes.Count);
        Assert.Equal("thread", Str(request, attributes[0].KeyStrindex));
        Assert.Equal("worker", attributes[0].Value.StringValue);
        Assert.Equal(0, attributes[0].UnitStrindex);
        Assert.Equal("allocated", Str(request, attributes[1].KeyStrindex));
        Assert.Equal(1024, attributes[1].Value.IntValue);
        Assert.Equal("bytes", Str(request, attributes[1].UnitStrindex));
        Assert.Equal([samples[0].AttributeIndices[0]], samples[2].AttributeIndices);
        Assert.Empty(samples[1].AttributeIndices);
    }

    [Theory]
    [InlineData("missing location", "pprof: sample[1].location_id[0]: location 99 does not exist")]
    [InlineData("missing function", "pprof: location[0].line[1].function_id: function 55 does not exist")]
    [InlineData("missing mapping", "pprof: location[1].mapping_id: mapping 8 does not exist")]
    [InlineData("string out of range", "pprof: function[0].name: string index 1000 is out of range (string_table has {count} entries)")]
    [InlineData("negative string", "pprof: sample[0].label[0].key: string index -1 is out of range (string_table has {count} entries)")]
    [InlineData("extra value", "pprof: sample[2]: has 3 values but there are 2 sample types")]
    [InlineData("no sample type", "pprof: no sample_type")]
    [InlineData("first string not empty", "pprof: string_table must start with the empty string")]
    [InlineData("duplicate id", "pprof: function[1]: duplicate id 11")]
    [InlineData("zero id", "pprof: mapping[0]: id 0 is reserved")]
    [InlineData("negative time", "pprof: time_nanos is negative (-5)")]
    public void Read_RejectsInvalidProfile(string defect, string expected)
    {
        var source = CpuProfile();
        Break(source, defect);

        var error = Assert.Throws<ProfileFormatException>(() => Read(source));

        Assert.Equal(expected.Replace("{count}", source.StringTable.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal), error.Message);
    }

    [Fact]
    public void Read_RejectsUnparsableBytes()
    {
        var error = Assert.Throws<ProfileFormatException>(() => PprofReader.Read([0x0A, 0xFF, 0xFF]));

        Assert.StartsWith("pprof: not a valid protobuf message: ", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void LooksLikePprof_AcceptsPprof()
    {
        Assert.True(PprofReader.LooksLikePprof(CpuProfile().ToByteArray()));
    }

    [Fact]
    public void LooksLikePprof_RejectsOtlp()
    {
        var request = Read(CpuProfile());
        var profilesData = new ProfilesData { ResourceProfiles = { request.ResourceProfiles }, Dictionary = request.Dictionary };

        Assert.False(PprofReader.LooksLikePprof(request.ToByteArray()));
        Assert.False(PprofReader.LooksLikePprof(profilesData.ToByteArray()));
    }

    [Theory]
    [InlineData(new byte[0])]
    [InlineData(new byte[] { 0x1F, 0x8B, 0x08, 0x00 })]
    [InlineData(new byte[] { (byte)'{', (byte)'"', (byte)'a', (byte)'"', (byte)':', (byte)'1', (byte)'}' })]
    public void LooksLikePprof_RejectsOtherData(byte[] data)
    {
        Assert.False(PprofReader.LooksLikePprof(data));
    }

    [Fact]
    public void LooksLikePprof_RequiresEmptyFirstStringAndSampleType()
    {
        var withoutEmptyString = CpuProfile();
        withoutEmptyString.StringTable[0] = "x";
        var withoutSampleType = CpuProfile();
        withoutSampleType.SampleType.Clear();

        Assert.False(PprofReader.LooksLikePprof(withoutEmptyString.ToByteArray()));
        Assert.False(PprofReader.LooksLikePprof(withoutSampleType.ToByteArray()));
    }

    private static void Break(PprofProto.Profile source, string defect)
    {
        switch (defect)
        {
            case "missing location": source.Sample[1].LocationId[0] = 99; break;
            case "missing function": source.Location[0].Line[1].FunctionId = 55; break;
            case "missing mapping": source.Location[1].MappingId = 8; break;
            case "string out of range": source.Function[0].Name = 1000; break;
            case "negative string": source.Sample[0].Label[0].Key = -1; break;
            case "extra value": source.Sample[2].Value.Add(5); break;
            case "no sample type": source.SampleType.Clear(); break;
            case "first string not empty": source.StringTable[0] = "x"; break;
            case "duplicate id": source.Function[1].Id = MainFunctionId; break;
            case "zero id": source.Mapping[0].Id = 0; break;
            case "negative time": source.TimeNanos = -5; break;
            default: throw new ArgumentOutOfRangeException(nameof(defect), defect, null);
        }
    }

    /// <summary>
    /// Two sample types; an inlined frame; a mapping with a build id; a location without mapping; string and
    /// numeric labels; two samples with the same stack; "main.go" twice in the string table.
    /// </summary>
    private static PprofProto.Profile CpuProfile()
    {
        var strings = new PprofStrings();
        var profile = new PprofProto.Profile
        {
            SampleType =
            {
                new PprofProto.ValueType { Type = strings["samples"], Unit = strings["count"] },
                new PprofProto.ValueType { Type = strings["cpu"], Unit = strings["nanoseconds"] },
            },
            PeriodType = new PprofProto.ValueType { Type = strings["cpu"], Unit = strings["nanoseconds"] },
            Period = 10_000_000,
            TimeNanos = 1_700_000_000_000_000_000,
            DurationNanos = 10_000_000_000,
            Mapping =
            {
                new PprofProto.Mapping
                {
                    Id = MappingId,
                    MemoryStart = 0x400000,
                    MemoryLimit = 0x500000,
                    FileOffset = 0x1000,
                    Filename = strings["/usr/bin/app"],
                    BuildId = strings["abc123"],
                },
            },
            Function =
            {
                new PprofProto.Function
                {
                    Id = MainFunctionId,
                    Name = strings["main.main"],
                    SystemName = strings["main.main_sys"],
                    Filename = strings["main.go"],
                    StartLine = 10,
                },
                new PprofProto.Function { Id = InlinedFunctionId, Name = strings["main.inlined"], Filename = strings.Duplicate("main.go") },
                new PprofProto.Function { Id = GoexitFunctionId, Name = strings["runtime.goexit"] },
            },
            Location =
            {
                new PprofProto.Location
                {
                    Id = InlinedLocationId,
                    MappingId = MappingId,
                    Address = 0x401000,
                    Line =
                    {
                        new PprofProto.Line { FunctionId = InlinedFunctionId, Line_ = 33, Column = 4 },
                        new PprofProto.Line { FunctionId = MainFunctionId, Line_ = 15 },
                    },
                },
                new PprofProto.Location
                {
                    Id = GoexitLocationId,
                    MappingId = MappingId,
                    Address = 0x402000,
                    Line = { new PprofProto.Line { FunctionId = GoexitFunctionId, Line_ = 1 } },
                },
                new PprofProto.Location { Id = UnmappedLocationId, Address = 0xdead },
            },
            Sample =
            {
                new PprofProto.Sample
                {
                    LocationId = { InlinedLocationId, GoexitLocationId },
                    Value = { 1, 10_000_000 },
                    Label =
                    {
                        new PprofProto.Label { Key = strings["thread"], Str = strings["worker"] },
                        new PprofProto.Label { Key = strings["allocated"], Num = 1024, NumUnit = strings["bytes"] },
                    },
                },
                new PprofProto.Sample { LocationId = { UnmappedLocationId, GoexitLocationId }, Value = { 2, 20_000_000 } },
                new PprofProto.Sample
                {
                    LocationId = { InlinedLocationId, GoexitLocationId },
                    Value = { 3, 30_000_000 },
                    Label = { new PprofProto.Label { Key = strings["thread"], Str = strings["worker"] } },
                },
            },
        };
        profile.StringTable.Add(strings.Table);
        return profile;
    }

    private static ExportProfilesServiceRequest Read(PprofProto.Profile source) => PprofReader.Read(source.ToByteArray());

    private static List<Profile> Profiles(ExportProfilesServiceRequest request) =>
        request.ResourceProfiles.Single().ScopeProfiles.Single().Profiles.ToList();

    private static string Str(ExportProfilesServiceRequest request, int index) => request.Dictionary.StringTable[index];

    private static (string, string) TypeOf(ExportProfilesServiceRequest request, OtlpValueType valueType) =>
        (Str(request, valueType.TypeStrindex), Str(request, valueType.UnitStrindex));

    private static string FunctionName(ExportProfilesServiceRequest request, int functionIndex) =>
        Str(request, request.Dictionary.FunctionTable[functionIndex].NameStrindex);

    private static ulong[] Addresses(ExportProfilesServiceRequest request, int stackIndex) =>
        request.Dictionary.StackTable[stackIndex].LocationIndices.Select(i => request.Dictionary.LocationTable[i].Address).ToArray();

    private sealed class PprofStrings
    {
        private readonly Dictionary<string, long> _indices = new(StringComparer.Ordinal) { [""] = 0 };

        public List<string> Table { get; } = [""];

        public long this[string value]
        {
            get
            {
                if (!_indices.TryGetValue(value, out var index))
                    _indices.Add(value, index = Duplicate(value));
                return index;
            }
        }

        public long Duplicate(string value)
        {
            Table.Add(value);
            return Table.Count - 1;
        }
    }
}
