using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using OdigosUi.Hosting;
using OdigosUi.Pipeline.Exporters;
using OdigosUi.Pipeline.Receivers;
using OdigosUi.Tests.Infrastructure;
using OdigosUi.TestSupport;

namespace OdigosUi.Tests.Destinations;

/// <summary>
/// Stopping the real app with exports queued for a slow Destination (a Kestrel listener that answers each request
/// after 700 ms): every accepted export arrives within Profiling:Exporter:ShutdownTimeoutSeconds, where it used to be
/// dropped after 2 s.
/// </summary>
public sealed class ShutdownDrainTests
{
    private const int Requests = 8;
    private static readonly TimeSpan AnswerDelay = TimeSpan.FromMilliseconds(700);

    [Fact]
    public async Task Stopping_the_host_delivers_every_accepted_export_to_a_slow_destination()
    {
        int answered = 0;
        await using var slow = await RecordingListener.StartAsync(async context =>
        {
            await Task.Delay(AnswerDelay);
            Interlocked.Increment(ref answered);
        });

        var app = OdigosUiHost.Build(TestArgs.With("--Ui:Url=http://127.0.0.1:0", "--Profiling:Exporter:ShutdownTimeoutSeconds=60"));
        await using var _ = app;
        Assert.Equal(TimeSpan.FromSeconds(65), app.Services.GetRequiredService<IOptions<HostOptions>>().Value.ShutdownTimeout);
        await app.StartAsync();
        var addresses = app.Services.GetRequiredService<ReceiverEndpointAddresses>();
        using var api = new HttpClient { BaseAddress = Assert.Single(addresses.Ui), Timeout = TimeSpan.FromSeconds(30) };
        var fleet = app.Services.GetRequiredService<ExporterFleet>();

        using var created = await api.PostAsJsonAsync("/api/destinations", new
        {
            type = "pyroscope",
            name = "slow",
            signals = new[] { "PROFILES" },
            fields = new Dictionary<string, string> { ["PYROSCOPE_URL"] = slow.HostPort, ["PYROSCOPE_TLS_ENABLED"] = "false" },
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        string id = (string)(await created.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;
        await EventuallyAsync(() => fleet.GetStatus(id) is { State: ExporterState.Running }, "the exporter to run");
        using (var source = await api.PutAsync("/api/sources/local/Process/checkout", null))
        {
            Assert.True(source.IsSuccessStatusCode);
        }

        using var otlp = new HttpClient { BaseAddress = addresses.Http, Timeout = TimeSpan.FromSeconds(30) };
        for (int i = 0; i < Requests; i++)
        {
            var request = MixedValuePayload.Create(new Dictionary<string, string> { ["service.name"] = "checkout" }, (ulong)DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000 + (ulong)i);
            using var content = new ByteArrayContent(request.ToByteArray());
            content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
            using var response = await otlp.PostAsync("/v1development/profiles", content);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        await EventuallyAsync(() => fleet.GetStatus(id) is { } s && s.SentRequests + s.QueueItems == Requests, $"{Requests} exports accepted");
        var before = fleet.GetStatus(id)!;
        Assert.True(before.QueueItems >= Requests - 2, $"only {before.QueueItems} were still queued at the stop");

        await app.StopAsync();

        Assert.Equal(Requests, Volatile.Read(ref answered));
        Assert.Equal(Requests, slow.Requests.Count);
        var after = fleet.GetStatus(id)!;
        Assert.Equal(Requests, after.SentRequests);
        Assert.Equal(0, after.DroppedRequests);
    }

    private static async Task EventuallyAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "Timed out waiting for " + what);
            await Task.Delay(20);
        }
    }
}
