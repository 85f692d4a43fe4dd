using System.Net;
using System.Net.Http.Headers;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace OdigosUi.Tests.Security;

/// <summary>
/// The cross-site attacks of issue 15 against the real app in role <c>all</c>: a page of another site (Origin
/// <c>http://evil.example</c>, <c>Sec-Fetch-Site: cross-site</c>, the content types it may send without a preflight)
/// cannot create Destinations, enable Sources, open or clear slots, or use the live hub; the app's own page and
/// callers that are not browsers (no Origin, no Sec-Fetch-Site) still can.
/// </summary>
[Collection(nameof(SecurityHost))]
public sealed class CrossSiteProtectionTests : IAsyncLifetime
{
    private const string Evil = "http://evil.example";
    private const string DestinationBody = """{"type": "pyroscope", "name": "stolen", "signals": ["PROFILES"], "fields": {"PYROSCOPE_URL": "evil.example:4040", "PYROSCOPE_TLS_ENABLED": "false"}}""";
    private SecurityHost _host = null!;

    public async Task InitializeAsync() => _host = await SecurityHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Theory]
    [InlineData(null)]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData("multipart/form-data; boundary=x")]
    [InlineData("application/json")]
    public async Task A_destination_posted_from_another_site_is_refused_and_not_created(string? contentType)
    {
        using var response = await SendAsync(HttpMethod.Post, "/api/destinations", DestinationBody, contentType, origin: Evil);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("evil.example", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal("[]", await _host.Ui.GetStringAsync("/api/destinations"));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData("multipart/form-data; boundary=x")]
    public async Task A_state_changing_body_in_a_type_a_page_may_send_without_preflight_is_415_even_without_origin(string? contentType)
    {
        using var created = await SendAsync(HttpMethod.Post, "/api/destinations", DestinationBody, contentType);
        using var source = await SendAsync(HttpMethod.Put, "/api/sources/local/Process/victim", """{"otelServiceName": "x"}""", contentType);
        using var test = await SendAsync(HttpMethod.Post, "/api/destinations/test-connection", DestinationBody, contentType);

        foreach (var response in new[] { created, source, test })
        {
            Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
            Assert.Contains("application/json", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        Assert.Equal("[]", await _host.Ui.GetStringAsync("/api/destinations"));
        Assert.DoesNotContain("victim", await _host.Ui.GetStringAsync("/api/sources"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sec_fetch_site_cross_site_or_same_site_is_refused_without_an_origin()
    {
        foreach (var site in new[] { "cross-site", "same-site" })
        {
            using var response = await SendAsync(HttpMethod.Post, "/api/destinations", DestinationBody, "application/json", fetchSite: site);
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            Assert.Contains(site, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        Assert.Equal("[]", await _host.Ui.GetStringAsync("/api/destinations"));
    }

    [Fact]
    public async Task Body_less_posts_from_another_site_open_no_slot_and_clear_or_close_nothing()
    {
        const string slot = "/api/profiling/local/Process/victim";
        using (var open = await SendAsync(HttpMethod.Post, slot, null, null, origin: Evil))
        {
            Assert.Equal(HttpStatusCode.Forbidden, open.StatusCode);
        }

        using (var nullOrigin = await SendAsync(HttpMethod.Post, slot, null, null, origin: "null"))
        {
            Assert.Equal(HttpStatusCode.Forbidden, nullOrigin.StatusCode);
        }

        Assert.Empty(await SlotsAsync());

        // Opened by the app's own page; another site can neither clear nor close it.
        using (var own = await SendAsync(HttpMethod.Post, slot, null, null, origin: _host.Origin, fetchSite: "same-origin"))
        {
            Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        }

        using (var clear = await SendAsync(HttpMethod.Post, slot + "/clear", null, null, origin: Evil))
        {
            Assert.Equal(HttpStatusCode.Forbidden, clear.StatusCode);
        }

        using (var close = await SendAsync(HttpMethod.Delete, slot, null, null, fetchSite: "cross-site"))
        {
            Assert.Equal(HttpStatusCode.Forbidden, close.StatusCode);
        }

        Assert.Single(await SlotsAsync());
    }

    [Fact]
    public async Task The_apps_own_page_and_callers_without_origin_still_change_state()
    {
        using (var ownPage = await SendAsync(HttpMethod.Post, "/api/destinations", DestinationBody, "application/json; charset=utf-8", origin: _host.Origin, fetchSite: "same-origin"))
        {
            Assert.Equal(HttpStatusCode.Created, ownPage.StatusCode);
        }

        using (var curl = await SendAsync(HttpMethod.Post, "/api/destinations", DestinationBody.Replace("stolen", "curl", StringComparison.Ordinal), "application/json"))
        {
            Assert.Equal(HttpStatusCode.Created, curl.StatusCode);
        }

        // A page opened by typing the URL (Sec-Fetch-Site: none) and the Source API without a body.
        using (var typed = await SendAsync(HttpMethod.Put, "/api/sources/local/Process/mine", null, null, fetchSite: "none"))
        {
            Assert.Equal(HttpStatusCode.Created, typed.StatusCode);
        }

        using var list = JsonDocument.Parse(await _host.Ui.GetStringAsync("/api/destinations"));
        Assert.Equal(2, list.RootElement.GetArrayLength());

        // Reads are not state-changing: a cross-site GET is answered (without CORS headers the page cannot read it).
        using var read = await SendAsync(HttpMethod.Get, "/api/sources", null, null, origin: Evil);
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.False(read.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task The_profile_import_keeps_its_binary_types_and_refuses_the_preflight_free_ones()
    {
        var body = Encoding.ASCII.GetBytes("not a profile");
        foreach (var type in new[] { "application/octet-stream", "application/x-protobuf", "application/gzip" })
        {
            using var accepted = await SendAsync(HttpMethod.Post, "/api/profiles/view", body, type);
            Assert.Equal(HttpStatusCode.BadRequest, accepted.StatusCode); // read, and found not to be a profile
        }

        foreach (var type in new[] { null, "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x" })
        {
            using var refused = await SendAsync(HttpMethod.Post, "/api/profiles/view", body, type);
            Assert.Equal(HttpStatusCode.UnsupportedMediaType, refused.StatusCode);
        }

        using var crossSite = await SendAsync(HttpMethod.Post, "/api/profiles/view", body, "application/octet-stream", origin: Evil);
        Assert.Equal(HttpStatusCode.Forbidden, crossSite.StatusCode);
    }

    [Fact]
    public async Task The_live_hub_refuses_negotiate_and_websocket_from_another_site()
    {
        using (var foreign = await SendAsync(HttpMethod.Post, "/hubs/profiles/negotiate?negotiateVersion=1", null, null, origin: Evil))
        {
            Assert.Equal(HttpStatusCode.Forbidden, foreign.StatusCode);
        }

        using (var own = await SendAsync(HttpMethod.Post, "/hubs/profiles/negotiate?negotiateVersion=1", null, null, origin: _host.Origin))
        {
            Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        }

        var ws = new UriBuilder(_host.UiUri) { Scheme = "ws", Path = "/hubs/profiles" }.Uri;
        using (var socket = new ClientWebSocket())
        {
            socket.Options.SetRequestHeader("Origin", Evil);
            socket.Options.CollectHttpResponseDetails = true;
            await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(ws, CancellationToken.None));
            Assert.Equal(HttpStatusCode.Forbidden, socket.HttpStatusCode);
        }

        using (var socket = new ClientWebSocket())
        {
            socket.Options.SetRequestHeader("Origin", _host.Origin);
            await socket.ConnectAsync(ws, CancellationToken.None);
            Assert.Equal(WebSocketState.Open, socket.State);
            await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
        }

        // Blazor's own circuit hub is held to the same rule.
        using var blazor = await SendAsync(HttpMethod.Post, "/_blazor/negotiate?negotiateVersion=1", null, null, origin: Evil);
        Assert.Equal(HttpStatusCode.Forbidden, blazor.StatusCode);
    }

    [Fact]
    public async Task Ui_allowed_origins_lets_a_configured_origin_through()
    {
        await using var host = await SecurityHost.StartAsync("--Ui:AllowedOrigins=https://odigos.example.com; https://other.example.com:8443");
        using var allowed = await Send(host, HttpMethod.Post, "/api/destinations", DestinationBody, "application/json", origin: "https://odigos.example.com", fetchSite: "cross-site");
        Assert.Equal(HttpStatusCode.Created, allowed.StatusCode);
        using var port = await Send(host, HttpMethod.Post, "/api/profiling/local/Process/x", null, null, origin: "https://other.example.com:8443", fetchSite: "same-site");
        Assert.Equal(HttpStatusCode.OK, port.StatusCode);
        using var wrongPort = await Send(host, HttpMethod.Post, "/api/profiling/local/Process/x", null, null, origin: "https://other.example.com");
        Assert.Equal(HttpStatusCode.Forbidden, wrongPort.StatusCode);
    }

    [Fact]
    public async Task An_allowed_origin_that_is_not_an_origin_stops_the_start_with_the_key()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => SecurityHost.StartAsync("--Ui:AllowedOrigins=https://odigos.example.com/ui"));
        Assert.Contains("Ui:AllowedOrigins", error.Message, StringComparison.Ordinal);
    }

    private Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, object? body, string? contentType, string? origin = null, string? fetchSite = null) =>
        Send(_host, method, path, body, contentType, origin, fetchSite);

    private static async Task<HttpResponseMessage> Send(SecurityHost host, HttpMethod method, string path, object? body, string? contentType, string? origin = null, string? fetchSite = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = body is byte[] bytes ? new ByteArrayContent(bytes) : new ByteArrayContent(Encoding.UTF8.GetBytes((string)body));
            request.Content.Headers.ContentType = contentType is null ? null : MediaTypeHeaderValue.Parse(contentType);
        }

        if (origin is not null)
        {
            request.Headers.TryAddWithoutValidation("Origin", origin);
        }

        if (fetchSite is not null)
        {
            request.Headers.TryAddWithoutValidation("Sec-Fetch-Site", fetchSite);
        }

        return await host.Ui.SendAsync(request);
    }

    private async Task<List<JsonElement>> SlotsAsync()
    {
        using var slots = JsonDocument.Parse(await _host.Ui.GetStringAsync("/api/profiling/slots"));
        return [.. slots.RootElement.GetProperty("slots").EnumerateArray().Select(e => e.Clone())];
    }
}
