using System.IO.Compression;
using System.Net.Http.Headers;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OdigosUi.Pipeline.Ingest;
using OdigosUi.Pipeline.Receivers;
using OdigosUi.Profiles.Aggregation;
using OdigosUi.Profiles.Otlp.Collector;

namespace OdigosUi.Pipeline.Tests.Receivers;

/// <summary>A consumer that keeps every batch it gets and answers what the test says; it can also hold batches.</summary>
public sealed class RecordingConsumer : IProfilesConsumer
{
    private readonly Lock _lock = new();
    private readonly List<ProfileBatch> _batches = [];

    public ConsumeStatus Answer { get; set; } = ConsumeStatus.Accepted;

    /// <summary>When set, ConsumeAsync waits for it before answering.</summary>
    public TaskCompletionSource? Hold { get; set; }

    /// <summary>Completed when a batch arrives (reset by the test).</summary>
    public TaskCompletionSource Arrived { get; set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public IReadOnlyList<ProfileBatch> Batches
    {
        get
        {
            lock (_lock)
            {
                return [.. _batches];
            }
        }
    }

    public async ValueTask<ConsumeStatus> ConsumeAsync(ProfileBatch batch, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            _batches.Add(batch);
        }

        Arrived.TrySetResult();
        if (Hold is { } hold)
        {
            await hold.Task.WaitAsync(cancellationToken);
        }

        return Answer;
    }
}

/// <summary>
/// A minimal web application built with the receiver extensions on a real Kestrel: the UI, gRPC and HTTP endpoints
/// all on 127.0.0.1 port 0, a UI route <c>GET /</c>, and a <see cref="RecordingConsumer"/> as the pipeline.
/// </summary>
public sealed class ReceiverTestHost : IAsyncDisposable
{
    private ReceiverTestHost(WebApplication app, RecordingConsumer consumer)
    {
        App = app;
        Consumer = consumer;
        var addresses = app.Services.GetRequiredService<ReceiverEndpointAddresses>();
        UiAddress = Assert.Single(addresses.Ui);
        GrpcAddress = addresses.Grpc!;
        HttpAddress = addresses.Http!;
        Http = new HttpClient { BaseAddress = HttpAddress, Timeout = TimeSpan.FromSeconds(60) };
        Ui = new HttpClient { BaseAddress = UiAddress, Timeout = TimeSpan.FromSeconds(30) };
        GrpcChannel = GrpcChannel.ForAddress(GrpcAddress, new GrpcChannelOptions { MaxSendMessageSize = null, MaxReceiveMessageSize = null });
        Grpc = new ProfilesService.ProfilesServiceClient(GrpcChannel);
    }

    public WebApplication App { get; }

    public RecordingConsumer Consumer { get; }

    public Uri UiAddress { get; }

    public Uri GrpcAddress { get; }

    public Uri HttpAddress { get; }

    /// <summary>A client of the OTLP/HTTP endpoint.</summary>
    public HttpClient Http { get; }

    /// <summary>A client of the UI endpoint.</summary>
    public HttpClient Ui { get; }

    public GrpcChannel GrpcChannel { get; }

    public ProfilesService.ProfilesServiceClient Grpc { get; }

    public ProfilesIngestService Ingest => App.Services.GetRequiredService<ProfilesIngestService>();

    public static async Task<ReceiverTestHost> StartAsync(params (string Key, string Value)[] settings)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Otlp:GrpcUrl"] = "http://127.0.0.1:0",
            ["Otlp:HttpUrl"] = "http://127.0.0.1:0",
        });
        builder.Configuration.AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)));
        var consumer = new RecordingConsumer();
        builder.ConfigureOtlpReceivers(["http://127.0.0.1:0"], _ => consumer);

        var app = builder.Build();
        app.MapOtlpReceivers();
        app.MapGet("/", () => Results.Text("ui"));
        await app.StartAsync();
        return new ReceiverTestHost(app, consumer);
    }

    public static ByteArrayContent Body(byte[] bytes, string contentType, bool gzip = false)
    {
        var content = new ByteArrayContent(gzip ? Gzip(bytes) : bytes);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        if (gzip)
        {
            content.Headers.ContentEncoding.Add("gzip");
        }

        return content;
    }

    public static byte[] Gzip(byte[] bytes, CompressionLevel level = CompressionLevel.Fastest)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, level, leaveOpen: true))
        {
            gzip.Write(bytes);
        }

        return output.ToArray();
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        Ui.Dispose();
        GrpcChannel.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }
}
