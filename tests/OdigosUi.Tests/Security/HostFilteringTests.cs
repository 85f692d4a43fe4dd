using System.Net;
using OdigosUi.Hosting.Security;

namespace OdigosUi.Tests.Security;

/// <summary>
/// DNS rebinding: a page of <c>evil.example</c>, once that name resolves to 127.0.0.1, reaches the app with
/// <c>Host: evil.example</c>. The UI/API port answers 400 to a Host it is not reached by; the OTLP ports accept any Host
/// (other pods send to them by Service names).
/// </summary>
[Collection(nameof(SecurityHost))]
public sealed class HostFilteringTests
{
    [Fact]
    public async Task A_rebound_host_name_gets_400_on_the_ui_port_while_loopback_names_and_otlp_work()
    {
        await using var host = await SecurityHost.StartAsync();
        foreach (var path in new[] { "/api/sources", "/api/destinations", "/", "/healthz" })
        {
            using var rebound = await GetAsync(host.Ui, path, $"evil.example:{host.UiUri.Port}");
            Assert.Equal(HttpStatusCode.BadRequest, rebound.StatusCode);
        }

        foreach (var name in new[] { "localhost", "127.0.0.1", "[::1]" })
        {
            using var loopback = await GetAsync(host.Ui, "/api/sources", $"{name}:{host.UiUri.Port}");
            Assert.Equal(HttpStatusCode.OK, loopback.StatusCode);
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1development/profiles") { Content = SecurityHost.OtlpProfile() };
        request.Headers.Host = "odigos-ui-gateway.odigos-system.svc.cluster.local:4318";
        using var otlp = await host.Otlp.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, otlp.StatusCode);
    }

    [Fact]
    public async Task Allowed_hosts_replaces_the_default_and_star_turns_filtering_off()
    {
        await using (var named = await SecurityHost.StartAsync("--AllowedHosts=odigos.example.com"))
        {
            using var ingress = await GetAsync(named.Ui, "/api/sources", "odigos.example.com");
            Assert.Equal(HttpStatusCode.OK, ingress.StatusCode);
            using var other = await GetAsync(named.Ui, "/api/sources", "evil.example");
            Assert.Equal(HttpStatusCode.BadRequest, other.StatusCode);
        }

        await using var any = await SecurityHost.StartAsync("--AllowedHosts=*");
        using var anyHost = await GetAsync(any.Ui, "/api/sources", "evil.example");
        Assert.Equal(HttpStatusCode.OK, anyHost.StatusCode);
    }

    [Fact]
    public void The_default_names_follow_ui_url()
    {
        Assert.Equal(["localhost", "127.0.0.1", "[::1]"], UiHostFiltering.DefaultHosts("http://127.0.0.1:3000"));
        Assert.Equal(["localhost", "127.0.0.1", "[::1]"], UiHostFiltering.DefaultHosts("http://localhost:3000"));
        Assert.Equal(["10.1.2.3"], UiHostFiltering.DefaultHosts("http://10.1.2.3:3000"));

        var wildcard = UiHostFiltering.DefaultHosts("http://0.0.0.0:3000");
        Assert.Contains("localhost", wildcard);
        Assert.Contains(System.Net.Dns.GetHostName(), wildcard);
        Assert.DoesNotContain("0.0.0.0", wildcard);

        var named = UiHostFiltering.DefaultHosts("http://odigos.internal:3000");
        Assert.Contains("odigos.internal", named);
        Assert.Contains("127.0.0.1", named);
    }

    private static async Task<HttpResponseMessage> GetAsync(HttpClient client, string path, string hostHeader)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Host = hostHeader;
        return await client.SendAsync(request);
    }
}
