using System.Net;
using Grpc.AspNetCore.Server;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OdigosUi.Pipeline.Exporters;
using OdigosUi.Profiles.Otlp.Collector;
using static OdigosUi.Pipeline.Tests.Exporters.ExporterTestSupport;

namespace OdigosUi.Pipeline.Tests.Exporters;

/// <summary>A small OTLP/gRPC profiles server (Grpc.AspNetCore, h2c on 127.0.0.1, port 0) that records requests and can be scripted to fail.</summary>
internal sealed class FakeGrpcProfilesServer : IAsyncDisposable
{
    private readonly Lock _lock = new();
    private readonly List<(ExportProfilesServiceRequest Request, Metadata Headers, string? Encoding)> _received = [];
    private readonly Queue<StatusCode> _script = new();
    private WebApplication _app = null!;
    private int _calls;

    public int Port { get; private set; }

    public int Calls => Volatile.Read(ref _calls);

    public IReadOnlyList<(ExportProfilesServiceRequest Request, Metadata Headers, string? Encoding)> Received
    {
        get
        {
            lock (_lock)
            {
                return [.. _received];
            }
        }
    }

    public static async Task<FakeGrpcProfilesServer> StartAsync()
    {
        var server = new FakeGrpcProfilesServer();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(server);
        server._app = builder.Build();
        server._app.MapGrpcService<Service>();
        await server._app.StartAsync();
        server.Port = new Uri(server._app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()).Port;
        return server;
    }

    public void FailNext(StatusCode code, int times = 1)
    {
        lock (_lock)
        {
            for (var i = 0; i < times; i++)
            {
                _script.Enqueue(code);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private sealed class Service(FakeGrpcProfilesServer server) : ProfilesService.ProfilesServiceBase
    {
        public override Task<ExportProfilesServiceResponse> Export(ExportProfilesServiceRequest request, ServerCallContext context)
        {
            Interlocked.Increment(ref server._calls);
            lock (server._lock)
            {
                if (server._script.TryDequeue(out var code))
                {
                    throw new RpcException(new Status(code, $"scripted {code}"));
                }

                server._received.Add((request, context.RequestHeaders, context.GetHttpContext().Request.Headers["grpc-encoding"].ToString()));
            }

            return Task.FromResult(new ExportProfilesServiceResponse());
        }
    }
}

public sealed class OtlpGrpcExporterTests : IAsyncLifetime
{
    private FakeGrpcProfilesServer _server = null!;

    public async Task InitializeAsync() => _server = await FakeGrpcProfilesServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private OtlpGrpcExporter Exporter(string? headers = null, string? compression = null)
    {
        var fields = new Dictionary<string, string> { [DestinationFields.OtlpGrpcEndpoint] = $"127.0.0.1:{_server.Port}" };
        if (headers is not null)
        {
            fields[DestinationFields.OtlpGrpcHeaders] = headers;
        }

        if (compression is not null)
        {
            fields[DestinationFields.OtlpGrpcCompression] = compression;
        }

        var exporter = new OtlpGrpcExporter(new DestinationConfig("grpc", DestinationTypes.Otlp, "gRPC", fields, ["PROFILES"]), Fast());
        exporter.Start();
        return exporter;
    }

    [Fact]
    public async Task Delivers_over_h2c_with_metadata_and_gzip()
    {
        await using var exporter = Exporter(headers: """[{"key":"X-Api-Key","value":"k-9"}]""");
        var request = Small(5);

        exporter.Enqueue(request);
        await EventuallyAsync(() => _server.Received.Count == 1, "one export");

        var (received, headers, encoding) = _server.Received[0];
        Assert.Equal(request, received);
        Assert.Equal("k-9", headers.GetValue("x-api-key"));
        Assert.Equal("gzip", encoding);
        Assert.False(exporter.GzipPayload);
        await EventuallyAsync(() => exporter.Status.SentRequests == 1, "sent counted");
        Assert.Equal($"http://127.0.0.1:{_server.Port}/", exporter.Status.Endpoint);
    }

    [Fact]
    public async Task Uncompressed_when_asked()
    {
        await using var exporter = Exporter(compression: "none");

        exporter.Enqueue(Small());
        await EventuallyAsync(() => _server.Received.Count == 1, "one export");

        Assert.True(string.IsNullOrEmpty(_server.Received[0].Encoding) || _server.Received[0].Encoding == "identity");
    }

    [Fact]
    public async Task Unavailable_is_retried()
    {
        _server.FailNext(StatusCode.Unavailable);
        _server.FailNext(StatusCode.ResourceExhausted);
        await using var exporter = Exporter();

        exporter.Enqueue(Small());
        await EventuallyAsync(() => exporter.Status.SentRequests == 1, "delivery after retries");

        Assert.Equal(3, _server.Calls);
        Assert.Equal(2, exporter.Status.RetriedRequests);
        Assert.Contains("gRPC ResourceExhausted", exporter.Status.LastError, StringComparison.Ordinal);
        Assert.True(exporter.Status.Healthy);
    }

    [Theory]
    [InlineData(StatusCode.InvalidArgument)]
    [InlineData(StatusCode.Unauthenticated)]
    [InlineData(StatusCode.Unimplemented)]
    public async Task Permanent_codes_drop(StatusCode code)
    {
        _server.FailNext(code);
        await using var exporter = Exporter();

        exporter.Enqueue(Small());
        await EventuallyAsync(() => exporter.Status.DroppedRequests == 1, "drop");
        await Task.Delay(100);

        Assert.Equal(1, _server.Calls);
        Assert.Contains($"gRPC {code}", exporter.Status.LastError, StringComparison.Ordinal);
        Assert.Contains($"scripted {code}", exporter.Status.LastError, StringComparison.Ordinal);
    }

    [Fact]
    public void Status_code_table()
    {
        Assert.Equal(SendOutcome.Retryable, OtlpGrpcExporter.Classify(StatusCode.DeadlineExceeded, "").Outcome);
        Assert.Equal(SendOutcome.Retryable, OtlpGrpcExporter.Classify(StatusCode.Unavailable, "").Outcome);
        Assert.Equal(SendOutcome.Retryable, OtlpGrpcExporter.Classify(StatusCode.ResourceExhausted, "").Outcome);
        Assert.Equal(SendOutcome.Permanent, OtlpGrpcExporter.Classify(StatusCode.InvalidArgument, "").Outcome);
        Assert.Equal(SendOutcome.Permanent, OtlpGrpcExporter.Classify(StatusCode.PermissionDenied, "").Outcome);
        Assert.Equal(SendOutcome.Permanent, OtlpGrpcExporter.Classify(StatusCode.Internal, "").Outcome);
    }
}
