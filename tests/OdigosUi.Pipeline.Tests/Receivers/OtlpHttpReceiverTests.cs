using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Google.Protobuf;
using OdigosUi.Pipeline.Receivers;
using OdigosUi.Profiles.Formats.Otlp;
using OdigosUi.Profiles.Otlp.Collector;
using OdigosUi.TestSupport;
using static OdigosUi.Pipeline.Tests.Receivers.ReceiverTestHost;

namespace OdigosUi.Pipeline.Tests.Receivers;

/// <summary>OTLP/HTTP on a real Kestrel: encodings, partial success, every refusal and its status code.</summary>
public sealed class OtlpHttpReceiverTests : IAsyncLifetime
{
    private const string Protobuf = "application/x-protobuf";
    private const string Json = "application/json";
    private ReceiverTestHost _host = null!;

    public async Task InitializeAsync() => _host = await StartAsync(("Otlp:MaxRequestBytes", "1048576"));

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private Task<HttpResponseMessage> PostAsync(HttpContent content) => _host.Http.PostAsync(OtlpHttpReceiver.Path, content);

    private static async Task<(int Code, string Message, TimeSpan? RetryDelay)> ProtobufStatusAsync(HttpResponseMessage response)
    {
        Assert.Equal(Protobuf, response.Content.Headers.ContentType?.MediaType);
        return RpcStatus.FromProtobuf(await response.Content.ReadAsByteArrayAsync());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Protobuf_is_accepted_with_an_empty_response_and_reaches_the_consumer_unchanged(bool gzip)
    {
        var request = TestRequests.TwoValid();

        using var response = await PostAsync(Body(request.ToByteArray(), Protobuf, gzip));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Protobuf, response.Content.Headers.ContentType?.MediaType);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
        var batch = Assert.Single(_host.Consumer.Batches);
        Assert.Equal(request, batch.Request);
        Assert.Equal(2, batch.Profiles.Count);
        Assert.True(batch.Validation.IsValid);
    }

    [Theory]
    [InlineData(false, "application/json")]
    [InlineData(true, "application/json")]
    [InlineData(false, "application/json; charset=utf-8")]
    [InlineData(false, "Application/JSON")]
    public async Task Json_is_accepted_with_a_json_response_and_reaches_the_consumer_unchanged(bool gzip, string contentType)
    {
        var request = TestRequests.TwoValid();

        using var response = await PostAsync(Body(Encoding.UTF8.GetBytes(OtlpJsonReader.Write(request)), contentType, gzip));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Json, response.Content.Headers.ContentType?.MediaType);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.False(body.RootElement.TryGetProperty("partialSuccess", out _));
        Assert.Equal(request, Assert.Single(_host.Consumer.Batches).Request);
    }

    [Fact]
    public async Task Protobuf_with_a_charset_parameter_is_tolerated()
    {
        using var response = await PostAsync(Body(TestRequests.TwoValid().ToByteArray(), "application/x-protobuf; charset=binary"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Single(_host.Consumer.Batches);
    }

    [Fact]
    public async Task Gzip_without_content_encoding_is_recognised_by_its_magic_bytes()
    {
        var content = new ByteArrayContent(Gzip(TestRequests.TwoValid().ToByteArray()));
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(Protobuf);

        using var response = await PostAsync(content);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(TestRequests.TwoValid(), Assert.Single(_host.Consumer.Batches).Request);
    }

    [Fact]
    public async Task One_bad_profile_of_two_is_a_partial_success_and_only_the_good_one_reaches_the_consumer()
    {
        using var response = await PostAsync(Body(TestRequests.OneBadOfTwo().ToByteArray(), Protobuf, gzip: true));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answer = ExportProfilesServiceResponse.Parser.ParseFrom(await response.Content.ReadAsByteArrayAsync());
        Assert.Equal(1, answer.PartialSuccess.RejectedProfiles);
        Assert.Contains("Sample.stack_index 999 is out of range", answer.PartialSuccess.ErrorMessage, StringComparison.Ordinal);

        var batch = Assert.Single(_host.Consumer.Batches);
        Assert.Equal(TestRequests.OneBadOfTwoCleaned(), batch.Request);
        var profile = Assert.Single(batch.Profiles);
        Assert.Equal("cart", profile.Source.Name);
        Assert.True(batch.Validation.IsValid);
    }

    [Fact]
    public async Task Partial_success_is_answered_in_json_to_a_json_request()
    {
        using var response = await PostAsync(Body(Encoding.UTF8.GetBytes(OtlpJsonReader.Write(TestRequests.OneBadOfTwo())), Json));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var partial = body.RootElement.GetProperty("partialSuccess");
        Assert.Equal("1", partial.GetProperty("rejectedProfiles").ToString());
        Assert.Contains("out of range", partial.GetProperty("errorMessage").GetString(), StringComparison.Ordinal);
        Assert.Equal(TestRequests.OneBadOfTwoCleaned(), Assert.Single(_host.Consumer.Batches).Request);
    }

    [Fact]
    public async Task Garbage_bytes_are_400_with_the_reason_in_the_body()
    {
        var garbage = new byte[4096];
        new Random(7).NextBytes(garbage);
        garbage[0] = 0xFF; // not the gzip magic

        using var response = await PostAsync(Body(garbage, Protobuf));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var (code, message, _) = await ProtobufStatusAsync(response);
        Assert.Equal(3, code);
        Assert.Contains("ExportProfilesServiceRequest", message, StringComparison.Ordinal);
        Assert.Empty(_host.Consumer.Batches);
    }

    [Fact]
    public async Task Bytes_of_another_message_are_400()
    {
        // Valid protobuf, but only field numbers the request does not have.
        using var response = await PostAsync(Body([0x18, 0x01, 0x20, 0x02], Protobuf));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("no resource_profiles and no dictionary", (await ProtobufStatusAsync(response)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Truncated_gzip_is_400_with_the_reason_in_the_body()
    {
        var gzip = Gzip(SyntheticPayloads.Small(1).ToByteArray());
        var content = new ByteArrayContent(gzip[..(gzip.Length - 20)]);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(Protobuf);
        content.Headers.ContentEncoding.Add("gzip");

        using var response = await PostAsync(content);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("corrupt gzip data", (await ProtobufStatusAsync(response)).Message, StringComparison.Ordinal);
        Assert.Empty(_host.Consumer.Batches);
    }

    [Fact]
    public async Task Content_encoding_gzip_on_a_plain_body_is_400()
    {
        var content = new ByteArrayContent(TestRequests.TwoValid().ToByteArray());
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(Protobuf);
        content.Headers.ContentEncoding.Add("gzip");

        using var response = await PostAsync(content);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("not a gzip stream", (await ProtobufStatusAsync(response)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_index_out_of_range_in_every_profile_is_400_with_the_validation_error_in_the_body()
    {
        using var response = await PostAsync(Body(TestRequests.BadIndex().ToByteArray(), Protobuf));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var (code, message, _) = await ProtobufStatusAsync(response);
        Assert.Equal(3, code);
        Assert.Contains("Sample.stack_index 999 is out of range", message, StringComparison.Ordinal);
        Assert.Empty(_host.Consumer.Batches);
    }

    [Fact]
    public async Task A_dictionary_error_invalidates_the_whole_request()
    {
        var request = TestRequests.TwoValid();
        request.Dictionary.LocationTable[1].MappingIndex = 42;

        using var response = await PostAsync(Body(Encoding.UTF8.GetBytes(OtlpJsonReader.Write(request)), Json));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(Json, response.Content.Headers.ContentType?.MediaType);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(3, body.RootElement.GetProperty("code").GetInt32());
        Assert.Contains("Location.mapping_index 42 is out of range", body.RootElement.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Empty(_host.Consumer.Batches);
    }

    [Theory]
    [InlineData("{")]
    [InlineData("[1, 2]")]
    [InlineData("{\"resourceProfiles\": 5}")]
    [InlineData("{\"resourceProfiles\": [{\"scopeProfiles\": [{\"profiles\": [{\"samples\": [{\"stackIndex\": \"x\"}]}]}]}]}")]
    [InlineData("not json at all")]
    public async Task Wrong_json_is_400_with_the_reason_in_a_json_status(string json)
    {
        using var response = await PostAsync(Body(Encoding.UTF8.GetBytes(json), Json));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(3, body.RootElement.GetProperty("code").GetInt32());
        Assert.StartsWith("OTLP/JSON", body.RootElement.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Empty(_host.Consumer.Batches);
    }

    [Fact]
    public async Task Json_that_is_not_utf8_is_400()
    {
        using var response = await PostAsync(Body([(byte)'{', 0xC3, 0x28, (byte)'}'], Json));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("UTF-8", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(Protobuf)]
    [InlineData(Json)]
    public async Task An_empty_body_is_400(string contentType)
    {
        using var response = await PostAsync(Body([], contentType));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("empty", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_empty_json_request_is_accepted_without_reaching_the_consumer()
    {
        using var response = await PostAsync(Body("{}"u8.ToArray(), Json));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(_host.Consumer.Batches);
    }

    [Fact]
    public async Task A_body_over_the_limit_is_413_without_reaching_the_consumer()
    {
        var big = TestRequests.OfSize(1_200_000).ToByteArray();

        using var response = await PostAsync(Body(big, Protobuf));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("limit of 1048576 bytes", (await ProtobufStatusAsync(response)).Message, StringComparison.Ordinal);
        Assert.Empty(_host.Consumer.Batches);
    }

    [Theory]
    [InlineData(4)]
    [InlineData(32)]
    public async Task A_body_far_over_the_limit_is_413_and_not_read(int megabytes)
    {
        var big = new byte[megabytes << 20];

        using var response = await PostAsync(Body(big, Protobuf));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.True(_host.Ingest.Counters.Bytes < 2 << 20);
    }

    [Fact]
    public async Task A_chunked_body_over_the_limit_is_413()
    {
        var big = TestRequests.OfSize(1_200_000).ToByteArray();
        var content = new StreamContent(new NonSeekableStream(big));
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(Protobuf);

        using var response = await PostAsync(content);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Empty(_host.Consumer.Batches);
    }

    [Fact]
    public async Task A_chunked_body_under_the_limit_is_accepted()
    {
        var request = TestRequests.TwoValid();
        var content = new StreamContent(new NonSeekableStream(request.ToByteArray()));
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(Protobuf);

        using var response = await PostAsync(content);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(request, Assert.Single(_host.Consumer.Batches).Request);
    }

    [Fact]
    public async Task A_gzip_bomb_is_413()
    {
        // 256 MiB of zeros in about 256 KB: small on the wire, far over the 1 MiB decompressed limit.
        var bomb = Gzip(new byte[256 << 20], System.IO.Compression.CompressionLevel.SmallestSize);
        Assert.True(bomb.Length < 1 << 20);

        var content = new ByteArrayContent(bomb);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(Protobuf);
        content.Headers.ContentEncoding.Add("gzip");

        using var response = await PostAsync(content);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("when decompressed", (await ProtobufStatusAsync(response)).Message, StringComparison.Ordinal);
        Assert.Empty(_host.Consumer.Batches);
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/protobuf+garbage")]
    [InlineData("application/xml")]
    public async Task Other_content_types_are_415_naming_the_accepted_ones(string contentType)
    {
        using var response = await PostAsync(Body(TestRequests.TwoValid().ToByteArray(), contentType));

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        Assert.Contains("application/x-protobuf", text, StringComparison.Ordinal);
        Assert.Contains("application/json", text, StringComparison.Ordinal);
        Assert.Empty(_host.Consumer.Batches);
    }

    [Fact]
    public async Task A_missing_content_type_is_415()
    {
        using var response = await PostAsync(new ByteArrayContent(TestRequests.TwoValid().ToByteArray()));

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
    }

    [Fact]
    public async Task An_unsupported_content_encoding_is_415()
    {
        var content = Body(TestRequests.TwoValid().ToByteArray(), Protobuf);
        content.Headers.ContentEncoding.Add("br");

        using var response = await PostAsync(content);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Contains("Content-Encoding 'br'", (await ProtobufStatusAsync(response)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_saturated_pipeline_is_429_with_retry_after()
    {
        _host.Consumer.Answer = Pipeline.ConsumeStatus.Saturated;

        using var response = await PostAsync(Body(TestRequests.TwoValid().ToByteArray(), Protobuf));

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(1), response.Headers.RetryAfter?.Delta);
        var (code, message, delay) = await ProtobufStatusAsync(response);
        Assert.Equal(8, code);
        Assert.Contains("retry later", message, StringComparison.Ordinal);
        Assert.Equal(TimeSpan.FromSeconds(1), delay);
        Assert.Equal(1, _host.Ingest.Counters.RequestsSaturated);
    }

    [Fact]
    public async Task Too_many_requests_at_once_are_429()
    {
        await using var host = await StartAsync(("Otlp:MaxConcurrentRequests", "1"), ("Otlp:QueueWaitMilliseconds", "0"));
        host.Consumer.Hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var first = host.Http.PostAsync(OtlpHttpReceiver.Path, Body(TestRequests.TwoValid().ToByteArray(), Protobuf));
        await host.Consumer.Arrived.Task.WaitAsync(TimeSpan.FromSeconds(30));

        using var second = await host.Http.PostAsync(OtlpHttpReceiver.Path, Body(TestRequests.TwoValid().ToByteArray(), Protobuf));
        host.Consumer.Hold.SetResult();
        using var firstResponse = await first;

        Assert.Equal(HttpStatusCode.TooManyRequests, second.StatusCode);
        Assert.NotNull(second.Headers.RetryAfter);
        Assert.Equal(HttpStatusCode.OK, firstResponse.StatusCode);
    }

    [Fact]
    public async Task A_shutting_down_receiver_is_503_with_retry_after()
    {
        _host.Ingest.BeginShutdown();

        using var response = await PostAsync(Body(Encoding.UTF8.GetBytes(OtlpJsonReader.Write(TestRequests.TwoValid())), Json));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.NotNull(response.Headers.RetryAfter);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(14, body.RootElement.GetProperty("code").GetInt32());
        Assert.Equal("type.googleapis.com/google.rpc.RetryInfo", body.RootElement.GetProperty("details")[0].GetProperty("@type").GetString());
        Assert.Empty(_host.Consumer.Batches);
    }

    [Fact]
    public async Task Other_methods_are_405()
    {
        using var response = await _host.Http.GetAsync(OtlpHttpReceiver.Path);

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Contains("POST", response.Content.Headers.Allow);
    }

    [Fact]
    public async Task Counters_follow_the_requests()
    {
        using (await PostAsync(Body(TestRequests.OneBadOfTwo().ToByteArray(), Protobuf))) { }
        using (await PostAsync(Body([1, 2, 3], "text/plain"))) { }

        var counters = _host.Ingest.Counters;
        Assert.Equal(2, counters.Requests);
        Assert.Equal(1, counters.RequestsAccepted);
        Assert.Equal(1, counters.ProfilesAccepted);
        Assert.Equal(1, counters.ProfilesRejected);
        Assert.Equal(2, counters.SamplesAccepted);
        Assert.Equal(1, counters.RequestsInvalid);
    }

    /// <summary>A stream without a length, so HttpClient sends it chunked.</summary>
    private sealed class NonSeekableStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;

        public override long Length => throw new NotSupportedException();
    }
}
