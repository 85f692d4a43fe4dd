using Microsoft.Playwright;
using OdigosUi.E2E.Infrastructure;

namespace OdigosUi.E2E.Ui;

[Collection(BrowserCollection.Name)]
public sealed class ShellTests(BrowserFixture browser) : IAsyncLifetime
{
    private AppUnderTest _app = default!;

    public async Task InitializeAsync() => _app = await AppUnderTest.StartAsync(["--Profiling:ProfilerEnabled=false"]);

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task Overview_shows_the_pipeline_and_navigates_to_every_page()
    {
        var page = await browser.NewPageAsync(_app.Url);
        await page.OpenAsync("/");

        await Assertions.Expect(page.TestId("health-profiler").GetByTestId("health-summary")).ToHaveTextAsync("turned off by configuration");
        await Assertions.Expect(page.TestId("health-buffer").GetByTestId("health-summary")).ToContainTextAsync("0 of 32 slots open");
        await Assertions.Expect(page.TestId("no-destinations")).ToBeVisibleAsync();

        await page.TestId("nav-sources").ClickAsync();
        await page.WaitForURLAsync("**/sources");
        await Assertions.Expect(page.TestId("sources-empty")).ToBeVisibleAsync();

        await page.TestId("nav-destinations").ClickAsync();
        await page.WaitForURLAsync("**/destinations");
        await Assertions.Expect(page.TestId("destinations-empty")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task Theme_toggle_switches_between_light_and_dark()
    {
        var page = await browser.NewPageAsync(_app.Url);
        await page.OpenAsync("/");
        var before = await BackgroundAsync(page);

        await page.TestId("theme-toggle").ClickAsync();
        await page.WaitForFunctionAsync("b => getComputedStyle(document.body).backgroundColor !== b", before);
        var after = await BackgroundAsync(page);

        Assert.NotEqual(before, after);
        Assert.True(Luminance(before) > 0.5 != Luminance(after) > 0.5, $"one of {before} and {after} should be dark");
    }

    [Fact]
    public async Task Sources_lists_seen_workloads_and_the_toggle_writes_a_Source_resource()
    {
        await OtlpSender.SendAsync(_app, "checkout", (["hash", "handle", "main"], 5));
        await OtlpSender.SendAsync(_app, "payments", (["sign", "main"], 3));
        var page = await browser.NewPageAsync(_app.Url);
        await page.OpenAsync("/sources");

        await Assertions.Expect(page.TestId("source-name")).ToHaveCountAsync(2);
        await page.Input("sources-search").FillAsync("check");
        await Assertions.Expect(page.TestId("source-name")).ToHaveCountAsync(1);
        await Assertions.Expect(page.TestId("source-name")).ToHaveTextAsync("checkout");

        await page.Input("source-toggle", "[data-source='local/Process/checkout']").ClickAsync();
        await Assertions.Expect(page.Locator(".mud-snackbar")).ToContainTextAsync("is now a Source");

        var sourceFiles = await WaitForAsync(() => Directory.EnumerateFiles(_app.DataDir, "*.yaml", SearchOption.AllDirectories)
            .Where(f => File.ReadAllText(f).Contains("kind: Source", StringComparison.Ordinal)).ToList(), files => files.Count == 1);
        var yaml = await File.ReadAllTextAsync(sourceFiles.Single());
        Assert.Contains("name: checkout", yaml, StringComparison.Ordinal);
        Assert.Contains("kind: Process", yaml, StringComparison.Ordinal);

        using var client = new HttpClient { BaseAddress = _app.Url };
        var sources = await client.GetStringAsync("/api/sources");
        Assert.Contains("\"key\":\"local/Process/checkout\",\"namespace\":\"local\",\"kind\":\"Process\",\"name\":\"checkout\",\"enabled\":true", sources, StringComparison.Ordinal);
    }

    private static async Task<T> WaitForAsync<T>(Func<T> read, Func<T, bool> done)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            var value = read();
            if (done(value) || DateTime.UtcNow > deadline)
            {
                return value;
            }

            await Task.Delay(100);
        }
    }

    private static Task<string> BackgroundAsync(IPage page) => page.EvaluateAsync<string>("() => getComputedStyle(document.body).backgroundColor");

    private static double Luminance(string rgb)
    {
        var parts = rgb[(rgb.IndexOf('(') + 1)..rgb.IndexOf(')')].Split(',').Select(p => double.Parse(p.Trim(), System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        return ((0.2126 * parts[0]) + (0.7152 * parts[1]) + (0.0722 * parts[2])) / 255;
    }
}
