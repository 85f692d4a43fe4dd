using Grpc.Core;
using Grpc.Net.Client;
using OdigosUi.Pipeline.Ingest;
using OdigosUi.Pipeline.Receivers;
using OdigosUi.Profiles.Otlp.Collector;

namespace OdigosUi.Pipeline.Tests.Receivers;

/// <summary>OTLP/gRPC on a real Kestrel (h2c) with a real Grpc.Net.Client.</summary>
public sealed class OtlpGrpcReceiverTests : IAsyncLifetime
{
    private ReceiverTestHost _host = null!;

    public async Task InitializeAsync() => _host = await ReceiverTestHost.StartAsync(("Otlp:MaxRequestBytes", "8388608"));

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Export_is_ok_and_reaches_the_consumer_unchanged()
    {
        var request = TestRequests.TwoValid();

        var response = await _host.Grpc.ExportAsync(request);

        Assert.Null(response.PartialSuccess);
        var batch = Assert.Single(_host.Consumer.Batches);
        Assert.Equal(TestRequests.TwoValid(), batch.Request);
        Assert.Equal(2, batch.Profiles.Count);
    }

    [Fact]
    public async Task Export_with_gzip_call_compression_is_ok()
    {
        using var channel = GrpcChannel.ForAddress(_host.GrpcAddress);
        var client = new ProfilesService.ProfilesServiceClient(channel);
        var headers = new Metadata { { "grpc-internal-encoding-request", "gzip" } };

        var response = await client.ExportAsync(TestRequests.TwoValid(), headers);

        Assert.Null(response.PartialSuccess);
        Assert.Equal(TestRequests.TwoValid(), Assert.Single(_host.Consumer.Batches).Request);
    }

    [Fact]
    public async Task One_bad_profile_of_two_is_ok_with_partial_success()
    {
        var response = await _host.Grpc.ExportAsync(TestRequests.OneBadOfTwo());

        Assert.Equal(1, response.PartialSuccess.RejectedProfiles);
        Assert.Contains("Sample.stack_index 999 is out of range", response.PartialSuccess.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal(TestRequests.OneBadOfTwoCleaned(), Assert.Single(_host.Consumer.Batches).Request);
    }

    [Fact]
    public async Task An_invalid_request_is_invalid_argument_with_the_reason()
    {
        var error = await Assert.ThrowsAsync<RpcException>(async () => await _host.Grpc.ExportAsync(TestRequests.BadIndex()));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("Sample.stack_index 999 is out of range", error.Status.Detail, StringComparison.Ordinal);
        Assert.Empty(_host.Consumer.Batches);
    }

    [Fact]
    public async Task A_saturated_pipeline_is_resource_exhausted_with_retry_info()
    {
        _host.Consumer.Answer = ConsumeStatus.Saturated;

        var error = await Assert.ThrowsAsync<RpcException>(async () => await _host.Grpc.ExportAsync(TestRequests.TwoValid()));

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        var details = error.Trailers.GetValueBytes(RpcStatus.DetailsTrailer);
        Assert.NotNull(details);
        var (code, message, delay) = RpcStatus.FromProtobuf(details);
        Assert.Equal((int)StatusCode.ResourceExhausted, code);
        Assert.Equal(error.Status.Detail, message);
        Assert.Equal(TimeSpan.FromSeconds(1), delay);
    }

    [Fact]
    public async Task A_shutting_down_receiver_is_unavailable()
    {
        _host.Ingest.BeginShutdown();

        var error = await Assert.ThrowsAsync<RpcException>(async () => await _host.Grpc.ExportAsync(TestRequests.TwoValid()));

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Empty(_host.Consumer.Batches);
    }

    [Fact]
    public async Task Messages_up_to_max_request_bytes_are_received_beyond_the_grpc_default_of_4_MB()
    {
        var request = TestRequests.OfSize(6_000_000);

        var response = await _host.Grpc.ExportAsync(request);

        Assert.Null(response.PartialSuccess);
        Assert.Equal(request, Assert.Single(_host.Consumer.Batches).Request);
    }

    [Fact]
    public async Task A_message_over_max_request_bytes_is_resource_exhausted()
    {
        var error = await Assert.ThrowsAsync<RpcException>(async () => await _host.Grpc.ExportAsync(TestRequests.OfSize(9_000_000)));

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.Empty(_host.Consumer.Batches);
    }

    [Fact]
    public void Status_codes_map_as_otlp_specifies()
    {
        Assert.Equal(StatusCode.OK, OtlpGrpcReceiver.StatusCodeFor(IngestStatus.Accepted));
        Assert.Equal(StatusCode.OK, OtlpGrpcReceiver.StatusCodeFor(IngestStatus.PartiallyAccepted));
        Assert.Equal(StatusCode.InvalidArgument, OtlpGrpcReceiver.StatusCodeFor(IngestStatus.Invalid));
        Assert.Equal(StatusCode.ResourceExhausted, OtlpGrpcReceiver.StatusCodeFor(IngestStatus.TooLarge));
        Assert.Equal(StatusCode.ResourceExhausted, OtlpGrpcReceiver.StatusCodeFor(IngestStatus.Saturated));
        Assert.Equal(StatusCode.Unavailable, OtlpGrpcReceiver.StatusCodeFor(IngestStatus.Unavailable));
    }
}
