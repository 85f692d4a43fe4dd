using Google.Protobuf;
using OdigosUi.Profiles.Aggregation;
using OdigosUi.Profiles.Formats.Folded;
using OdigosUi.Profiles.Model;
using OdigosUi.Profiles.Otlp.Collector;
using OdigosUi.Profiles.Otlp.Common;
using OdigosUi.Profiles.Otlp.Profiles;
using OdigosUi.Profiles.Otlp.Resource;
using OdigosUi.Profiles.Validation;
using OdigosUi.TestSupport;

namespace OdigosUi.Profiles.Tests.Validation;

public class ProfilesValidatorTests
{
    private static readonly Dictionary<string, string> Service = new() { ["service.name"] = "svc" };

    private static (OtlpRequestBuilder Builder, Profile Profile) Valid()
    {
        var b = new OtlpRequestBuilder();
        var profile = b.Profile(Service);
        OtlpRequestBuilder.AddSample(profile, b.StackOf("leaf", "main"), 3);
        OtlpRequestBuilder.AddTimestamps(profile, b.Stack(b.AddressLocation(b.Mapping("/bin/app"), 0x10)), 1, 2);
        return (b, profile);
    }

    private static ValidationError Single(ExportProfilesServiceRequest request)
    {
        var result = ProfilesValidator.Validate(request);
        Assert.False(result.IsValid);
        return Assert.Single(result.Errors);
    }

    [Fact]
    public void Well_formed_request_is_valid()
    {
        Assert.True(ProfilesValidator.Validate(Valid().Builder.Request).IsValid);
    }

    [Fact]
    public void Empty_tables_with_only_zero_references_are_valid()
    {
        var request = new ExportProfilesServiceRequest { Dictionary = new ProfilesDictionary() };
        request.Dictionary.StringTable.Add("");
        request.Dictionary.StringTable.Add("samples");
        var profile = new Profile { SampleType = new OdigosUi.Profiles.Otlp.Profiles.ValueType { TypeStrindex = 1 } };
        profile.Samples.Add(new Sample { Values = { 4 } });
        request.ResourceProfiles.Add(new ResourceProfiles { ScopeProfiles = { new ScopeProfiles { Profiles = { profile } } } });
        Assert.True(ProfilesValidator.Validate(request).IsValid);
    }

    [Fact]
    public void Stack_index_out_of_range_names_message_field_and_index()
    {
        var (b, profile) = Valid();
        OtlpRequestBuilder.AddSample(profile, 57, 1);
        var error = Single(b.Request);
        Assert.Equal("resource_profiles[0].scope_profiles[0].profiles[0].samples[2]", error.Path);
        Assert.Equal("Sample.stack_index", error.Field);
        Assert.Equal(57, error.Index);
        Assert.Contains("stack_table has 3 entries", error.ToString());
        Assert.Equal(new ProfilePosition(0, 0, 0), error.Profile);
    }

    [Fact]
    public void Location_index_in_stack_out_of_range()
    {
        var (b, _) = Valid();
        b.Stack(1, 999);
        var error = Single(b.Request);
        Assert.Equal("dictionary.stack_table[3]", error.Path);
        Assert.Equal("Stack.location_indices[1]", error.Field);
        Assert.Equal(999, error.Index);
        Assert.Null(error.Profile);
    }

    [Theory]
    [InlineData("function")]
    [InlineData("mapping")]
    [InlineData("string")]
    [InlineData("attribute")]
    [InlineData("link")]
    [InlineData("negative")]
    public void Every_reference_kind_is_range_checked(string kind)
    {
        var (b, profile) = Valid();
        var d = b.Dictionary;
        string expectedField;
        switch (kind)
        {
            case "function":
                d.LocationTable.Add(new Location { Lines = { new Line { FunctionIndex = 77 } } });
                expectedField = "Line.function_index";
                break;
            case "mapping":
                d.LocationTable.Add(new Location { MappingIndex = 9 });
                expectedField = "Location.mapping_index";
                break;
            case "string":
                d.FunctionTable.Add(new Function { NameStrindex = 5000 });
                expectedField = "Function.name_strindex";
                break;
            case "attribute":
                profile.Samples[0].AttributeIndices.Add(42);
                expectedField = "Sample.attribute_indices[0]";
                break;
            case "link":
                profile.Samples[0].LinkIndex = 3;
                expectedField = "Sample.link_index";
                break;
            default:
                d.MappingTable.Add(new Mapping { FilenameStrindex = -1 });
                expectedField = "Mapping.filename_strindex";
                break;
        }

        var error = Single(b.Request);
        Assert.Equal(expectedField, error.Field);
        Assert.Contains(kind == "negative" ? "is negative" : "out of range", error.Reason);
    }

    [Theory]
    [InlineData("mapping_table")]
    [InlineData("location_table")]
    [InlineData("function_table")]
    [InlineData("link_table")]
    [InlineData("attribute_table")]
    [InlineData("stack_table")]
    [InlineData("string_table")]
    public void Whatever_index_zero_holds_is_accepted_and_never_read(string table)
    {
        var (b, _) = Valid();
        var expected = ReferenceFolded.Compute(b.Request, ProfileType.Cpu.ToString());
        var d = b.Dictionary;
        switch (table)
        {
            case "mapping_table": d.MappingTable[0].MemoryStart = 1; d.MappingTable[0].FilenameStrindex = 1; break;
            case "location_table": d.LocationTable[0].Address = 1; d.LocationTable[0].Lines.Add(new Line { FunctionIndex = 1 }); break;
            case "function_table": d.FunctionTable[0].StartLine = 1; d.FunctionTable[0].NameStrindex = 1; break;
            case "link_table": d.LinkTable[0].SpanId = Google.Protobuf.ByteString.CopyFrom(1); break;
            case "attribute_table": d.AttributeTable[0].Value = new AnyValue { BoolValue = true }; d.AttributeTable[0].KeyStrindex = 1; break;
            case "stack_table": d.StackTable[0].LocationIndices.Add(1); break;
            default: d.StringTable[0] = "x"; break;
        }

        var wire = ExportProfilesServiceRequest.Parser.ParseFrom(b.Request.ToByteArray());
        Assert.Empty(ProfilesValidator.Validate(wire).Errors);
        var aggregator = new ProfileAggregator(AggregationOptions.Default with { MergeSources = true });
        aggregator.Add(ProfileBatch.Create(wire), 1);
        Assert.Equal(expected, FoldedWriter.WriteString(aggregator.Snapshot(ProfileAggregator.MergedSource, ProfileType.Cpu, TimeWindow.All)!));
    }

    [Fact]
    public void Real_producers_null_entries_are_accepted()
    {
        var (b, _) = Valid();
        // The OTel eBPF profiler: attribute_table[0] holds an explicitly empty AnyValue (field 2, length 0).
        b.Dictionary.AttributeTable[0].Value = new AnyValue();
        // Others: link_table[0] with 16 zero bytes of trace id and 8 of span id.
        b.Dictionary.LinkTable[0].TraceId = Google.Protobuf.ByteString.CopyFrom(new byte[16]);
        b.Dictionary.LinkTable[0].SpanId = Google.Protobuf.ByteString.CopyFrom(new byte[8]);
        var bytes = b.Request.ToByteArray();

        var wire = ExportProfilesServiceRequest.Parser.ParseFrom(bytes);
        Assert.Equal(2, wire.Dictionary.AttributeTable[0].CalculateSize());
        Assert.Empty(ProfilesValidator.Validate(wire).Errors);
    }

    [Fact]
    public void Indices_are_still_checked_when_index_zero_is_unusual()
    {
        var (b, profile) = Valid();
        b.Dictionary.AttributeTable[0].Value = new AnyValue();
        profile.Samples.Add(new Sample { StackIndex = b.Dictionary.StackTable.Count, Values = { 1 } });
        Assert.Equal("Sample.stack_index", Single(b.Request).Field);
    }

    [Fact]
    public void Sample_needs_values_or_timestamps()
    {
        var (b, profile) = Valid();
        profile.Samples.Add(new Sample { StackIndex = 1 });
        Assert.Contains("both empty", Single(b.Request).Reason);
    }

    [Fact]
    public void Values_and_timestamps_must_have_equal_lengths()
    {
        var (b, profile) = Valid();
        var sample = new Sample { StackIndex = 1, Values = { 1, 2 } };
        sample.TimestampsUnixNano.Add(5);
        profile.Samples.Add(sample);
        Assert.Contains("has 2 entries but timestamps_unix_nano has 1", Single(b.Request).Reason);
    }

    [Fact]
    public void Sample_type_must_be_present()
    {
        var (b, profile) = Valid();
        profile.SampleType = null;
        Assert.Equal("Profile.sample_type", Single(b.Request).Field);
    }

    [Fact]
    public void Resource_string_indices_are_checked()
    {
        var (b, _) = Valid();
        b.Request.ResourceProfiles[0].Resource.Attributes.Add(new KeyValue { KeyStrindex = 9999, Value = new AnyValue { StringValueStrindex = 1 } });
        var error = Single(b.Request);
        Assert.Equal("KeyValue.key_strindex", error.Field);
        Assert.StartsWith("resource_profiles[0].resource.attributes[1]", error.Path);
    }

    [Fact]
    public void A_bad_profile_leaves_the_others_usable()
    {
        var (b, _) = Valid();
        var second = b.Profile(new Dictionary<string, string> { ["service.name"] = "other" });
        OtlpRequestBuilder.AddSample(second, 12345, 1);
        var result = ProfilesValidator.Validate(b.Request);
        Assert.False(result.RequestInvalid);
        Assert.True(result.IsProfileValid(new ProfilePosition(0, 0, 0)));
        Assert.False(result.IsProfileValid(new ProfilePosition(1, 0, 0)));
        Assert.Equal(1, result.InvalidProfileCount);
    }

    [Fact]
    public void Errors_are_bounded_but_counted()
    {
        var (b, profile) = Valid();
        for (var i = 0; i < 500; i++)
        {
            OtlpRequestBuilder.AddSample(profile, 1000 + i, 1);
        }

        var result = ProfilesValidator.Validate(b.Request);
        Assert.Equal(500, result.ErrorCount);
        Assert.Equal(ValidationResult.MaxErrors, result.Errors.Count);
        Assert.EndsWith("(and 499 more)", result.Summary);
    }
}
