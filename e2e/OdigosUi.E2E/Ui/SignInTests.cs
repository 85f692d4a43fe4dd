using Microsoft.Playwright;
using OdigosUi.E2E.Flame;
using OdigosUi.E2E.Infrastructure;
using OdigosUi.OidcProvider;

namespace OdigosUi.E2E.Ui;

/// <summary>
/// <c>Auth:Mode=oidc</c> in a real browser: the real app signs in at a real OpenID Connect provider (OpenIddict on
/// loopback), then serves its pages, the Blazor circuit and the live hub to the signed-in user, and signs out.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class SignInTests(BrowserFixture browser) : IAsyncLifetime
{
    private const string ClientId = "odigos-ui";
    private const string ClientSecret = "e2e-client-secret";
    private OidcProvider.OidcProvider _provider = default!;
    private AppUnderTest _app = default!;

    public async Task InitializeAsync()
    {
        _provider = await OidcProvider.OidcProvider.StartAsync();
        _app = await AppUnderTest.StartAsync(
        [
            "--Profiling:ProfilerEnabled=false", "--Auth:Mode=oidc", $"--Auth:Oidc:Authority={_provider.Issuer}",
            $"--Auth:Oidc:ClientId={ClientId}", $"--Auth:Oidc:ClientSecret={ClientSecret}", "--Auth:Oidc:RequireHttpsMetadata=false",
        ]);
        await _provider.AddWebClientAsync(ClientId, ClientSecret, _app.Url);
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _provider.DisposeAsync();
    }

    [Fact]
    public async Task Signing_in_at_the_provider_opens_the_app_with_live_data_and_signing_out_ends_the_session()
    {
        await OtlpSender.SendAsync(_app, "payments", (["sign", "main"], 3));
        var page = await browser.NewPageAsync(_app.Url);
        await FailureContext.Watch(page, _app).RunAsync(() => SignInUseAndSignOutAsync(page));
    }

    private async Task SignInUseAndSignOutAsync(IPage page)
    {
        // Not signed in: the app sends the browser to the provider's login form.
        await page.GotoAsync("/sources");
        await page.WaitForURLAsync(url => url.StartsWith(_provider.Issuer + "login", StringComparison.Ordinal));
        await page.Locator("#username").FillAsync(OidcProvider.OidcProvider.UserName);
        await page.Locator("#password").FillAsync(OidcProvider.OidcProvider.UserPassword);
        await page.Locator("#sign-in").ClickAsync();

        // Signed in: back on the page first asked for, with the user's name in the app bar and data from the circuit.
        await page.WaitForURLAsync(url => url == new Uri(_app.Url, "/sources").ToString());
        await Assertions.Expect(page.TestId("user-name")).ToHaveTextAsync(OidcProvider.OidcProvider.UserDisplayName);
        await Assertions.Expect(page.TestId("source-name")).ToHaveTextAsync("payments");

        // The live flame graph's hub (/hubs/profiles) accepts the session cookie and pushes what arrives.
        await page.OpenAsync("/profiles/local/Process/checkout");
        var flame = new FlameGraphPage(page);
        await flame.WaitForHookAsync();
        await flame.WaitForAsync(s => s.Connected);
        await WaitForOpenSlotAsync(page, "local/Process/checkout");
        await OtlpSender.SendAsync(_app, "checkout", (["encode", "handle", "main"], 4));
        await flame.WaitForAsync(s => s.TotalValue == 4);

        // Sign-out ends the app's session and the provider's: the next visit asks for the password again.
        await page.TestId("sign-out").ClickAsync();
        await page.WaitForURLAsync(url => url.StartsWith(_provider.Issuer + "login", StringComparison.Ordinal));
        Assert.DoesNotContain(await page.Context.CookiesAsync([_app.Url.ToString()]), c => c.Name.StartsWith("odigos-ui-auth", StringComparison.Ordinal));
        var api = await page.Context.APIRequest.GetAsync(new Uri(_app.Url, "/api/sources").ToString());
        Assert.Equal(401, api.Status);
    }

    /// <summary>Waits until the hub's Watch has opened the slot (the REST API, with the session cookie, lists it).</summary>
    private async Task WaitForOpenSlotAsync(IPage page, string source)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var slots = await page.Context.APIRequest.GetAsync(new Uri(_app.Url, "/api/profiling/slots").ToString());
            Assert.Equal(200, slots.Status);
            if ((await slots.TextAsync()).Contains($"\"source\":\"{source}\"", StringComparison.Ordinal))
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"no slot opened for {source}: {await slots.TextAsync()}");
            await Task.Delay(100);
        }
    }
}
