using System.Net;

namespace OdigosUi.Tests.Security;

/// <summary>
/// Roles expose only what they are for: <c>node</c> and <c>gateway</c> answer 404 to the REST API, the live hub and the
/// pages (a pod that reaches them cannot add a Destination or enable a Source), and still serve health, metrics and
/// OTLP; the health endpoints also answer on the OTLP/HTTP port (the chart probes the ui there when its UI port
/// listens on loopback).
/// </summary>
[Collection(nameof(SecurityHost))]
public sealed class RoleSurfaceTests
{
    private static readonly string[] UiOnlyGets = ["/", "/sources", "/api/sources", "/api/destinations", "/api/destination-types", "/api/profiling/slots", "/api/profiler"];

    [Theory]
    [InlineData("node", "--Collector:GatewayUrl=http://127.0.0.1:9")]
    [InlineData("gateway")]
    public async Task Node_and_gateway_serve_only_health_metrics_and_otlp(string role, params string[] args)
    {
        await using var host = await SecurityHost.StartAsync([$"--Role={role}", .. args]);

        foreach (var path in UiOnlyGets)
        {
            using var get = await host.Ui.GetAsync(path);
            Assert.True(get.StatusCode == HttpStatusCode.NotFound, $"{role} GET {path}: {(int)get.StatusCode}");
        }

        using var destination = await host.Ui.PostAsync("/api/destinations", Json("""{"type": "pyroscope", "name": "p", "signals": ["PROFILES"], "fields": {"PYROSCOPE_URL": "evil.example:4040"}}"""));
        using var test = await host.Ui.PostAsync("/api/destinations/test-connection", Json("""{"type": "pyroscope", "name": "p", "signals": ["PROFILES"], "fields": {"PYROSCOPE_URL": "evil.example:4040"}}"""));
        using var source = await host.Ui.PutAsync("/api/sources/shop/Deployment/cart", null);
        using var slot = await host.Ui.PostAsync("/api/profiling/shop/Deployment/cart", null);
        using var negotiate = await host.Ui.PostAsync("/hubs/profiles/negotiate?negotiateVersion=1", null);
        using var import = await host.Ui.PostAsync("/api/profiles/view", Json("{}"));
        foreach (var (what, response) in new[] { ("POST /api/destinations", destination), ("test-connection", test), ("PUT /api/sources", source), ("POST /api/profiling", slot), ("negotiate", negotiate), ("import", import) })
        {
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{role} {what}: {(int)response.StatusCode}");
        }

        using var otlp = await host.Otlp.PostAsync("/v1development/profiles", SecurityHost.OtlpProfile());
        Assert.Equal(HttpStatusCode.OK, otlp.StatusCode);
        Assert.Equal("Healthy", await host.Ui.GetStringAsync("/healthz"));
        using var ready = await host.Ui.GetAsync("/readyz");
        Assert.NotEqual(HttpStatusCode.NotFound, ready.StatusCode);
        Assert.Contains("odigos_ui_receiver_requests", await host.Ui.GetStringAsync("/metrics"), StringComparison.Ordinal);
        Assert.Equal("Healthy", await host.Otlp.GetStringAsync("/healthz"));
        using var notOnOtlp = await host.Otlp.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.NotFound, notOnOtlp.StatusCode);
    }

    [Fact]
    public async Task The_ui_role_serves_the_api_and_health_on_both_ports()
    {
        await using var host = await SecurityHost.StartAsync("--Role=ui");
        Assert.Equal(HttpStatusCode.OK, (await host.Ui.GetAsync("/api/sources")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await host.Ui.GetAsync("/")).StatusCode);
        Assert.StartsWith("Ready", await host.Otlp.GetStringAsync("/readyz"), StringComparison.Ordinal);
        using var noApiOnOtlp = await host.Otlp.GetAsync("/api/sources");
        Assert.Equal(HttpStatusCode.NotFound, noApiOnOtlp.StatusCode);
    }

    private static StringContent Json(string body) => new(body, System.Text.Encoding.UTF8, "application/json");
}
