using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using OdigosUi.Hosting;
using OdigosUi.Pipeline.Live;
using OdigosUi.Pipeline.Receivers;
using OdigosUi.Profiles.Otlp.Collector;
using OdigosUi.Tests.Infrastructure;
using OdigosUi.TestSupport;

namespace OdigosUi.Tests.Live;

/// <summary>
/// The live flame graph end to end: the real app on port 0, OTLP/HTTP into its receiver, and real SignalR clients
/// with the MessagePack protocol whose merged updates must equal the REST flame graph.
/// </summary>
public sealed class ProfilesHubTests : IAsyncLifetime
{
    private const string Source = "local/Process/checkout";
    private const string FoldedPath = "/api/profiling/local/Process/checkout/flamegraph?format=folded";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private readonly Random _random = new(29);
    private WebApplication _app = null!;
    private ReceiverEndpointAddresses _addresses = null!;
    private HttpClient _ui = null!;
    private HttpClient _otlp = null!;

    public async Task InitializeAsync()
    {
        _app = OdigosUiHost.Build(TestArgs.With("--Ui:Url=http://127.0.0.1:0", "--Profiling:Ui:LiveIntervalMs=100"));
        await _app.StartAsync();
        _addresses = _app.Services.GetRequiredService<ReceiverEndpointAddresses>();
        _ui = new HttpClient { BaseAddress = _addresses.Ui.Single(), Timeout = Patience };
        _otlp = new HttpClient { BaseAddress = _addresses.Http, Timeout = Patience };
    }

    public async Task DisposeAsync()
    {
        _ui.Dispose();
        _otlp.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private Task<LiveClient> Connect() => LiveClient.ConnectAsync(_addresses.Ui.Single());

    /// <summary>Random stacks for service <c>checkout</c>, posted to the OTLP/HTTP receiver.</summary>
    private async Task SendAsync(int samples, string service = "checkout")
    {
        var builder = new OtlpRequestBuilder();
        var profile = builder.Profile(new Dictionary<string, string> { ["service.name"] = service });
        profile.TimeUnixNano = 0;
        for (var i = 0; i < samples; i++)
        {
            var depth = _random.Next(1, 10);
            var leafFirst = Enumerable.Range(0, depth).Select(d => $"fn_{depth - d}_{_random.Next(2 + depth - d)}").ToArray();
            OtlpRequestBuilder.AddSample(profile, builder.StackOf(leafFirst), _random.Next(1, 4));
        }

        using var content = new ByteArrayContent(builder.Request.ToByteArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
        using var response = await _otlp.PostAsync("/v1development/profiles", content);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private async Task<bool> MatchesRest(LiveProfileModel model) =>
        model.TotalValue > 0 && ReferenceFolded.Format(model.Stacks()) == await _ui.GetStringAsync(FoldedPath);

    [Fact]
    public async Task Updates_merged_on_the_client_equal_the_rest_flame_graph()
    {
        await using var client = await Connect();
        var result = await client.WatchAsync(Source);
        Assert.True(result.Ok, result.Error);

        var first = await client.NextAsync(Patience);
        Assert.NotNull(first);
        Assert.True(first.Reset);
        client.ApplyAndKeep(first);
        await client.AckAsync(first.Seq);

        for (var round = 0; round < 6; round++)
        {
            await SendAsync(200);
            await client.ApplyUntilAsync(MatchesRest, Patience);
        }

        Assert.Equal("samples:count:cpu:nanoseconds", client.Model.ProfileType);
        Assert.Equal(["samples:count:cpu:nanoseconds"], client.Model.AvailableTypes);
        Assert.Equal("count", client.Model.Unit);
        Assert.True(client.Model.Period > 0);
        Assert.Equal(ReferenceFolded.Total(await _ui.GetStringAsync(FoldedPath)), client.Model.TotalValue);
    }

    [Fact]
    public async Task Without_an_ack_nothing_more_is_sent_and_the_next_update_carries_everything()
    {
        await using var client = await Connect();
        Assert.True((await client.WatchAsync(Source)).Ok);
        var first = (await client.NextAsync(Patience))!;
        client.ApplyAndKeep(first);

        for (var i = 0; i < 4; i++)
        {
            await SendAsync(100);
        }

        // Ten intervals without an ack: nothing.
        Assert.Null(await client.NextAsync(TimeSpan.FromSeconds(1)));

        await client.AckAsync(first.Seq);
        var merged = await client.NextAsync(Patience);
        Assert.NotNull(merged);
        Assert.Equal(first.Seq + 1, merged.Seq);
        Assert.False(merged.Reset);
        client.ApplyAndKeep(merged);
        Assert.True(await MatchesRest(client.Model), "the update after the ack does not carry all four payloads");

        // Nothing changed since: the ack brings nothing new.
        await client.AckAsync(merged.Seq);
        Assert.Null(await client.NextAsync(TimeSpan.FromMilliseconds(600)));
    }

    [Fact]
    public async Task A_reconnecting_client_and_a_new_view_start_with_a_reset_snapshot()
    {
        await using (var client = await Connect())
        {
            Assert.True((await client.WatchAsync(Source)).Ok);
            await SendAsync(300);
            await client.ApplyUntilAsync(MatchesRest, Patience);
        }

        await using var again = await Connect();
        Assert.True((await again.WatchAsync(Source)).Ok);
        var snapshot = (await again.NextAsync(Patience))!;
        Assert.True(snapshot.Reset);
        Assert.Equal(0, snapshot.FrameStart);
        Assert.Equal(1, snapshot.NodeStart);
        again.ApplyAndKeep(snapshot);
        Assert.True(await MatchesRest(again.Model), "the first update after a reconnect is not the whole flame graph");
        await again.AckAsync(snapshot.Seq);

        // Watching again (here: the last minute) replaces the view and starts over.
        Assert.True((await again.WatchAsync(Source, "samples:count:cpu:nanoseconds", 60)).Ok);
        var windowed = (await again.NextAsync(Patience))!;
        Assert.True(windowed.Reset);
        Assert.Equal(snapshot.Seq + 1, windowed.Seq);
        again.ApplyAndKeep(windowed);
        var lastMinute = await _ui.GetStringAsync(FoldedPath + "&window=1m");
        Assert.Equal(lastMinute, ReferenceFolded.Format(again.Model.Stacks()));
    }

    [Fact]
    public async Task Bad_watch_requests_get_a_reason_not_an_exception()
    {
        await using var client = await Connect();
        foreach (var (source, type, window, reason) in new (string?, string?, int, string)[]
        {
            ("checkout", null, 0, "bad source key 'checkout'"),
            ("a//b", null, 0, "bad source key"),
            (null, null, 0, "bad source key"),
            (new string('x', 5000), null, 0, "bad source key"),
            (Source, "cpu", 0, "profile type 'cpu' is not of the form"),
            (Source, null, -1, "windowSeconds -1"),
            (Source, null, int.MaxValue, "windowSeconds"),
        })
        {
            var result = await client.WatchAsync(source, type, window);
            Assert.False(result.Ok);
            Assert.Contains(reason, result.Error);
        }

        Assert.True((await client.WatchAsync(Source)).Ok);
        await SendAsync(10);
        var result2 = await client.WatchAsync(Source, "alloc_space:bytes:space:bytes");
        Assert.False(result2.Ok);
        Assert.Contains("not in this slot; it has: samples:count:cpu:nanoseconds", result2.Error);

        // The connection still works after the refusals.
        Assert.NotNull(await client.NextAsync(Patience));
    }

    [Fact]
    public async Task A_closed_slot_is_reported_and_unwatch_stops_updates()
    {
        await using var client = await Connect();
        Assert.True((await client.WatchAsync(Source)).Ok);
        await SendAsync(50);
        await client.ApplyUntilAsync(MatchesRest, Patience);

        using (var close = await _ui.DeleteAsync("/api/profiling/local/Process/checkout"))
        {
            Assert.Equal(HttpStatusCode.NoContent, close.StatusCode);
        }

        var closed = await client.NextAsync(Patience);
        Assert.NotNull(closed);
        Assert.True(closed.Closed);
        client.ApplyAndKeep(closed);
        await client.AckAsync(closed.Seq);

        // Watch again reopens it.
        Assert.True((await client.WatchAsync(Source)).Ok);
        var reopened = (await client.NextAsync(Patience))!;
        Assert.True(reopened.Reset);
        Assert.False(reopened.Closed);
        await client.AckAsync(reopened.Seq);

        await client.UnwatchAsync();
        await SendAsync(50);
        Assert.Null(await client.NextAsync(TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public async Task Each_connection_gets_its_own_updates_with_seq_increasing_by_one()
    {
        await using var a = await Connect();
        await using var b = await Connect();
        Assert.True((await a.WatchAsync(Source)).Ok);
        Assert.True((await b.WatchAsync("local/Process/payments")).Ok);

        for (var round = 0; round < 3; round++)
        {
            await SendAsync(40);
            await SendAsync(40, "payments");
            await a.ApplyUntilAsync(MatchesRest, Patience);
            await b.ApplyUntilAsync(async model => model.TotalValue > 0 && ReferenceFolded.Format(model.Stacks())
                == await _ui.GetStringAsync("/api/profiling/local/Process/payments/flamegraph?format=folded"), Patience);
        }

        // LiveClient checks that each connection's seq goes up by one; both started at 1.
        Assert.True(a.Model.LastSeq >= 4);
        Assert.True(b.Model.LastSeq >= 4);
        Assert.NotEqual(ReferenceFolded.Format(a.Model.Stacks()), ReferenceFolded.Format(b.Model.Stacks()));
    }
}
