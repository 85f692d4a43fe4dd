using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OdigosUi.Pipeline.Ingest;
using OdigosUi.Pipeline.Receivers;
using OdigosUi.Profiles.Otlp.Collector;
using OdigosUi.TestSupport;

namespace OdigosUi.Pipeline.Tests.Receivers;

/// <summary>The three endpoints side by side on port 0: each route answers only on its own endpoint.</summary>
public sealed class ReceiverEndpointsTests : IAsyncLifetime
{
    private ReceiverTestHost _host = null!;

    public async Task InitializeAsync() => _host = await ReceiverTestHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private static ByteArrayContent Protobuf(IMessage message) => ReceiverTestHost.Body(message.ToByteArray(), "application/x-protobuf");

    [Fact]
    public void Three_distinct_ports_are_bound_on_loopback()
    {
        int[] ports = [_host.UiAddress.Port, _host.GrpcAddress.Port, _host.HttpAddress.Port];

        Assert.All(ports, port => Assert.NotEqual(0, port));
        Assert.Equal(3, ports.Distinct().Count());
        Assert.All([_host.UiAddress, _host.GrpcAddress, _host.HttpAddress], uri => Assert.Equal("127.0.0.1", uri.Host));
    }

    [Fact]
    public async Task The_http_receiver_route_is_not_served_on_the_ui_endpoint()
    {
        using var post = await _host.Ui.PostAsync(OtlpHttpReceiver.Path, Protobuf(TestRequests.TwoValid()));
        using var get = await _host.Ui.GetAsync(OtlpHttpReceiver.Path);

        Assert.Equal(HttpStatusCode.NotFound, post.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
        Assert.Empty(_host.Consumer.Batches);
    }

    [Fact]
    public async Task Ui_routes_are_not_served_on_the_http_receiver_endpoint()
    {
        using var onUi = await _host.Ui.GetAsync("/");
        using var onReceiver = await _host.Http.GetAsync("/");

        Assert.Equal(HttpStatusCode.OK, onUi.StatusCode);
        Assert.Equal("ui", await onUi.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NotFound, onReceiver.StatusCode);
    }

    [Fact]
    public async Task The_http_receiver_route_is_not_served_on_the_grpc_endpoint_and_ui_routes_neither()
    {
        using var client = new HttpClient
        {
            BaseAddress = _host.GrpcAddress,
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };

        using var post = await client.PostAsync(OtlpHttpReceiver.Path, Protobuf(TestRequests.TwoValid()));
        using var get = await client.GetAsync("/");

        Assert.Equal(HttpStatusCode.NotFound, post.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
        Assert.Empty(_host.Consumer.Batches);
    }

    [Fact]
    public async Task The_grpc_endpoint_speaks_only_http2()
    {
        using var client = new HttpClient { BaseAddress = _host.GrpcAddress, Timeout = TimeSpan.FromSeconds(10) };

        // An HTTP/1.1 request on the HTTP/2-only endpoint: Kestrel refuses it before routing.
        using var response = await client.PostAsync(OtlpHttpReceiver.Path, Protobuf(TestRequests.TwoValid()));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Empty(_host.Consumer.Batches);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task The_grpc_service_is_not_served_on_the_other_endpoints(bool uiEndpoint)
    {
        var address = uiEndpoint ? _host.UiAddress : _host.HttpAddress;
        using var channel = GrpcChannel.ForAddress(address);
        var client = new ProfilesService.ProfilesServiceClient(channel);

        var error = await Assert.ThrowsAsync<RpcException>(async () => await client.ExportAsync(TestRequests.TwoValid()));

        Assert.NotEqual(StatusCode.OK, error.StatusCode);
        Assert.Empty(_host.Consumer.Batches);
    }

    [Fact]
    public async Task The_large_synthetic_payload_is_accepted_over_http_and_grpc()
    {
        var request = SyntheticPayloads.Large();
        var expectedSamples = request.ResourceProfiles.Sum(r => r.ScopeProfiles.Sum(s => s.Profiles.Sum(p => p.Samples.Count)));
        var expectedProfiles = request.ResourceProfiles.Sum(r => r.ScopeProfiles.Sum(s => s.Profiles.Count));

        using var response = await _host.Http.PostAsync(OtlpHttpReceiver.Path, ReceiverTestHost.Body(request.ToByteArray(), "application/x-protobuf", gzip: true));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());

        var grpcResponse = await _host.Grpc.ExportAsync(request.Clone());
        Assert.Null(grpcResponse.PartialSuccess);

        Assert.Equal(2, _host.Consumer.Batches.Count);
        Assert.All(_host.Consumer.Batches, batch =>
        {
            Assert.Equal(request, batch.Request);
            Assert.Equal(expectedProfiles, batch.Profiles.Count);
        });
        var counters = _host.Ingest.Counters;
        Assert.Equal(2L * expectedSamples, counters.SamplesAccepted);
        Assert.Equal(2L * expectedProfiles, counters.ProfilesAccepted);
    }

    [Fact]
    public void Receiver_options_have_the_documented_defaults()
    {
        var options = new OtlpReceiverOptions();
        var ingest = new IngestOptions();

        Assert.Equal("http://127.0.0.1:4317", options.GrpcUrl);
        Assert.Equal("http://127.0.0.1:4318", options.HttpUrl);
        Assert.Equal(16L << 20, ingest.MaxRequestBytes);
        Assert.Equal(2 * Environment.ProcessorCount, ingest.MaxConcurrentRequests);
        Assert.Equal("http://127.0.0.1:0", _host.App.Services.GetRequiredService<IOptions<OtlpReceiverOptions>>().Value.GrpcUrl);
    }
}
