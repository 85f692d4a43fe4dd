using Google.Protobuf;
using Google.Protobuf.Reflection;
using OdigosUi.Profiles.Otlp.Collector;
using OdigosUi.Profiles.Otlp.Common;
using OdigosUi.Profiles.Otlp.Profiles;

namespace OdigosUi.Profiles.Tests.Otlp;

/// <summary>Pins the v1.10.0 field numbers, above all those that moved between revisions and mis-decode silently.</summary>
public class ProtoFieldNumberTests
{
    [Theory]
    [InlineData("stack_index", 1)]
    [InlineData("attribute_indices", 2)]
    [InlineData("link_index", 3)]
    [InlineData("values", 4)]
    [InlineData("timestamps_unix_nano", 5)]
    public void Sample_fields_have_v1_10_numbers(string field, int number) => AssertField(Sample.Descriptor, field, number);

    [Theory]
    [InlineData("sample_type", 1)]
    [InlineData("samples", 2)]
    [InlineData("time_unix_nano", 3)]
    [InlineData("duration_nano", 4)]
    [InlineData("period_type", 5)]
    [InlineData("period", 6)]
    [InlineData("profile_id", 7)]
    [InlineData("dropped_attributes_count", 8)]
    [InlineData("original_payload_format", 9)]
    [InlineData("original_payload", 10)]
    [InlineData("attribute_indices", 11)]
    public void Profile_fields_have_v1_10_numbers(string field, int number) => AssertField(Profile.Descriptor, field, number);

    [Theory]
    [InlineData("mapping_table", 1)]
    [InlineData("location_table", 2)]
    [InlineData("function_table", 3)]
    [InlineData("link_table", 4)]
    [InlineData("string_table", 5)]
    [InlineData("attribute_table", 6)]
    [InlineData("stack_table", 7)]
    public void Dictionary_tables_have_v1_10_numbers(string field, int number) => AssertField(ProfilesDictionary.Descriptor, field, number);

    [Fact]
    public void Request_carries_the_dictionary_in_field_2()
    {
        AssertField(ExportProfilesServiceRequest.Descriptor, "resource_profiles", 1);
        AssertField(ExportProfilesServiceRequest.Descriptor, "dictionary", 2);
    }

    [Fact]
    public void Other_moved_fields_are_pinned()
    {
        AssertField(Location.Descriptor, "mapping_index", 1);
        AssertField(Location.Descriptor, "lines", 3);
        AssertField(Location.Descriptor, "attribute_indices", 4);
        AssertField(Mapping.Descriptor, "filename_strindex", 4);
        AssertField(Mapping.Descriptor, "attribute_indices", 5);
        AssertField(Function.Descriptor, "name_strindex", 1);
        AssertField(Function.Descriptor, "system_name_strindex", 2);
        AssertField(Function.Descriptor, "filename_strindex", 3);
        AssertField(KeyValueAndUnit.Descriptor, "key_strindex", 1);
        AssertField(KeyValueAndUnit.Descriptor, "value", 2);
        AssertField(KeyValueAndUnit.Descriptor, "unit_strindex", 3);
        AssertField(AnyValue.Descriptor, "string_value_strindex", 8);
        AssertField(KeyValue.Descriptor, "key_strindex", 3);
        Assert.Equal(FieldType.Fixed64, Profile.Descriptor.FindFieldByName("time_unix_nano").FieldType);
        Assert.Equal(FieldType.Fixed64, Sample.Descriptor.FindFieldByName("timestamps_unix_nano").FieldType);
    }

    [Fact]
    public void Sample_encodes_with_the_v1_10_wire_tags()
    {
        var sample = new Sample { StackIndex = 3, LinkIndex = 1 };
        sample.AttributeIndices.Add(2);
        sample.Values.Add(7);
        sample.TimestampsUnixNano.Add(9);

        var bytes = sample.ToByteArray();

        // stack_index=1 varint, attribute_indices=2 packed, link_index=3 varint, values=4 packed, timestamps=5 packed fixed64
        byte[] expected = [0x08, 3, 0x12, 1, 2, 0x18, 1, 0x22, 1, 7, 0x2A, 8, 9, 0, 0, 0, 0, 0, 0, 0];
        Assert.Equal(expected, bytes);
    }

    [Fact]
    public void Collector_service_has_the_otlp_full_name()
    {
        Assert.Equal("opentelemetry.proto.collector.profiles.v1development.ProfilesService", ProfilesService.Descriptor.FullName);
        Assert.Equal("opentelemetry.proto.profiles.v1development.Profile", Profile.Descriptor.FullName);
    }

    private static void AssertField(MessageDescriptor message, string field, int number)
    {
        var descriptor = message.FindFieldByName(field);
        Assert.NotNull(descriptor);
        Assert.Equal(number, descriptor.FieldNumber);
    }
}
