using System.Text;
using System.Text.Json;
using Microsoft.Playwright;
using OdigosUi.E2E.Infrastructure;

namespace OdigosUi.E2E.Ui;

[Collection(BrowserCollection.Name)]
public sealed class ErrorPathTests(BrowserFixture browser)
{
    [Fact]
    public async Task Without_capabilities_the_app_starts_and_says_why_the_profiler_is_unavailable()
    {
        // Root without any capability: perf_event_open is refused as for an unprivileged user (perf_event_paranoid >= 1).
        await using var app = await AppUnderTest.StartAsync(launcher: ["setpriv", "--bounding-set=-all", "--inh-caps=-all", "--"]);
        var page = await browser.NewPageAsync(app.Url);
        await page.OpenAsync("/");

        var card = page.GetByTestId("health-profiler");
        await Assertions.Expect(card.GetByTestId("health-summary")).ToHaveTextAsync("profiler unavailable", new() { Timeout = 20_000 });
        await Assertions.Expect(card).ToContainTextAsync("CAP_PERFMON");

        using var client = new HttpClient { BaseAddress = app.Url };
        var ready = await ReadyDetailsAsync(client);
        Assert.StartsWith("Ready", ready, StringComparison.Ordinal);
        Assert.Contains("profiler: Degraded: profiler unavailable: perf_event_open failed", ready, StringComparison.Ordinal);
        Assert.Contains("EACCES", ready, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreachable_destination_is_shown_failing_with_the_reason()
    {
        await using var app = await AppUnderTest.StartAsync(["--Profiling:ProfilerEnabled=false"]);
        var closedPort = AppUnderTest.FreePort();
        using var client = new HttpClient { BaseAddress = app.Url };
        var body = JsonSerializer.Serialize(new
        {
            type = "pyroscope",
            name = "Offline Pyroscope",
            signals = new[] { "PROFILES" },
            fields = new Dictionary<string, string> { ["PYROSCOPE_URL"] = $"127.0.0.1:{closedPort}" },
        });
        (await client.PostAsync("/api/destinations", new StringContent(body, Encoding.UTF8, "application/json"))).EnsureSuccessStatusCode();
        (await client.PutAsync("/api/sources/local/Process/checkout", null)).EnsureSuccessStatusCode();

        var page = await browser.NewPageAsync(app.Url);
        await page.OpenAsync("/");
        var card = page.GetByTestId("health-destination");
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline && !(await card.TextContentAsync() ?? "").Contains("failing", StringComparison.Ordinal))
        {
            await OtlpSender.SendAsync(app, "checkout", (["hash", "main"], 3));
            await Task.Delay(500);
        }

        await Assertions.Expect(card.GetByTestId("health-summary")).ToHaveTextAsync("failing");
        await Assertions.Expect(card).ToContainTextAsync($"127.0.0.1:{closedPort}");
        await Assertions.Expect(card).ToContainTextAsync("refused");
    }

    private static async Task<string> ReadyDetailsAsync(HttpClient client)
    {
        using var response = await client.GetAsync("/readyz");
        return await response.Content.ReadAsStringAsync();
    }
}
