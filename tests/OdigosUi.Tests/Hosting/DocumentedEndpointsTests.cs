using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Grpc.Net.Client;
using OdigosUi.Profiles.Otlp.Collector;
using OdigosUi.Tests.Infrastructure;
using OdigosUi.TestSupport;
using OdigosUi.TestSupport.FakePyroscope;

namespace OdigosUi.Tests.Hosting;

/// <summary>
/// Every endpoint the design's REST row and the README document (and the live hub's negotiation), called on the real executable (<c>dotnet
/// odigos-ui.dll</c>, the same entry as <c>dotnet run --project src/OdigosUi</c>) in role <c>all</c> on loopback ports,
/// so an endpoint mapped only in tests cannot pass for a product one.
/// </summary>
public sealed class DocumentedEndpointsTests : IAsyncLifetime
{
    private const string Source = "local/Process/checkout";
    private const string Folded = $"/api/profiling/{Source}/flamegraph?format=folded&profileType={MixedValuePayload.SamplesType}";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly int _uiPort = FreePort.Next();
    private readonly int _grpcPort = FreePort.Next();
    private readonly int _httpPort = FreePort.Next();
    private OdigosUiProcess _app = null!;
    private FakePyroscopeServer _pyroscope = null!;
    private HttpClient _api = null!;

    public async Task InitializeAsync()
    {
        _pyroscope = await FakePyroscopeServer.StartAsync();
        _app = OdigosUiProcess.Start(TestArgs.With(
            $"--Ui:Url=http://127.0.0.1:{_uiPort}",
            $"--Otlp:GrpcUrl=http://127.0.0.1:{_grpcPort}",
            $"--Otlp:HttpUrl=http://127.0.0.1:{_httpPort}"));
        _api = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_uiPort}"), Timeout = TimeSpan.FromSeconds(20) };
        await WaitUntilAsync(async () => (await _api.GetAsync("/readyz")).StatusCode == HttpStatusCode.OK, "/readyz to answer 200");
    }

    public async Task DisposeAsync()
    {
        _api.Dispose();
        _app.Dispose();
        await _pyroscope.DisposeAsync();
    }

    [Fact]
    public async Task Health_readiness_metrics_and_profiler_status()
    {
        Assert.Equal("Healthy", await ExpectAsync(HttpStatusCode.OK, _api.GetAsync("/healthz")));
        Assert.Equal("Ready", await ExpectAsync(HttpStatusCode.OK, _api.GetAsync("/readyz")));

        var profiler = JsonDocument.Parse(await ExpectAsync(HttpStatusCode.OK, _api.GetAsync("/api/profiler"))).RootElement;
        Assert.Equal("TurnedOff", profiler.GetProperty("state").GetString());

        await PostOtlpHttpAsync(Mixed());
        await WaitUntilAsync(async () => (await _api.GetStringAsync("/metrics")).Contains("odigos_ui_receiver_requests", StringComparison.Ordinal), "the receiver's request counter in /metrics");
        using var metrics = await _api.GetAsync("/metrics");
        Assert.Equal("text/plain", metrics.Content.Headers.ContentType?.MediaType);
        Assert.Contains("# TYPE odigos_ui_receiver_requests", await metrics.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sources_slots_otlp_receivers_and_flame_graphs()
    {
        var put = JsonDocument.Parse(await ExpectAsync(HttpStatusCode.Created, _api.PutAsync($"/api/sources/{Source}", null))).RootElement;
        Assert.Contains("checkout", put.ToString(), StringComparison.Ordinal);
        await ExpectAsync(HttpStatusCode.OK, _api.PutAsync($"/api/sources/{Source}", null));
        Assert.Contains("namespace", await ExpectAsync(HttpStatusCode.BadRequest, _api.PutAsync("/api/sources/Not_A_Namespace/Process/checkout", null)), StringComparison.Ordinal);

        var slot = JsonDocument.Parse(await ExpectAsync(HttpStatusCode.OK, _api.PostAsync($"/api/profiling/{Source}", null))).RootElement;
        Assert.Equal(Source, slot.GetProperty("source").GetString());
        var slots = JsonDocument.Parse(await ExpectAsync(HttpStatusCode.OK, _api.GetAsync("/api/profiling/slots"))).RootElement;
        Assert.Equal([Source], slots.GetProperty("slots").EnumerateArray().Select(s => s.GetProperty("source").GetString()));

        // The same payload once over OTLP/HTTP and once over OTLP/gRPC: every value counts twice.
        await PostOtlpHttpAsync(Mixed());
        using (var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{_grpcPort}"))
        {
            await new ProfilesService.ProfilesServiceClient(channel).ExportAsync(Mixed());
        }

        const string twice = "main;hot 10\nmain;warm 8\n";
        await WaitUntilAsync(async () => await _api.GetStringAsync(Folded) == twice, $"the folded flame graph to read '{twice}'");

        var sources = JsonDocument.Parse(await ExpectAsync(HttpStatusCode.OK, _api.GetAsync("/api/sources"))).RootElement;
        var row = sources.EnumerateArray().Single(r => r.GetProperty("key").GetString() == Source);
        Assert.True(row.GetProperty("enabled").GetBoolean());
        Assert.True(row.GetProperty("profiling").GetBoolean());

        var flamebearer = await ExpectAsync(HttpStatusCode.OK, _api.GetAsync($"/api/profiling/{Source}/flamegraph?format=flamebearer&profileType={MixedValuePayload.SamplesType}"));
        Assert.Contains("\"hot\"", flamebearer, StringComparison.Ordinal);
        byte[] pprof;
        using (var download = await _api.GetAsync($"/api/profiling/{Source}/flamegraph?format=pprof&profileType={MixedValuePayload.SamplesType}"))
        {
            Assert.Equal(HttpStatusCode.OK, download.StatusCode);
            pprof = await download.Content.ReadAsByteArrayAsync();
            Assert.Equal([0x1f, 0x8b], pprof[..2]);
        }

        // The flame graph's import: the downloaded pprof reads back as the same flame graph.
        using (var file = new ByteArrayContent(pprof))
        {
            file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            var imported = await ExpectAsync(HttpStatusCode.OK, _api.PostAsync("/api/profiles/view", file));
            Assert.Contains("\"hot\"", imported, StringComparison.Ordinal);
        }

        using (var empty = new ByteArrayContent([]))
        {
            Assert.Contains("empty", await ExpectAsync(HttpStatusCode.BadRequest, _api.PostAsync("/api/profiles/view", empty)), StringComparison.Ordinal);
        }

        Assert.Contains("format 'svg'", await ExpectAsync(HttpStatusCode.BadRequest, _api.GetAsync($"/api/profiling/{Source}/flamegraph?format=svg")), StringComparison.Ordinal);
        Assert.Contains("window '2d'", await ExpectAsync(HttpStatusCode.BadRequest, _api.GetAsync($"/api/profiling/{Source}/flamegraph?window=2d")), StringComparison.Ordinal);

        await ExpectAsync(HttpStatusCode.NoContent, _api.PostAsync($"/api/profiling/{Source}/clear", null));
        Assert.Equal("", await ExpectAsync(HttpStatusCode.OK, _api.GetAsync(Folded)));
        await ExpectAsync(HttpStatusCode.NoContent, _api.DeleteAsync($"/api/profiling/{Source}"));
        Assert.Contains("no profiling slot", await ExpectAsync(HttpStatusCode.NotFound, _api.DeleteAsync($"/api/profiling/{Source}")), StringComparison.Ordinal);
        await ExpectAsync(HttpStatusCode.NotFound, _api.GetAsync(Folded));

        await ExpectAsync(HttpStatusCode.NoContent, _api.DeleteAsync($"/api/sources/{Source}"));
        await ExpectAsync(HttpStatusCode.NotFound, _api.DeleteAsync($"/api/sources/{Source}"));
    }

    [Fact]
    public async Task Live_hub_negotiates()
    {
        var negotiate = JsonDocument.Parse(await ExpectAsync(HttpStatusCode.OK, _api.PostAsync("/hubs/profiles/negotiate?negotiateVersion=1", null))).RootElement;
        Assert.False(string.IsNullOrEmpty(negotiate.GetProperty("connectionToken").GetString()));
        Assert.Contains("WebSockets", negotiate.GetProperty("availableTransports").EnumerateArray().Select(t => t.GetProperty("transport").GetString()));
    }

    [Fact]
    public async Task Otlp_receivers_refuse_bad_input_with_4xx()
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_httpPort}") };
        using var garbage = new ByteArrayContent([0xff, 0xff, 0xff]);
        garbage.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
        await ExpectAsync(HttpStatusCode.BadRequest, http.PostAsync("/v1development/profiles", garbage));
        using var text = new StringContent("hello", Encoding.UTF8, "text/plain");
        await ExpectAsync(HttpStatusCode.UnsupportedMediaType, http.PostAsync("/v1development/profiles", text));
    }

    [Fact]
    public async Task Destination_types_destinations_and_test_connection()
    {
        var types = JsonDocument.Parse(await ExpectAsync(HttpStatusCode.OK, _api.GetAsync("/api/destination-types"))).RootElement;
        Assert.Contains("pyroscope", types.EnumerateArray().Select(t => t.GetProperty("type").GetString()));

        var body = Pyroscope("pyroscope", _pyroscope.HostPort);
        var test = JsonDocument.Parse(await ExpectAsync(HttpStatusCode.OK, _api.PostAsJsonAsync("/api/destinations/test-connection", body))).RootElement;
        Assert.Equal("Ok", test.GetProperty("verdict").GetString());
        Assert.True(test.GetProperty("succeeded").GetBoolean());
        await _pyroscope.WaitForAcceptedAsync(1);
        var invalid = await ExpectAsync(HttpStatusCode.BadRequest, _api.PostAsJsonAsync("/api/destinations/test-connection", Pyroscope("pyroscope", "")));
        Assert.Contains("PYROSCOPE_URL", invalid, StringComparison.Ordinal);

        var created = JsonDocument.Parse(await ExpectAsync(HttpStatusCode.Created, _api.PostAsJsonAsync("/api/destinations", body))).RootElement;
        var id = created.GetProperty("id").GetString()!;
        Assert.StartsWith("odigos.io.dest.pyroscope-", id, StringComparison.Ordinal);
        Assert.Contains("PYROSCOPE_URL", await ExpectAsync(HttpStatusCode.BadRequest, _api.PostAsJsonAsync("/api/destinations", Pyroscope("broken", ""))), StringComparison.Ordinal);

        var stored = JsonDocument.Parse(await ExpectAsync(HttpStatusCode.OK, _api.PostAsJsonAsync($"/api/destinations/test-connection?id={id}", body))).RootElement;
        Assert.Equal("Ok", stored.GetProperty("verdict").GetString());

        var list = JsonDocument.Parse(await ExpectAsync(HttpStatusCode.OK, _api.GetAsync("/api/destinations"))).RootElement;
        Assert.Equal([id], list.EnumerateArray().Select(d => d.GetProperty("id").GetString()));
        var one = JsonDocument.Parse(await ExpectAsync(HttpStatusCode.OK, _api.GetAsync($"/api/destinations/{id}"))).RootElement;
        Assert.Equal(_pyroscope.HostPort, one.GetProperty("fields").GetProperty("PYROSCOPE_URL").GetString());

        var updated = JsonDocument.Parse(await ExpectAsync(HttpStatusCode.OK, _api.PutAsJsonAsync($"/api/destinations/{id}", Pyroscope("renamed", _pyroscope.HostPort)))).RootElement;
        Assert.Equal("renamed", updated.GetProperty("name").GetString());

        await ExpectAsync(HttpStatusCode.NoContent, _api.DeleteAsync($"/api/destinations/{id}"));
        await ExpectAsync(HttpStatusCode.NotFound, _api.GetAsync($"/api/destinations/{id}"));
        await ExpectAsync(HttpStatusCode.NotFound, _api.DeleteAsync($"/api/destinations/{id}"));
    }

    private static ExportProfilesServiceRequest Mixed() =>
        MixedValuePayload.Create(new Dictionary<string, string> { ["service.name"] = "checkout" }, (ulong)DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000);

    private static object Pyroscope(string name, string hostPort) => new
    {
        type = "pyroscope",
        name,
        signals = new[] { "PROFILES" },
        fields = new Dictionary<string, string> { ["PYROSCOPE_URL"] = hostPort, ["PYROSCOPE_TLS_ENABLED"] = "false" },
    };

    private async Task PostOtlpHttpAsync(ExportProfilesServiceRequest request)
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_httpPort}") };
        using var content = new ByteArrayContent(request.ToByteArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
        await ExpectAsync(HttpStatusCode.OK, http.PostAsync("/v1development/profiles", content));
    }

    /// <summary>Asserts the status and returns the body, which the failure message shows otherwise.</summary>
    private static async Task<string> ExpectAsync(HttpStatusCode expected, Task<HttpResponseMessage> call)
    {
        using var response = await call;
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri}: expected {(int)expected}, got {(int)response.StatusCode}: {body}");
        return body;
    }

    private async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + StartTimeout;
        while (true)
        {
            try
            {
                if (await condition())
                {
                    return;
                }
            }
            catch (HttpRequestException) when (!_app.HasExited)
            {
                // Not listening yet.
            }

            if (_app.HasExited || DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out waiting for {what}; odigos-ui {(_app.HasExited ? $"exited with {_app.ExitCode}" : "still running")}: {_app.StandardError}");
            }

            await Task.Delay(100);
        }
    }
}
