using Microsoft.Playwright;
using OdigosUi.E2E.Infrastructure;

namespace OdigosUi.E2E.Flame;

/// <summary>The live flame graph in a real browser, fed by OTLP sent to the real app while the page is open.</summary>
[Collection(BrowserCollection.Name)]
public sealed class LiveFlameGraphTests(BrowserFixture browser) : IAsyncLifetime
{
    private const string Markup = "<img src=x onerror=\"window.__xss=1\">";
    private AppUnderTest _app = default!;

    public async Task InitializeAsync() => _app = await AppUnderTest.StartAsync(["--Profiling:ProfilerEnabled=false"]);

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private async Task<FlameGraphPage> OpenAsync(string service)
    {
        var page = await browser.NewPageAsync(_app.Url);
        await page.OpenAsync($"/profiles/local/Process/{service}");
        var flame = new FlameGraphPage(page);
        await flame.WaitForHookAsync();
        await flame.WaitForAsync(s => s.Connected);
        return flame;
    }

    [Fact]
    public async Task Flame_graph_appears_and_grows_live_with_the_exact_totals_and_markup_stays_text()
    {
        var flame = await OpenAsync("checkout");
        await OtlpSender.SendAsync(_app, "checkout", (["hash", "handle", "main"], 5), ([Markup, "handle", "main"], 3));

        var first = await flame.WaitForAsync(s => s.TotalValue == 8);
        Assert.NotNull(await flame.RectOfAsync("main", "handle", "hash"));
        Assert.NotNull(await flame.RectOfAsync("main", "handle", Markup));
        var before = await flame.CanvasPixelsAsync();

        // Held-out samples arrive while the page is open: no reload, no polling.
        await OtlpSender.SendAsync(_app, "checkout", (["encode", "handle", "main"], 4));
        var grown = await flame.WaitForAsync(s => s.TotalValue == 12);
        Assert.True(grown.Seq > first.Seq);
        Assert.NotNull(await flame.RectOfAsync("main", "handle", "encode"));
        Assert.NotEqual(before, await flame.CanvasPixelsAsync());

        // The same numbers as the server's own export of the slot.
        using var client = new HttpClient { BaseAddress = _app.Url };
        var folded = await client.GetStringAsync("/api/profiling/local/Process/checkout/flamegraph?format=folded");
        Assert.Equal(12, folded.Split('\n', StringSplitOptions.RemoveEmptyEntries).Sum(line => long.Parse(line[(line.LastIndexOf(' ') + 1)..])));

        await flame.HoverFrameAsync("main", "handle", Markup);
        await Assertions.Expect(flame.Page.GetByTestId("flame-tooltip")).ToContainTextAsync(Markup);
        Assert.False(await flame.Page.EvaluateAsync<bool>("() => window.__xss === 1"));
        Assert.Equal(0, await flame.Page.Locator("[data-testid=flame-host] img").CountAsync());
    }

    [Fact]
    public async Task Focus_survives_live_updates_and_search_reports_the_matched_share()
    {
        var flame = await OpenAsync("payments");
        await OtlpSender.SendAsync(_app, "payments", (["sign", "charge", "main"], 6), (["log", "main"], 2));
        await flame.WaitForAsync(s => s.TotalValue == 8);

        await flame.ClickFrameAsync("main", "charge");
        var focused = await flame.WaitForAsync(s => s.FocusPath.SequenceEqual(["main", "charge"]));
        await Assertions.Expect(flame.Page.GetByTestId("flame-breadcrumb")).ToContainTextAsync("charge");

        await OtlpSender.SendAsync(_app, "payments", (["verify", "charge", "main"], 2), (["log", "main"], 2));
        var updated = await flame.WaitForAsync(s => s.TotalValue == 12);
        Assert.True(updated.Seq > focused.Seq);
        Assert.Equal(["main", "charge"], updated.FocusPath);

        await flame.Page.GetByTestId("flame-search").FillAsync("log");
        var searched = await flame.WaitForAsync(s => s.SearchShare is not null);
        Assert.Equal(4.0 / 12, searched.SearchShare!.Value, 3);
    }
}
