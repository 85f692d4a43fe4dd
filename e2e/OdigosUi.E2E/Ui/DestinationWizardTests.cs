using System.Text.Json;
using Microsoft.Playwright;
using OdigosUi.E2E.Infrastructure;
using OdigosUi.TestSupport.FakePyroscope;

namespace OdigosUi.E2E.Ui;

[Collection(BrowserCollection.Name)]
public sealed class DestinationWizardTests(BrowserFixture browser) : IAsyncLifetime
{
    private AppUnderTest _app = default!;
    private FakePyroscopeServer _pyroscope = default!;

    public async Task InitializeAsync()
    {
        _pyroscope = await FakePyroscopeServer.StartAsync();
        _app = await AppUnderTest.StartAsync(["--Profiling:ProfilerEnabled=false"]);
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _pyroscope.DisposeAsync();
    }

    [Fact]
    public async Task Wizard_creates_a_Pyroscope_Destination_that_is_listed_configured_and_receives_profiles()
    {
        var page = await browser.NewPageAsync(_app.Url);
        await page.OpenAsync("/destinations");
        await page.TestId("add-destination").ClickAsync();
        await page.WaitForURLAsync("**/destinations/new");

        await page.Input("type-search").FillAsync("pyro");
        await Assertions.Expect(page.TestId("type-card")).ToHaveCountAsync(1);
        await page.Locator("[data-testid=type-card][data-type=pyroscope]").ClickAsync();

        await page.Input("field-name").FillAsync("My Pyroscope");
        await page.Locator("[data-testid=field-PYROSCOPE_URL] input").FillAsync(_pyroscope.HostPort);
        Assert.True(await page.Input("signal-TRACES").IsDisabledAsync(), "Pyroscope does not take traces");

        await page.TestId("test-connection").ClickAsync();
        await Assertions.Expect(page.TestId("test-result")).ToHaveAttributeAsync("data-verdict", "Ok");
        Assert.Contains(FakePyroscope(), _pyroscope.ServiceNames);

        await page.TestId("wizard-save").ClickAsync();
        await page.WaitForURLAsync("**/destinations");
        await Assertions.Expect(page.TestId("destination-name")).ToHaveTextAsync("My Pyroscope");
        await Assertions.Expect(page.Locator("[data-testid=condition-DestinationConfigured]")).ToHaveAttributeAsync("data-status", "True", new() { Timeout = 15_000 });

        var yaml = Directory.EnumerateFiles(_app.DataDir, "*.yaml", SearchOption.AllDirectories).Select(File.ReadAllText)
            .Single(text => text.Contains("kind: Destination", StringComparison.Ordinal));
        Assert.Contains("type: pyroscope", yaml, StringComparison.Ordinal);
        Assert.Matches($"PYROSCOPE_URL: [\"']?{System.Text.RegularExpressions.Regex.Escape(_pyroscope.HostPort)}", yaml);

        // Profiles of a Source now reach Pyroscope through the Destination's exporter.
        using var client = new HttpClient { BaseAddress = _app.Url };
        (await client.PutAsync("/api/sources/local/Process/checkout", null)).EnsureSuccessStatusCode();
        var before = _pyroscope.Accepted.Count;
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!_pyroscope.ServiceNames.Contains("checkout") && DateTime.UtcNow < deadline)
        {
            await OtlpSender.SendAsync(_app, "checkout", (["hash", "handle", "main"], 7));
            await Task.Delay(300);
        }

        Assert.Contains("checkout", _pyroscope.ServiceNames);
        Assert.True(_pyroscope.Accepted.Count > before);
    }

    [Fact]
    public async Task Bad_values_get_messages_and_an_unreachable_endpoint_gets_a_verdict_with_the_reason()
    {
        var page = await browser.NewPageAsync(_app.Url);
        await page.OpenAsync("/destinations/new");
        await page.Locator("[data-testid=type-card][data-type=pyroscope]").ClickAsync();

        await page.TestId("wizard-save").ClickAsync();
        await Assertions.Expect(page.TestId("field-PYROSCOPE_URL")).ToContainTextAsync("required");

        await page.Locator("[data-testid=field-PYROSCOPE_URL] input").FillAsync("http://");
        await page.TestId("wizard-save").ClickAsync();
        await Assertions.Expect(page.TestId("field-PYROSCOPE_URL")).ToContainTextAsync("host");

        var closedPort = AppUnderTest.FreePort();
        await page.Locator("[data-testid=field-PYROSCOPE_URL] input").FillAsync($"127.0.0.1:{closedPort}");
        await page.TestId("test-connection").ClickAsync();
        await Assertions.Expect(page.TestId("test-result")).ToHaveAttributeAsync("data-verdict", "Unreachable");
        await Assertions.Expect(page.TestId("test-result")).ToContainTextAsync($"127.0.0.1:{closedPort}");
        Assert.DoesNotContain("Exception", await page.ContentAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Edit_keeps_the_stored_secret_and_delete_removes_the_Destination()
    {
        using var client = new HttpClient { BaseAddress = _app.Url };
        var body = JsonSerializer.Serialize(new
        {
            type = "pyroscope",
            name = "Secured",
            signals = new[] { "PROFILES" },
            fields = new Dictionary<string, string> { ["PYROSCOPE_URL"] = _pyroscope.HostPort, ["PYROSCOPE_BASIC_AUTH_USERNAME"] = "u", ["PYROSCOPE_BASIC_AUTH_PASSWORD"] = "s3cret-value" },
        });
        using var created = await client.PostAsync("/api/destinations", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(System.Net.HttpStatusCode.Created, created.StatusCode);

        var page = await browser.NewPageAsync(_app.Url);
        await page.OpenAsync("/destinations");
        await page.TestId("destination-edit").ClickAsync();
        await page.WaitForURLAsync("**/destinations/odigos.io.dest.*");
        await Assertions.Expect(page.Input("field-name")).ToHaveValueAsync("Secured", new() { Timeout = 45_000 });
        Assert.DoesNotContain("s3cret-value", await page.ContentAsync(), StringComparison.Ordinal);
        await page.Input("field-name").FillAsync("Secured (renamed)");
        await page.TestId("wizard-save").ClickAsync();
        await page.WaitForURLAsync("**/destinations");
        await Assertions.Expect(page.TestId("destination-name")).ToHaveTextAsync("Secured (renamed)");

        var secretFile = Directory.EnumerateFiles(_app.DataDir, "*.yaml", SearchOption.AllDirectories).Select(File.ReadAllText)
            .Where(text => text.Contains("kind: Secret", StringComparison.Ordinal)).ToList();
        Assert.Single(secretFile);

        await page.TestId("destination-delete").ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Delete", Exact = true }).ClickAsync();
        await Assertions.Expect(page.TestId("destinations-empty")).ToBeVisibleAsync();
    }

    private static string FakePyroscope() => "odigos-ui-connection-test";
}
