using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Google.Protobuf;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.Tokens;
using OdigosUi.Hosting;
using OdigosUi.OidcProvider;
using OdigosUi.Pipeline.Receivers;
using OdigosUi.Profiles.Otlp.Collector;
using OdigosUi.Tests.Infrastructure;
using OdigosUi.TestSupport;

namespace OdigosUi.Tests.Hosting.Authentication;

/// <summary>
/// The real app (role all, Kestrel port 0) with <c>Auth:Mode=oidc</c> against a real OpenID Connect provider
/// (OpenIddict) started on loopback: what needs a signed-in user or a token, and what stays anonymous. Alone, after the
/// parallel tests: each test starts a provider and an app, and under the parallel tests' load the app's first discovery
/// request once outlasted its 60 s backchannel timeout.
/// </summary>
[Collection(nameof(Security.SecurityHost))]
public sealed class OidcSignInTests : IAsyncLifetime
{
    private const string UiClientId = "odigos-ui";
    private const string UiClientSecret = "ui-secret-for-tests";
    private const string CliClientId = "profiles-cli";
    private const string CliClientSecret = "cli-secret-for-tests";

    private OidcProvider.OidcProvider _provider = null!;
    private WebApplication _app = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _provider = await OidcProvider.OidcProvider.StartAsync();
        _app = OdigosUiHost.Build(TestArgs.With(
            "--Ui:Url=http://127.0.0.1:0",
            "--Auth:Mode=oidc",
            $"--Auth:Oidc:Authority={_provider.Issuer}",
            $"--Auth:Oidc:ClientId={UiClientId}",
            $"--Auth:Oidc:ClientSecret={UiClientSecret}",
            $"--Auth:Oidc:Audience={OidcProvider.OidcProvider.ApiAudience}",
            "--Auth:Oidc:RequireHttpsMetadata=false"));
        await _app.StartAsync();
        Uri ui = Assert.Single(_app.Services.GetRequiredService<ReceiverEndpointAddresses>().Ui);
        await _provider.AddWebClientAsync(UiClientId, UiClientSecret, ui);
        await _provider.AddServiceClientAsync(CliClientId, CliClientSecret);
        _http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = ui, Timeout = TimeSpan.FromSeconds(120) };
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        await _provider.DisposeAsync();
    }

    [Fact]
    public async Task The_api_without_credentials_answers_401_with_a_bearer_challenge_not_a_redirect()
    {
        foreach (string path in new[] { "/api/sources", "/api/destinations", "/api/profiling/slots", "/api/profiler" })
        {
            using HttpResponseMessage response = await _http.GetAsync(path);
            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{path}: {(int)response.StatusCode} {response.Headers.Location}");
            Assert.Null(response.Headers.Location);
            Assert.Contains(response.Headers.WwwAuthenticate, h => h.Scheme == "Bearer");
        }

        using HttpResponseMessage post = await _http.PostAsync("/api/destinations", new StringContent("{}", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Unauthorized, post.StatusCode);
    }

    [Fact]
    public async Task The_api_accepts_a_client_credentials_token_from_the_provider()
    {
        string token = await _provider.GetClientCredentialsTokenAsync(CliClientId, CliClientSecret);

        using HttpResponseMessage response = await SendAsync(HttpMethod.Get, "/api/sources", token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("[", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tokens_of_another_key_audience_or_time_are_refused()
    {
        DateTime now = DateTime.UtcNow;
        string good = _provider.MintAccessToken(OidcProvider.OidcProvider.ApiAudience, now.AddMinutes(-1), now.AddMinutes(10));
        using (HttpResponseMessage control = await SendAsync(HttpMethod.Get, "/api/sources", good))
        {
            // The minted shape is accepted, so each refusal below is down to the one property that differs.
            Assert.Equal(HttpStatusCode.OK, control.StatusCode);
        }

        using RSA otherKey = RSA.Create(2048);
        var refused = new Dictionary<string, string>
        {
            ["signed by another key"] = _provider.MintAccessToken(OidcProvider.OidcProvider.ApiAudience, now.AddMinutes(-1), now.AddMinutes(10), new RsaSecurityKey(otherKey) { KeyId = "other" }),
            ["another audience"] = _provider.MintAccessToken("some-other-api", now.AddMinutes(-1), now.AddMinutes(10)),
            ["expired an hour ago"] = _provider.MintAccessToken(OidcProvider.OidcProvider.ApiAudience, now.AddHours(-2), now.AddHours(-1)),
            ["not a JWT"] = "not-a-token",
        };
        foreach (var (what, token) in refused)
        {
            using HttpResponseMessage response = await SendAsync(HttpMethod.Get, "/api/sources", token);
            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{what}: {(int)response.StatusCode}");
            Assert.Null(response.Headers.Location);
        }
    }

    [Fact]
    public async Task The_hub_negotiate_needs_credentials()
    {
        using (HttpResponseMessage anonymous = await _http.PostAsync("/hubs/profiles/negotiate?negotiateVersion=1", null))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
            Assert.Null(anonymous.Headers.Location);
        }

        string token = await _provider.GetClientCredentialsTokenAsync(CliClientId, CliClientSecret);
        using HttpResponseMessage authorized = await SendAsync(HttpMethod.Post, "/hubs/profiles/negotiate?negotiateVersion=1", token);
        Assert.Equal(HttpStatusCode.OK, authorized.StatusCode);
        Assert.Contains("connectionToken", await authorized.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // Browsers' WebSockets cannot send headers: the token in the query string is accepted on the hub only.
        using HttpResponseMessage query = await _http.PostAsync($"/hubs/profiles/negotiate?negotiateVersion=1&access_token={token}", null);
        Assert.Equal(HttpStatusCode.OK, query.StatusCode);
        using HttpResponseMessage apiQuery = await _http.GetAsync($"/api/sources?access_token={token}");
        Assert.Equal(HttpStatusCode.Unauthorized, apiQuery.StatusCode);
    }

    [Fact]
    public async Task A_signed_in_session_reads_the_api_and_sign_out_needs_the_anti_forgery_token()
    {
        CookieContainer cookies = new();
        using HttpClient browser = new(new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = true }) { Timeout = TimeSpan.FromSeconds(120) };
        Uri app = _http.BaseAddress!;

        // The code flow as a browser follows it: app → provider's login form → provider → app's callback → the page.
        using HttpResponseMessage form = await browser.GetAsync(new Uri(app, "/sources"));
        Assert.Equal(_provider.Issuer.Authority, form.RequestMessage!.RequestUri!.Authority);
        string returnUrl = System.Text.RegularExpressions.Regex.Match(await form.Content.ReadAsStringAsync(), "name=\"ReturnUrl\" value=\"([^\"]*)\"").Groups[1].Value;
        using HttpResponseMessage signedIn = await browser.PostAsync(new Uri(_provider.Issuer, "login"), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["ReturnUrl"] = WebUtility.HtmlDecode(returnUrl),
            ["username"] = OidcProvider.OidcProvider.UserName,
            ["password"] = OidcProvider.OidcProvider.UserPassword,
        }));
        Assert.Equal(new Uri(app, "/sources"), signedIn.RequestMessage!.RequestUri);
        Assert.Equal(HttpStatusCode.OK, signedIn.StatusCode);

        using (HttpResponseMessage api = await browser.GetAsync(new Uri(app, "/api/sources")))
        {
            Assert.Equal(HttpStatusCode.OK, api.StatusCode);
        }

        // A cross-site form cannot sign the user out: it has the cookie but not the anti-forgery token.
        using (HttpResponseMessage forged = await browser.PostAsync(new Uri(app, "/auth/sign-out"), new FormUrlEncodedContent([])))
        {
            Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        }

        using HttpResponseMessage still = await browser.GetAsync(new Uri(app, "/api/sources"));
        Assert.Equal(HttpStatusCode.OK, still.StatusCode);
    }

    [Fact]
    public async Task A_browser_page_redirects_to_the_provider_with_pkce()
    {
        using HttpResponseMessage response = await _http.GetAsync("/sources");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Uri location = Assert.IsType<Uri>(response.Headers.Location);
        Assert.StartsWith(new Uri(_provider.Issuer, "connect/authorize").ToString(), location.ToString(), StringComparison.Ordinal);
        string query = Uri.UnescapeDataString(location.Query);
        Assert.Contains($"client_id={UiClientId}", query, StringComparison.Ordinal);
        Assert.Contains("response_type=code", query, StringComparison.Ordinal);
        Assert.Contains("code_challenge_method=S256", query, StringComparison.Ordinal);

        // The provider knows the app's redirect URI and shows its login form for this request.
        using HttpClient browser = new() { Timeout = TimeSpan.FromSeconds(120) };
        using HttpResponseMessage login = await browser.GetAsync(location);
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        Assert.Contains("Sign in to the test provider", await login.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Health_metrics_and_the_otlp_receivers_stay_anonymous()
    {
        foreach (string path in new[] { HealthEndpoints.LivenessPath, HealthEndpoints.ReadinessPath, "/metrics" })
        {
            using HttpResponseMessage response = await _http.GetAsync(path);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode}");
        }

        ReceiverEndpointAddresses addresses = _app.Services.GetRequiredService<ReceiverEndpointAddresses>();
        ExportProfilesServiceRequest request = MixedValuePayload.Create(
            new Dictionary<string, string> { ["service.name"] = "checkout" }, (ulong)DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000);
        using HttpClient otlp = new() { BaseAddress = addresses.Http, Timeout = TimeSpan.FromSeconds(120) };
        using ByteArrayContent content = new(request.ToByteArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
        using HttpResponseMessage posted = await otlp.PostAsync("/v1development/profiles", content);
        Assert.Equal(HttpStatusCode.OK, posted.StatusCode);

        using GrpcChannel channel = GrpcChannel.ForAddress(addresses.Grpc!);
        await new ProfilesService.ProfilesServiceClient(channel).ExportAsync(request);
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string token)
    {
        using HttpRequestMessage request = new(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await _http.SendAsync(request);
    }
}
