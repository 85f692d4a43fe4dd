using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using OdigosUi.Hosting;
using OdigosUi.Pipeline.Receivers;
using OdigosUi.Tests.Infrastructure;

namespace OdigosUi.Tests.Live;

/// <summary>Where the hub runs and what it does to slots: roles, the profiling switch, the idle TTL, the watcher limit.</summary>
public sealed class LiveHostingTests
{
    private static async Task<(WebApplication App, Uri Ui)> Start(params string[] args)
    {
        var app = OdigosUiHost.Build(TestArgs.With([.. args, "--Ui:Url=http://127.0.0.1:0"]));
        await app.StartAsync();
        return (app, app.Services.GetRequiredService<ReceiverEndpointAddresses>().Ui.Single());
    }

    [Fact]
    public async Task Profiling_disabled_is_the_watch_error()
    {
        var (app, ui) = await Start("--Profiling:Enabled=false");
        await using (app)
        {
            await using var client = await LiveClient.ConnectAsync(ui);
            var result = await client.WatchAsync("local/Process/checkout");
            Assert.False(result.Ok);
            Assert.Contains("profiling is disabled", result.Error);
            await app.StopAsync();
        }
    }

    [Fact]
    public async Task A_watched_slot_outlives_its_idle_ttl_and_an_unwatched_one_does_not()
    {
        var (app, ui) = await Start("--Profiling:Ui:SlotTtlSeconds=2");
        await using (app)
        {
            using var http = new HttpClient { BaseAddress = ui };
            await using var client = await LiveClient.ConnectAsync(ui);
            Assert.True((await client.WatchAsync("local/Process/watched")).Ok);
            (await http.PostAsync("/api/profiling/local/Process/ignored", null)).EnsureSuccessStatusCode();

            // Don't ack: a paused view still keeps its slot. The expiry worker runs every 5 s.
            await Task.Delay(TimeSpan.FromSeconds(7));

            using var slots = JsonDocument.Parse(await http.GetStringAsync("/api/profiling/slots"));
            var open = slots.RootElement.GetProperty("slots").EnumerateArray().Select(s => s.GetProperty("source").GetString()).ToList();
            Assert.Equal(["local/Process/watched"], open);
            await app.StopAsync();
        }
    }

    [Fact]
    public async Task Connections_beyond_the_watcher_limit_are_refused_with_the_reason()
    {
        var (app, ui) = await Start("--Profiling:Ui:MaxLiveWatchers=2");
        await using (app)
        {
            await using var a = await LiveClient.ConnectAsync(ui);
            await using var b = await LiveClient.ConnectAsync(ui);
            await using var c = await LiveClient.ConnectAsync(ui);
            Assert.True((await a.WatchAsync("local/Process/x")).Ok);
            Assert.True((await b.WatchAsync("local/Process/x")).Ok);
            var refused = await c.WatchAsync("local/Process/x");
            Assert.False(refused.Ok);
            Assert.Contains("MaxLiveWatchers", refused.Error);

            // A disconnect frees its place.
            await a.DisposeAsync();
            var deadline = DateTime.UtcNow.AddSeconds(10);
            var result = refused;
            while (!result.Ok && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
                result = await c.WatchAsync("local/Process/x");
            }

            Assert.True(result.Ok, result.Error);
            await app.StopAsync();
        }
    }

    [Fact]
    public async Task Roles_without_slots_have_neither_the_hub_nor_the_import()
    {
        var (app, ui) = await Start("--Role=gateway");
        await using (app)
        {
            using var http = new HttpClient { BaseAddress = ui };
            using var negotiate = await http.PostAsync("/hubs/profiles/negotiate?negotiateVersion=1", null);
            Assert.Equal(HttpStatusCode.NotFound, negotiate.StatusCode);
            using var import = await http.PostAsync("/api/profiles/view", new ByteArrayContent([1, 2, 3]));
            Assert.Equal(HttpStatusCode.NotFound, import.StatusCode);
            await app.StopAsync();
        }
    }

    [Fact]
    public async Task An_invalid_live_interval_stops_the_start_with_the_key()
    {
        await using var app = OdigosUiHost.Build(TestArgs.With("--Ui:Url=http://127.0.0.1:0", "--Profiling:Ui:LiveIntervalMs=0"));
        var error = await Assert.ThrowsAnyAsync<Exception>(() => app.StartAsync());
        Assert.Contains("LiveIntervalMs", error.Message);
    }
}
