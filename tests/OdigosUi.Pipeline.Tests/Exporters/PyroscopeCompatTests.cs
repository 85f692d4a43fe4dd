using Google.Protobuf;
using OdigosUi.Pipeline.Exporters;
using OdigosUi.Profiles.Aggregation;
using OdigosUi.Profiles.Model;
using OdigosUi.Profiles.Otlp.Collector;
using OdigosUi.Profiles.Otlp.Common;
using OdigosUi.Profiles.Otlp.Profiles;
using OdigosUi.Profiles.Validation;
using OdigosUi.TestSupport;
using OdigosUi.TestSupport.FakePyroscope;
using OtlpResource = OdigosUi.Profiles.Otlp.Resource.Resource;
using OtlpValueType = OdigosUi.Profiles.Otlp.Profiles.ValueType;

namespace OdigosUi.Pipeline.Tests.Exporters;

public class PyroscopeCompatTests
{
    /// <summary>
    /// A valid v1.10 request Pyroscope refuses: empty mapping, link and attribute tables, service.name only in the
    /// key_strindex / string_value_strindex form, a CPU profile with period 0, and a sample with two values and two timestamps.
    /// </summary>
    internal static ExportProfilesServiceRequest Quirky()
    {
        var d = new ProfilesDictionary();
        d.StringTable.AddRange(["", "service.name", "checkout", "samples", "count", "cpu", "nanoseconds", "main", "work"]);
        d.FunctionTable.Add(new Function());
        d.FunctionTable.Add(new Function { NameStrindex = 7 });
        d.FunctionTable.Add(new Function { NameStrindex = 8 });
        d.LocationTable.Add(new Location());
        d.LocationTable.Add(new Location { Lines = { new Line { FunctionIndex = 1 } } });
        d.LocationTable.Add(new Location { Lines = { new Line { FunctionIndex = 2 } } });
        d.StackTable.Add(new Stack());
        d.StackTable.Add(new Stack { LocationIndices = { 2, 1 } });
        var profile = new Profile
        {
            SampleType = new OtlpValueType { TypeStrindex = 3, UnitStrindex = 4 },
            PeriodType = new OtlpValueType { TypeStrindex = 5, UnitStrindex = 6 },
            Period = 0,
            TimeUnixNano = SyntheticPayloads.StartUnixNano,
        };
        profile.Samples.Add(new Sample { StackIndex = 1, Values = { 3 } });
        profile.Samples.Add(new Sample { StackIndex = 1, Values = { 1, 2 }, TimestampsUnixNano = { SyntheticPayloads.StartUnixNano + 1, SyntheticPayloads.StartUnixNano + 2 } });
        profile.Samples.Add(new Sample { StackIndex = 1, TimestampsUnixNano = { SyntheticPayloads.StartUnixNano + 3, SyntheticPayloads.StartUnixNano + 4 } });
        var resource = new OtlpResource();
        resource.Attributes.Add(new KeyValue { KeyStrindex = 1, Value = new AnyValue { StringValueStrindex = 2 } });
        var request = new ExportProfilesServiceRequest { Dictionary = d };
        request.ResourceProfiles.Add(new ResourceProfiles { Resource = resource, ScopeProfiles = { new ScopeProfiles { Profiles = { profile } } } });
        return request;
    }

    [Fact]
    public void Quirky_request_is_valid_but_refused_as_is_and_accepted_normalized()
    {
        var request = Quirky();
        Assert.True(ProfilesValidator.Validate(request).IsValid);
        Assert.Equal("dictionary.mapping_table is empty: index 0 must hold the zero value", FakePyroscopeServer.Check(request));

        var normalized = PyroscopeCompat.Normalize(request);

        Assert.Null(FakePyroscopeServer.Check(normalized));
        var d = normalized.Dictionary;
        Assert.Equal([new Mapping()], d.MappingTable);
        Assert.Equal([new Link()], d.LinkTable);
        Assert.Equal([new KeyValueAndUnit()], d.AttributeTable);
        Assert.Equal(request.Dictionary.StackTable, d.StackTable);
        var serviceName = Assert.Single(normalized.ResourceProfiles[0].Resource.Attributes);
        Assert.Equal("service.name", serviceName.Key);
        Assert.Equal(0, serviceName.KeyStrindex);
        Assert.Equal("checkout", serviceName.Value.StringValue);
        var profile = normalized.ResourceProfiles[0].ScopeProfiles[0].Profiles[0];
        Assert.Equal(PyroscopeCompat.DefaultCpuPeriodNanos, profile.Period);
        Assert.Equal(52_631_578, profile.Period);
        Assert.Equal(new long[][] { [3], [1], [2], [] }, profile.Samples.Select(s => s.Values.ToArray()));
        Assert.Equal(8, profile.Samples.Sum(DictionaryView.SampleValue));
    }

    [Fact]
    public void Input_is_not_modified_and_unneeded_copies_are_not_made()
    {
        var request = Quirky();
        var before = request.ToByteArray();
        PyroscopeCompat.Normalize(request);
        Assert.Equal(before, request.ToByteArray());

        var tidy = SyntheticPayloads.Small(3);
        var tidyBefore = tidy.ToByteArray();
        var normalized = PyroscopeCompat.Normalize(tidy);
        Assert.Same(tidy.Dictionary, normalized.Dictionary);
        Assert.Same(tidy.ResourceProfiles[0].ScopeProfiles[0].Profiles[0], normalized.ResourceProfiles[0].ScopeProfiles[0].Profiles[0]);
        Assert.Equal(tidyBefore, tidy.ToByteArray());
        Assert.Equal(tidy, normalized);
        Assert.Null(FakePyroscopeServer.Check(normalized));
    }

    [Theory]
    [InlineData("k8s.namespace.name=shop;k8s.deployment.name=cart", "cart")]
    [InlineData("k8s.namespace.name=shop;odigos.workload.kind=StatefulSet;odigos.workload.name=db", "db")]
    [InlineData("process.executable.name=dotnet", "dotnet")]
    [InlineData("service.name=", "unknown_service")]
    [InlineData("", "unknown_service")]
    public void Missing_service_name_comes_from_the_source_key(string attributes, string expected)
    {
        var b = new OtlpRequestBuilder();
        var pairs = attributes.Split(';', StringSplitOptions.RemoveEmptyEntries).Select(p => p.Split('=')).ToDictionary(p => p[0], p => p[1]);
        OtlpRequestBuilder.AddSample(b.Profile(pairs), b.StackOf("work", "main"), 5);

        var normalized = PyroscopeCompat.Normalize(b.Request);

        var names = normalized.ResourceProfiles[0].Resource.Attributes.Where(a => a.Key == "service.name").Select(a => a.Value.StringValue);
        Assert.Equal([expected], names);
        Assert.Null(FakePyroscopeServer.Check(normalized));
    }

    [Fact]
    public void Cpu_nanoseconds_go_as_received_because_pyroscope_reads_them_as_they_are()
    {
        var b = new OtlpRequestBuilder();
        var profile = b.Profile(new Dictionary<string, string> { ["service.name"] = "api" }, sampleType: "cpu", sampleUnit: "nanoseconds", period: 10_000_000);
        OtlpRequestBuilder.AddSample(profile, b.StackOf("a"), 25_000_000);
        OtlpRequestBuilder.AddSample(profile, b.StackOf("b"), 1_000);
        Assert.Null(FakePyroscopeServer.Check(b.Request));

        var normalized = PyroscopeCompat.Normalize(b.Request);

        Assert.Equal(b.Request, normalized);
        Assert.Same(profile, normalized.ResourceProfiles[0].ScopeProfiles[0].Profiles[0]);
    }

    [Fact]
    public void Several_values_without_timestamps_become_their_sum()
    {
        var b = new OtlpRequestBuilder();
        var profile = b.Profile(new Dictionary<string, string> { ["service.name"] = "api" });
        profile.Samples.Add(new Sample { StackIndex = b.StackOf("a"), Values = { 4, 9 } });

        var normalized = PyroscopeCompat.Normalize(b.Request);

        Assert.Equal([13L], normalized.ResourceProfiles[0].ScopeProfiles[0].Profiles[0].Samples[0].Values);
        Assert.Null(FakePyroscopeServer.Check(normalized));
    }

    [Fact]
    public void Values_paired_with_timestamps_become_one_sample_per_observation_with_the_same_total()
    {
        var request = MixedValuePayload.Create(new Dictionary<string, string> { ["service.name"] = "api" }, SyntheticPayloads.StartUnixNano);
        Assert.Contains("a sample has 2 values", FakePyroscopeServer.Check(request));

        var normalized = PyroscopeCompat.Normalize(request);

        Assert.Null(FakePyroscopeServer.Check(normalized));
        var view = new DictionaryView(normalized.Dictionary);
        var profiles = normalized.ResourceProfiles[0].ScopeProfiles[0].Profiles;
        Assert.Equal([MixedValuePayload.CpuNanosType, MixedValuePayload.OffCpuType, MixedValuePayload.SamplesType], profiles.Select(p => view.ProfileType(p).ToString()));
        var offCpu = profiles[1];
        Assert.Null(offCpu.PeriodType);
        Assert.Equal(0, offCpu.Period);
        Assert.Equal(new long[][] { [2], [2], [3], [3] }, offCpu.Samples.Select(s => s.Values.ToArray()));
        Assert.Equal(request.ResourceProfiles[0].ScopeProfiles[0].Profiles[1].Samples[0].TimestampsUnixNano, offCpu.Samples.SelectMany(s => s.TimestampsUnixNano));
        Assert.Equal(new long[][] { [30_000_000], [10_000_000], [20_000_000] }, profiles[0].Samples.Select(s => s.Values.ToArray()));
        Assert.Same(request.ResourceProfiles[0].ScopeProfiles[0].Profiles[2], profiles[2]);
        for (var i = 0; i < profiles.Count; i++)
        {
            Assert.Equal(WireTotals.Total(request.ResourceProfiles[0].ScopeProfiles[0].Profiles[i]), WireTotals.Total(profiles[i]));
        }
    }

    [Fact]
    public void Null_entries_written_with_content_become_the_zero_value_and_nothing_else_moves()
    {
        var request = RealProducerPayloads.EbpfProfiler();
        Assert.True(ProfilesValidator.Validate(request).IsValid);
        Assert.Equal("dictionary.link_table[0] is not the zero value", FakePyroscopeServer.Check(request));

        var normalized = PyroscopeCompat.Normalize(request);

        Assert.Null(FakePyroscopeServer.Check(normalized));
        var (before, after) = (request.Dictionary, normalized.Dictionary);
        Assert.Equal(new Link(), after.LinkTable[0]);
        Assert.Equal(new KeyValueAndUnit(), after.AttributeTable[0]);
        Assert.Equal(before.LinkTable.Skip(1), after.LinkTable.Skip(1));
        Assert.Equal(before.AttributeTable.Skip(1), after.AttributeTable.Skip(1));
        Assert.Equal(before.LocationTable, after.LocationTable);
        Assert.Equal(before.StackTable, after.StackTable);
        Assert.Equal(before.StringTable, after.StringTable);
        Assert.Equal(
            request.ResourceProfiles.SelectMany(r => r.ScopeProfiles).SelectMany(s => s.Profiles).Select(WireTotals.Total),
            normalized.ResourceProfiles.SelectMany(r => r.ScopeProfiles).SelectMany(s => s.Profiles).Select(WireTotals.Total));
        Assert.NotEqual(new Link(), request.Dictionary.LinkTable[0]);
    }

    [Fact]
    public void Invalid_profiles_of_a_batch_are_left_out()
    {
        var b = new OtlpRequestBuilder();
        OtlpRequestBuilder.AddSample(b.Profile(new Dictionary<string, string> { ["service.name"] = "good" }), b.StackOf("a"), 1);
        OtlpRequestBuilder.AddSample(b.Profile(new Dictionary<string, string> { ["service.name"] = "bad" }), 999, 1);
        var batch = ProfileBatch.Create(b.Request);
        Assert.Equal(1, batch.Validation.InvalidProfileCount);

        var normalized = PyroscopeCompat.Normalize(batch);

        Assert.Equal(["good"], normalized.ResourceProfiles.Select(r => r.Resource.Attributes.Single(a => a.Key == "service.name").Value.StringValue));
        Assert.Null(FakePyroscopeServer.Check(normalized));
    }

    [Fact]
    public void Large_payload_normalizes_unchanged()
    {
        var large = SyntheticPayloads.Large();
        var normalized = PyroscopeCompat.Normalize(large);

        Assert.Equal(large, normalized);
        Assert.Null(FakePyroscopeServer.Check(normalized));
    }
}
