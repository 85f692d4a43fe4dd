using System.Text.Json.Nodes;
using Google.Protobuf;
using OdigosUi.Profiles.Conversion;
using OdigosUi.Profiles.Formats.Otlp;
using OdigosUi.Profiles.Formats.Pprof;
using OdigosUi.Profiles.Otlp.Collector;
using OdigosUi.Profiles.Otlp.Common;
using OdigosUi.Profiles.Otlp.Profiles;
using OdigosUi.Profiles.Otlp.Resource;
using OtlpValueType = OdigosUi.Profiles.Otlp.Profiles.ValueType;
using PprofProto = OdigosUi.Profiles.Pprof.Proto;

namespace OdigosUi.Profiles.Tests.Formats;

public class OtlpJsonReaderTests
{
    private const string CamelCaseDocument = """
        {
          "resourceProfiles": [{
            "resource": { "attributes": [{ "key": "service.name", "value": { "stringValue": "checkout" } }] },
            "scopeProfiles": [{
              "scope": { "name": "ebpf-profiler" },
              "profiles": [{
                "sampleType": { "typeStrindex": 1, "unitStrindex": 2 },
                "samples": [
                  { "stackIndex": 1, "values": ["7"], "linkIndex": 1, "timestampsUnixNano": ["1700000000000000001"] },
                  { "stackIndex": 1, "values": [3], "attributeIndices": [1] }
                ],
                "timeUnixNano": "1700000000000000000",
                "durationNano": 10000000000,
                "periodType": { "typeStrindex": 3, "unitStrindex": 4 },
                "period": "52631578",
                "profileId": "0102030405060708090A0B0C0D0E0F10",
                "originalPayloadFormat": "pprof",
                "originalPayload": "AQID",
                "futureField": { "nested": [1, "two"] }
              }]
            }]
          }],
          "dictionary": {
            "mappingTable": [{}, { "memoryStart": "4194304", "memoryLimit": "5242880", "filenameStrindex": 5 }],
            "locationTable": [{}, { "mappingIndex": 1, "address": "4198400", "lines": [{ "functionIndex": 1, "line": "42" }] }],
            "functionTable": [{}, { "nameStrindex": 6 }],
            "linkTable": [{}, { "traceId": "5B8EFFF798038103D269B633813FC60C", "spanId": "eee19b7ec3c1b174" }],
            "stringTable": ["", "samples", "count", "cpu", "nanoseconds", "/usr/bin/app", "main", "thread.name"],
            "attributeTable": [{}, { "keyStrindex": 7, "value": { "stringValue": "worker-1" } }],
            "stackTable": [{}, { "locationIndices": [1] }]
          }
        }
        """;

    private const string SnakeCaseDocument = """
        {
          "resource_profiles": [{
            "resource": { "attributes": [{ "key": "service.name", "value": { "string_value": "checkout" } }] },
            "scope_profiles": [{
              "scope": { "name": "ebpf-profiler" },
              "profiles": [{
                "sample_type": { "type_strindex": 1, "unit_strindex": 2 },
                "samples": [
                  { "stack_index": 1, "values": ["7"], "link_index": 1, "timestamps_unix_nano": ["1700000000000000001"] },
                  { "stack_index": 1, "values": [3], "attribute_indices": [1] }
                ],
                "time_unix_nano": "1700000000000000000",
                "duration_nano": 10000000000,
                "period_type": { "type_strindex": 3, "unit_strindex": 4 },
                "period": "52631578",
                "profile_id": "0102030405060708090a0b0c0d0e0f10",
                "original_payload_format": "pprof",
                "original_payload": "AQID"
              }]
            }]
          }],
          "dictionary": {
            "mapping_table": [{}, { "memory_start": "4194304", "memory_limit": "5242880", "filename_strindex": 5 }],
            "location_table": [{}, { "mapping_index": 1, "address": "4198400", "lines": [{ "function_index": 1, "line": "42" }] }],
            "function_table": [{}, { "name_strindex": 6 }],
            "link_table": [{}, { "trace_id": "5b8efff798038103d269b633813fc60c", "span_id": "EEE19B7EC3C1B174" }],
            "string_table": ["", "samples", "count", "cpu", "nanoseconds", "/usr/bin/app", "main", "thread.name"],
            "attribute_table": [{}, { "key_strindex": 7, "value": { "string_value": "worker-1" } }],
            "stack_table": [{}, { "location_indices": [1] }]
          }
        }
        """;

    [Fact]
    public void Read_ParsesOtlpJsonDocument()
    {
        var request = OtlpJsonReader.Read(CamelCaseDocument);

        var resource = Assert.Single(request.ResourceProfiles);
        var serviceName = Assert.Single(resource.Resource.Attributes);
        Assert.Equal(("service.name", "checkout"), (serviceName.Key, serviceName.Value.StringValue));
        var scope = Assert.Single(resource.ScopeProfiles);
        Assert.Equal("ebpf-profiler", scope.Scope.Name);
        var profile = Assert.Single(scope.Profiles);
        Assert.Equal((1, 2), (profile.SampleType.TypeStrindex, profile.SampleType.UnitStrindex));
        Assert.Equal((3, 4), (profile.PeriodType.TypeStrindex, profile.PeriodType.UnitStrindex));
        Assert.Equal(52_631_578, profile.Period);
        Assert.Equal(1_700_000_000_000_000_000UL, profile.TimeUnixNano);
        Assert.Equal(10_000_000_000UL, profile.DurationNano);
        Assert.Equal(Enumerable.Range(1, 16).Select(i => (byte)i), profile.ProfileId.ToByteArray());
        Assert.Equal("pprof", profile.OriginalPayloadFormat);
        Assert.Equal(new byte[] { 1, 2, 3 }, profile.OriginalPayload.ToByteArray());

        Assert.Equal(2, profile.Samples.Count);
        Assert.Equal([7L], profile.Samples[0].Values);
        Assert.Equal([1_700_000_000_000_000_001UL], profile.Samples[0].TimestampsUnixNano);
        Assert.Equal(1, profile.Samples[0].LinkIndex);
        Assert.Equal([3L], profile.Samples[1].Values);
        Assert.Equal([1], profile.Samples[1].AttributeIndices);

        var dictionary = request.Dictionary;
        Assert.Equal(new Mapping(), dictionary.MappingTable[0]);
        Assert.Equal((4_194_304UL, 5_242_880UL, 5), (dictionary.MappingTable[1].MemoryStart, dictionary.MappingTable[1].MemoryLimit, dictionary.MappingTable[1].FilenameStrindex));
        Assert.Equal(4_198_400UL, dictionary.LocationTable[1].Address);
        Assert.Equal(42, Assert.Single(dictionary.LocationTable[1].Lines).Line_);
        Assert.Equal("main", dictionary.StringTable[dictionary.FunctionTable[1].NameStrindex]);
        Assert.Equal(Convert.FromHexString("5b8efff798038103d269b633813fc60c"), dictionary.LinkTable[1].TraceId.ToByteArray());
        Assert.Equal(Convert.FromHexString("eee19b7ec3c1b174"), dictionary.LinkTable[1].SpanId.ToByteArray());
        Assert.Equal("worker-1", dictionary.AttributeTable[1].Value.StringValue);
        Assert.Equal([1], dictionary.StackTable[1].LocationIndices);
    }

    [Fact]
    public void Read_AcceptsSnakeCaseNames()
    {
        Assert.Equal(OtlpJsonReader.Read(CamelCaseDocument), OtlpJsonReader.Read(SnakeCaseDocument));
    }

    [Fact]
    public void Read_AcceptsProfilesData()
    {
        var data = new ProfilesData
        {
            ResourceProfiles = { new ResourceProfiles { SchemaUrl = "https://opentelemetry.io/schemas/1.30.0" } },
            Dictionary = new ProfilesDictionary { StringTable = { "", "samples" } },
        };

        var request = OtlpJsonReader.Read(JsonFormatter.Default.Format(data));

        Assert.Equal(data.ResourceProfiles, request.ResourceProfiles);
        Assert.Equal(data.Dictionary, request.Dictionary);
    }

    [Fact]
    public void Read_AcceptsUrlSafeAndUnpaddedBase64()
    {
        var request = OtlpJsonReader.Read("""
            { "resourceProfiles": [{ "scopeProfiles": [{ "profiles": [{ "originalPayload": "-_8" }] }] }] }
            """);

        Assert.Equal(new byte[] { 0xFB, 0xFF }, request.ResourceProfiles[0].ScopeProfiles[0].Profiles[0].OriginalPayload.ToByteArray());
    }

    [Fact]
    public void Read_TreatsNullAsAbsent()
    {
        var request = OtlpJsonReader.Read("""
            {
              "resourceProfiles": null,
              "dictionary": { "stringTable": null, "attributeTable": [{ "value": { "intValue": null, "stringValue": "x" } }] }
            }
            """);

        Assert.Empty(request.ResourceProfiles);
        Assert.Empty(request.Dictionary.StringTable);
        Assert.Equal(AnyValue.ValueOneofCase.StringValue, request.Dictionary.AttributeTable[0].Value.ValueCase);
    }

    [Fact]
    public void Write_UsesHexIdsAndStringInt64()
    {
        var json = JsonNode.Parse(OtlpJsonReader.Write(HandBuiltRequest()))!;
        var profile = json["resourceProfiles"]![0]!["scopeProfiles"]![0]!["profiles"]![0]!;
        var link = json["dictionary"]!["linkTable"]![1]!;

        Assert.Equal("0102030405060708090a0b0c0d0e0f10", profile["profileId"]!.GetValue<string>());
        Assert.Equal("5b8efff798038103d269b633813fc60c", link["traceId"]!.GetValue<string>());
        Assert.Equal("eee19b7ec3c1b174", link["spanId"]!.GetValue<string>());
        Assert.Equal("-9223372036854775808", profile["samples"]![0]!["values"]![0]!.GetValue<string>());
        Assert.Equal("AQID", profile["originalPayload"]!.GetValue<string>());
        Assert.Equal(JsonNode.Parse("{}")!.ToJsonString(), json["dictionary"]!["linkTable"]![0]!.ToJsonString());
    }

    [Fact]
    public void Write_ThenRead_RoundTripsHandBuiltRequest()
    {
        var original = HandBuiltRequest();

        Assert.Equal(original, OtlpJsonReader.Read(OtlpJsonReader.Write(original)));
    }

    [Fact]
    public void Write_ThenRead_RoundTripsConvertedPprof()
    {
        var original = PprofReader.Read(MinimalPprof().ToByteArray());

        Assert.Equal(original, OtlpJsonReader.Read(OtlpJsonReader.Write(original)));
    }

    [Theory]
    [InlineData("[1]", "OTLP/JSON: $: expected an object, got an array")]
    [InlineData("null", "OTLP/JSON: $: expected an object, got null")]
    [InlineData("""{"resourceProfiles": {}}""", "OTLP/JSON: $.resourceProfiles: expected an array, got an object")]
    [InlineData("""{"resourceProfiles": [null]}""", "OTLP/JSON: $.resourceProfiles[0]: array elements cannot be null")]
    [InlineData("""{"dictionary": {"linkTable": [{}, {"traceId": "xyz"}]}}""", "OTLP/JSON: $.dictionary.linkTable[1].traceId: expected an even number of hex digits, got \"xyz\"")]
    [InlineData("""{"dictionary": {"link_table": [{"span_id": "AQIDBAUGBwg="}]}}""", "OTLP/JSON: $.dictionary.link_table[0].span_id: expected an even number of hex digits, got \"AQIDBAUGBwg=\"")]
    [InlineData("""{"dictionary": {"stringTable": ["", 5]}}""", "OTLP/JSON: $.dictionary.stringTable[1]: expected a string, got a number")]
    [InlineData("""{"dictionary": {"stackTable": [{"locationIndices": [1, "x"]}]}}""", "OTLP/JSON: $.dictionary.stackTable[0].locationIndices[1]: expected an integer, got \"x\"")]
    [InlineData("""{"dictionary": {"locationTable": [{"mappingIndex": 1.5}]}}""", "OTLP/JSON: $.dictionary.locationTable[0].mappingIndex: expected an integer, got \"1.5\"")]
    [InlineData("""{"dictionary": {"locationTable": [{"mappingIndex": 3000000000}]}}""", "OTLP/JSON: $.dictionary.locationTable[0].mappingIndex: 3000000000 is out of range [-2147483648, 2147483647]")]
    [InlineData("""{"resourceProfiles": [{"scopeProfiles": [{"profiles": [{"durationNano": "-1"}]}]}]}""", "OTLP/JSON: $.resourceProfiles[0].scopeProfiles[0].profiles[0].durationNano: -1 is out of range [0, 18446744073709551615]")]
    [InlineData("""{"resourceProfiles": [{"scopeProfiles": [{"profiles": [{"period": true}]}]}]}""", "OTLP/JSON: $.resourceProfiles[0].scopeProfiles[0].profiles[0].period: expected an integer, got a boolean")]
    [InlineData("""{"resourceProfiles": [{"scopeProfiles": [{"profiles": [{"originalPayload": "a*b"}]}]}]}""", "OTLP/JSON: $.resourceProfiles[0].scopeProfiles[0].profiles[0].originalPayload: expected base64")]
    [InlineData("""{"dictionary": {"attributeTable": [{"value": {"intValue": "1", "stringValue": "x"}}]}}""", "OTLP/JSON: $.dictionary.attributeTable[0].value.stringValue: more than one field of oneof 'value' is set")]
    [InlineData("""{"dictionary": {"attributeTable": [{"value": {"boolValue": "true"}}]}}""", "OTLP/JSON: $.dictionary.attributeTable[0].value.boolValue: expected a boolean, got a string")]
    [InlineData("""{"dictionary": {"attributeTable": [{"value": {"doubleValue": "fast"}}]}}""", "OTLP/JSON: $.dictionary.attributeTable[0].value.doubleValue: expected a number, got a string")]
    [InlineData("""{"dictionary": "none"}""", "OTLP/JSON: $.dictionary: expected an object, got a string")]
    public void Read_RejectsWrongTypesWithPath(string json, string expected)
    {
        var error = Assert.Throws<ProfileFormatException>(() => OtlpJsonReader.Read(json));

        Assert.Equal(expected, error.Message);
    }

    [Fact]
    public void Read_ShortensEchoedValuesToOneLine()
    {
        var badId = "zz\n" + new string('a', 100);
        var json = new JsonObject { ["dictionary"] = new JsonObject { ["linkTable"] = new JsonArray(new JsonObject { ["spanId"] = badId }) } };

        var error = Assert.Throws<ProfileFormatException>(() => OtlpJsonReader.Read(json.ToJsonString()));

        Assert.Equal($"OTLP/JSON: $.dictionary.linkTable[0].spanId: expected an even number of hex digits, got \"zz {new string('a', 37)}...\"", error.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("{\"resourceProfiles\": [")]
    [InlineData("not json")]
    [InlineData("{\"dictionary\": {}, \"dictionary\": {}}")]
    [InlineData("{\"dictionary\": {}} {}")]
    [InlineData("{\"dictionary\": {\"stringTable\": [\"\"]}, \"resourceProfiles\": []} trailing")]
    public void Read_RejectsMalformedJsonWithOneLineMessage(string json)
    {
        var error = Assert.Throws<ProfileFormatException>(() => OtlpJsonReader.Read(json));

        Assert.StartsWith("OTLP/JSON: malformed JSON: ", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void Read_ReportsLineOfMalformedJson()
    {
        var error = Assert.Throws<ProfileFormatException>(() => OtlpJsonReader.Read("{\n  \"dictionary\": {,}\n}"));

        Assert.Contains("LineNumber: 1", error.Message);
    }

    [Fact]
    public void Read_IgnoresByteOrderMark()
    {
        Assert.Equal(OtlpJsonReader.Read(CamelCaseDocument), OtlpJsonReader.Read("\uFEFF" + CamelCaseDocument));
    }

    private static ExportProfilesServiceRequest HandBuiltRequest() => new()
    {
        ResourceProfiles =
        {
            new ResourceProfiles
            {
                Resource = new Resource
                {
                    Attributes =
                    {
                        new KeyValue { Key = "service.name", Value = new AnyValue { StringValue = "checkout" } },
                        new KeyValue { Key = "bytes", Value = new AnyValue { BytesValue = ByteString.CopyFrom(0, 255) } },
                        new KeyValue { Key = "ratio", Value = new AnyValue { DoubleValue = 0.25 } },
                        new KeyValue
                        {
                            Key = "list",
                            Value = new AnyValue { ArrayValue = new ArrayValue { Values = { new AnyValue { BoolValue = true }, new AnyValue { StringValue = "" } } } },
                        },
                    },
                },
                ScopeProfiles =
                {
                    new ScopeProfiles
                    {
                        Scope = new InstrumentationScope { Name = "test", Version = "1.0" },
                        Profiles =
                        {
                            new Profile
                            {
                                SampleType = new OtlpValueType { TypeStrindex = 1, UnitStrindex = 2 },
                                PeriodType = new OtlpValueType(),
                                Period = 1_000_000,
                                TimeUnixNano = ulong.MaxValue,
                                DurationNano = 5,
                                ProfileId = ByteString.CopyFrom(Convert.FromHexString("0102030405060708090a0b0c0d0e0f10")),
                                OriginalPayload = ByteString.CopyFrom(1, 2, 3),
                                AttributeIndices = { 1 },
                                Samples =
                                {
                                    new Sample { StackIndex = 1, Values = { long.MinValue }, LinkIndex = 1 },
                                    new Sample { StackIndex = 1, TimestampsUnixNano = { 1UL, ulong.MaxValue }, AttributeIndices = { 1, 0 } },
                                },
                            },
                        },
                    },
                },
            },
        },
        Dictionary = new ProfilesDictionary
        {
            MappingTable = { new Mapping(), new Mapping { MemoryStart = 1, MemoryLimit = ulong.MaxValue, AttributeIndices = { 1 } } },
            LocationTable = { new Location(), new Location { MappingIndex = 1, Address = 0xdeadbeef, Lines = { new Line { FunctionIndex = 1, Line_ = -1, Column = 7 } } } },
            FunctionTable = { new Function(), new Function { NameStrindex = 1, StartLine = long.MaxValue } },
            LinkTable =
            {
                new Link(),
                new Link
                {
                    TraceId = ByteString.CopyFrom(Convert.FromHexString("5b8efff798038103d269b633813fc60c")),
                    SpanId = ByteString.CopyFrom(Convert.FromHexString("eee19b7ec3c1b174")),
                },
            },
            StringTable = { "", "samples", "count" },
            AttributeTable = { new KeyValueAndUnit(), new KeyValueAndUnit { KeyStrindex = 1, Value = new AnyValue { IntValue = -3 }, UnitStrindex = 2 } },
            StackTable = { new Stack(), new Stack { LocationIndices = { 1, 1 } } },
        },
    };

    private static PprofProto.Profile MinimalPprof() => new()
    {
        SampleType = { new PprofProto.ValueType { Type = 1, Unit = 2 } },
        Mapping = { new PprofProto.Mapping { Id = 1, Filename = 3, BuildId = 4 } },
        Function = { new PprofProto.Function { Id = 1, Name = 5 } },
        Location = { new PprofProto.Location { Id = 1, MappingId = 1, Address = 16, Line = { new PprofProto.Line { FunctionId = 1, Line_ = 2 } } } },
        Sample = { new PprofProto.Sample { LocationId = { 1 }, Value = { 9 }, Label = { new PprofProto.Label { Key = 6, Num = 8, NumUnit = 7 } } } },
        StringTable = { "", "samples", "count", "/bin/app", "feedface", "main", "size", "bytes" },
    };
}
