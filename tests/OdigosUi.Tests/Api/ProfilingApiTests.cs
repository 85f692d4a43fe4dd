using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using OdigosUi.Hosting;
using OdigosUi.Pipeline.Collector;
using OdigosUi.Pipeline.Receivers;
using OdigosUi.Tests.Infrastructure;
using OdigosUi.Profiles.Aggregation;
using OdigosUi.TestSupport;

namespace OdigosUi.Tests.Api;

/// <summary>The profiling slot API on a real Kestrel port, fed through the node collector as the receivers do.</summary>
public sealed class ProfilingApiTests : IAsyncLifetime
{
    private WebApplication _app = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _app = OdigosUiHost.Build(TestArgs.With("--Ui:Url=http://127.0.0.1:0", "--Profiling:Ui:MaxSlots=4"));
        await _app.StartAsync();
        _client = new HttpClient { BaseAddress = _app.Services.GetRequiredService<ReceiverEndpointAddresses>().Ui.Single(), Timeout = TimeSpan.FromSeconds(10) };
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task Ingest(Google.Protobuf.IMessage request)
    {
        var collector = _app.Services.GetRequiredService<NodeCollector>();
        var batch = ProfileBatch.Create((OdigosUi.Profiles.Otlp.Collector.ExportProfilesServiceRequest)request);
        await collector.ConsumeAsync(batch, CancellationToken.None);
    }

    [Fact]
    public async Task An_open_slot_serves_the_exact_folded_stacks_of_its_source()
    {
        var request = SyntheticPayloads.Large(services: 3, uniqueStacks: 300, totalSamples: 5_000, seed: 9);
        var dictionary = new OdigosUi.Profiles.Model.DictionaryView(request.Dictionary);
        var source = dictionary.SourceKey(request.ResourceProfiles[1].Resource);
        var expected = ReferenceFolded.Compute(ReferenceFolded.OnlyResource(request, 1), "samples:count:cpu:nanoseconds");

        using (var open = await _client.PostAsync($"/api/profiling/{source.Namespace}/{source.Kind}/{source.Name}", null))
        {
            Assert.Equal(HttpStatusCode.OK, open.StatusCode);
        }

        await Ingest(request);

        var folded = await _client.GetStringAsync($"/api/profiling/{source.Namespace}/{source.Kind}/{source.Name}/flamegraph?format=folded");
        Assert.Equal(expected, folded);

        using var flamebearer = JsonDocument.Parse(await _client.GetStringAsync($"/api/profiling/{source.Namespace}/{source.Kind}/{source.Name}/flamegraph"));
        Assert.Equal(ReferenceFolded.Total(expected), flamebearer.RootElement.GetProperty("flamebearer").GetProperty("numTicks").GetInt64());

        var pprof = await _client.GetByteArrayAsync($"/api/profiling/{source.Namespace}/{source.Kind}/{source.Name}/flamegraph?format=pprof");
        Assert.Equal(expected, System.Text.Encoding.UTF8.GetString(OdigosUi.Profiles.Conversion.ProfileConverter.Convert(pprof, OdigosUi.Profiles.Conversion.OutputFormat.Folded, null).Output));

        using var slots = JsonDocument.Parse(await _client.GetStringAsync("/api/profiling/slots"));
        var slot = slots.RootElement.GetProperty("slots").EnumerateArray().Single();
        Assert.Equal(source.ToString(), slot.GetProperty("source").GetString());
        Assert.True(slot.GetProperty("sampleCount").GetInt64() > 0);
    }

    [Fact]
    public async Task Sources_without_a_slot_are_not_buffered_and_errors_say_why()
    {
        await Ingest(SyntheticPayloads.Small(1));

        using var missing = await _client.GetAsync("/api/profiling/shop/Deployment/cart/flamegraph");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Contains("no profiling slot is open for shop/Deployment/cart", await missing.Content.ReadAsStringAsync());

        await _client.PostAsync("/api/profiling/shop/Deployment/cart", null);
        using var badFormat = await _client.GetAsync("/api/profiling/shop/Deployment/cart/flamegraph?format=svg");
        Assert.Equal(HttpStatusCode.BadRequest, badFormat.StatusCode);
        Assert.Contains("format 'svg'", await badFormat.Content.ReadAsStringAsync());
        using var badType = await _client.GetAsync("/api/profiling/shop/Deployment/cart/flamegraph?profileType=cpu");
        Assert.Equal(HttpStatusCode.BadRequest, badType.StatusCode);
        using var badWindow = await _client.GetAsync("/api/profiling/shop/Deployment/cart/flamegraph?window=2d");
        Assert.Equal(HttpStatusCode.BadRequest, badWindow.StatusCode);

        var empty = await _client.GetStringAsync("/api/profiling/shop/Deployment/cart/flamegraph?format=folded");
        Assert.Equal("", empty);

        using var clear = await _client.PostAsync("/api/profiling/shop/Deployment/cart/clear", null);
        Assert.Equal(HttpStatusCode.NoContent, clear.StatusCode);
        using var close = await _client.DeleteAsync("/api/profiling/shop/Deployment/cart");
        Assert.Equal(HttpStatusCode.NoContent, close.StatusCode);
        using var closeAgain = await _client.DeleteAsync("/api/profiling/shop/Deployment/cart");
        Assert.Equal(HttpStatusCode.NotFound, closeAgain.StatusCode);
    }

    [Fact]
    public async Task Metrics_are_served_in_prometheus_format()
    {
        await _client.PostAsync("/api/profiling/shop/Deployment/cart", null);
        using var response = await _client.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.MediaType);
        var text = await response.Content.ReadAsStringAsync();
        Assert.Matches(@"(?m)^odigos_ui_slots_open{[^}]*} 1$", text);
        Assert.Contains("# TYPE odigos_ui_slots_bytes", text);
    }

    [Fact]
    public async Task Profiling_disabled_answers_503_with_the_reason()
    {
        await using var app = OdigosUiHost.Build(TestArgs.With("--Ui:Url=http://127.0.0.1:0", "--Profiling:Enabled=false"));
        await app.StartAsync();
        using var client = new HttpClient { BaseAddress = app.Services.GetRequiredService<ReceiverEndpointAddresses>().Ui.Single() };
        using var response = await client.PostAsync("/api/profiling/a/Deployment/b", null);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("Profiling:Enabled=false", await response.Content.ReadAsStringAsync());
        await app.StopAsync();
    }
}
