using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Google.Protobuf;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using OdigosUi.Hosting;
using OdigosUi.Pipeline.Receivers;
using OdigosUi.Profiles.Model;
using OdigosUi.Profiles.Otlp.Collector;
using OdigosUi.Tests.Infrastructure;
using OdigosUi.TestSupport;
using OdigosUi.TestSupport.FakePyroscope;

namespace OdigosUi.Tests.EndToEnd;

/// <summary>
/// The whole pipeline of role <c>all</c> on real ports: OTLP/HTTP and OTLP/gRPC receivers, node collector (Sources),
/// profiling slots behind the REST flame graph, and a Pyroscope Destination created through the API delivering to a
/// strict Pyroscope-like receiver.
/// </summary>
public sealed class PipelineEndToEndTests : IAsyncLifetime
{
    private const string Cpu = "samples:count:cpu:nanoseconds";
    private WebApplication _app = null!;
    private HttpClient _ui = null!;
    private ReceiverEndpointAddresses _addresses = null!;

    public async Task InitializeAsync()
    {
        _app = OdigosUiHost.Build(TestArgs.With("--Ui:Url=http://127.0.0.1:0"));
        await _app.StartAsync();
        _addresses = _app.Services.GetRequiredService<ReceiverEndpointAddresses>();
        _ui = new HttpClient { BaseAddress = _addresses.Ui.Single(), Timeout = TimeSpan.FromSeconds(20) };
    }

    public async Task DisposeAsync()
    {
        _ui.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private static IReadOnlyList<(SourceKey Source, ExportProfilesServiceRequest Only)> PerSource(ExportProfilesServiceRequest request)
    {
        var dictionary = new DictionaryView(request.Dictionary);
        return [.. request.ResourceProfiles.Select((resource, index) =>
            (dictionary.SourceKey(resource.Resource), ReferenceFolded.OnlyResource(request, index)))];
    }

    private async Task EnableAndOpen(SourceKey source)
    {
        using var put = await _ui.PutAsync($"/api/sources/{source.Namespace}/{source.Kind}/{source.Name}", null);
        Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync());
        using var open = await _ui.PostAsync($"/api/profiling/{source.Namespace}/{source.Kind}/{source.Name}", null);
        Assert.Equal(HttpStatusCode.OK, open.StatusCode);
    }

    [Fact]
    public async Task Payloads_over_http_and_grpc_give_the_exact_folded_stacks_per_source()
    {
        var viaHttp = SyntheticPayloads.Large(services: 3, uniqueStacks: 400, totalSamples: 20_000, seed: 31);
        var viaGrpc = SyntheticPayloads.Large(services: 3, uniqueStacks: 400, totalSamples: 20_000, seed: 31);
        var sources = PerSource(viaHttp);
        foreach (var (source, _) in sources.Take(2))
        {
            await EnableAndOpen(source);
        }

        using var otlpHttp = new HttpClient { BaseAddress = _addresses.Http };
        using var content = new ByteArrayContent(viaHttp.ToByteArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
        using (var response = await otlpHttp.PostAsync("/v1development/profiles", content))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        using var channel = GrpcChannel.ForAddress(_addresses.Grpc!);
        await new ProfilesService.ProfilesServiceClient(channel).ExportAsync(viaGrpc);

        foreach (var (source, only) in sources.Take(2))
        {
            var doubled = ReferenceFolded.Format(ReferenceFolded.Parse(ReferenceFolded.Compute(only, Cpu))
                .Select(stack => KeyValuePair.Create(stack.Key, stack.Value * 2)));
            Assert.Equal(doubled, await _ui.GetStringAsync($"/api/profiling/{source.Namespace}/{source.Kind}/{source.Name}/flamegraph?format=folded"));
        }

        var third = sources[2].Source;
        using var notBuffered = await _ui.GetAsync($"/api/profiling/{third.Namespace}/{third.Kind}/{third.Name}/flamegraph");
        Assert.Equal(HttpStatusCode.NotFound, notBuffered.StatusCode);

        using var list = JsonDocument.Parse(await _ui.GetStringAsync("/api/sources"));
        var rows = list.RootElement.EnumerateArray().ToDictionary(r => r.GetProperty("key").GetString()!);
        Assert.True(rows[sources[0].Source.ToString()].GetProperty("enabled").GetBoolean());
        Assert.True(rows[sources[0].Source.ToString()].GetProperty("profiling").GetBoolean());
        Assert.False(rows[third.ToString()].GetProperty("enabled").GetBoolean());
    }

    [Fact]
    public async Task Malformed_payloads_get_4xx_and_leave_the_app_healthy()
    {
        using var otlpHttp = new HttpClient { BaseAddress = _addresses.Http };
        foreach (var (body, type) in new[] { (new byte[] { 0xff, 0x01, 0x02 }, "application/x-protobuf"), ("{\"resourceProfiles\": 3}"u8.ToArray(), "application/json") })
        {
            using var content = new ByteArrayContent(body);
            content.Headers.ContentType = new MediaTypeHeaderValue(type);
            using var response = await otlpHttp.PostAsync("/v1development/profiles", content);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        }

        using var text = new StringContent("hello");
        using var unsupported = await otlpHttp.PostAsync("/v1development/profiles", text);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, unsupported.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _ui.GetAsync("/healthz")).StatusCode);
    }

    [Fact]
    public async Task A_pyroscope_destination_created_through_the_api_receives_valid_requests_and_reports_failures()
    {
        await using var pyroscope = await FakePyroscopeServer.StartAsync();
        var request = SyntheticPayloads.Small(4);
        var (source, only) = PerSource(request)[0];
        using (var put = await _ui.PutAsync($"/api/sources/{source.Namespace}/{source.Kind}/{source.Name}", null))
        {
            Assert.True(put.IsSuccessStatusCode);
        }

        using var created = await _ui.PostAsJsonAsync("/api/destinations", new
        {
            type = "pyroscope",
            name = "local pyroscope",
            signals = new[] { "PROFILES" },
            fields = new Dictionary<string, string> { ["PYROSCOPE_URL"] = pyroscope.HostPort, ["PYROSCOPE_TLS_ENABLED"] = "false" },
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        Assert.StartsWith("odigos.io.dest.pyroscope-", id);

        await WaitForCondition(id, "DestinationConfigured", "True");

        using var otlpHttp = new HttpClient { BaseAddress = _addresses.Http };
        using var content = new ByteArrayContent(request.ToByteArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
        Assert.Equal(HttpStatusCode.OK, (await otlpHttp.PostAsync("/v1development/profiles", content)).StatusCode);

        await pyroscope.WaitForAcceptedAsync(1, TimeSpan.FromSeconds(20));
        var expectedTotal = ReferenceFolded.Total(ReferenceFolded.Compute(only, Cpu));
        Assert.Equal(expectedTotal, pyroscope.TotalSampleValue);
        Assert.Equal([source.Name], pyroscope.ServiceNames);
        Assert.Empty(pyroscope.Rejected);
        await WaitForCondition(id, "Exporting", "True");

        pyroscope.RespondWith(400, times: 1, body: "bad profile from test");
        using var again = new ByteArrayContent(request.ToByteArray());
        again.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
        Assert.Equal(HttpStatusCode.OK, (await otlpHttp.PostAsync("/v1development/profiles", again)).StatusCode);
        var failing = await WaitForCondition(id, "Exporting", "False");
        Assert.Contains("400", failing.GetProperty("message").GetString());
    }

    private async Task<JsonElement> WaitForCondition(string id, string type, string status)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        JsonElement last = default;
        while (DateTime.UtcNow < deadline)
        {
            var destination = await _ui.GetFromJsonAsync<JsonElement>($"/api/destinations/{id}");
            foreach (var condition in destination.GetProperty("conditions").EnumerateArray())
            {
                if (condition.GetProperty("type").GetString() == type)
                {
                    last = condition;
                    if (condition.GetProperty("status").GetString() == status)
                    {
                        return condition;
                    }
                }
            }

            await Task.Delay(100);
        }

        throw new Xunit.Sdk.XunitException($"condition {type} of {id} did not become {status}; last: {last}");
    }
}
