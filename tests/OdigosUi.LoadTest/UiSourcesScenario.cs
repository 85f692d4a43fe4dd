using System.Diagnostics;
using System.Net.Http.Headers;
using Google.Protobuf;
using Microsoft.Playwright;
using OdigosUi.TestSupport;

namespace OdigosUi.LoadTest;

/// <summary>
/// The Sources page with many workloads in Debian's Chromium: time from navigation to the full list being rendered
/// (cold, then warm), how many table rows are in the DOM (virtualization), and the app's memory per open circuit.
/// </summary>
public static class UiSourcesScenario
{
    public static async Task RunAsync(int workloads, int circuits)
    {
        await using var app = await AppProcess.StartAsync();
        await SendWorkloadsAsync(app, workloads);

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });

        var expected = $"{workloads:N0} of {workloads:N0} workloads";
        var renders = new List<double>();
        int domRows = 0;
        for (var i = 0; i < 6; i++)
        {
            var context = await browser.NewContextAsync(new() { ViewportSize = new() { Width = 1400, Height = 900 } });
            var page = await context.NewPageAsync();
            var stopwatch = Stopwatch.StartNew();
            await page.GotoAsync(new Uri(app.Ui, "/sources").ToString());
            await page.GetByTestId("sources-count").Filter(new() { HasText = expected }).WaitForAsync(new() { Timeout = 60_000 });
            await page.Locator("tr.odigos-source-row").First.WaitForAsync();
            renders.Add(stopwatch.Elapsed.TotalMilliseconds);
            domRows = await page.Locator("tr.odigos-source-row").CountAsync();
            await context.CloseAsync();
        }

        await Task.Delay(3000);
        var before = ProcStats.Memory(app.Pid).Rss;
        var pages = new List<IBrowserContext>();
        for (var i = 0; i < circuits; i++)
        {
            var context = await browser.NewContextAsync(new() { ViewportSize = new() { Width = 1400, Height = 900 } });
            var page = await context.NewPageAsync();
            await page.GotoAsync(new Uri(app.Ui, "/sources").ToString());
            await page.GetByTestId("sources-count").Filter(new() { HasText = expected }).WaitForAsync(new() { Timeout = 60_000 });
            pages.Add(context);
        }

        await Task.Delay(5000);
        var after = ProcStats.Memory(app.Pid).Rss;
        var warm = renders.Skip(1).Order().ToList();
        Console.WriteLine($"| workloads | first render, cold (ms) | first render, warm median (ms) | warm max (ms) | table rows in the DOM | RSS before / with {circuits} circuits (MiB) | per circuit (MiB) |");
        Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|");
        Console.WriteLine($"| {workloads:N0} | {renders[0]:0} | {warm[warm.Count / 2]:0} | {warm[^1]:0} | {domRows} | {before / 1048576.0:0} / {after / 1048576.0:0} | {(after - before) / 1048576.0 / circuits:0.0} |");
        foreach (var context in pages)
        {
            await context.CloseAsync();
        }
    }

    private static async Task SendWorkloadsAsync(AppProcess app, int workloads)
    {
        var builder = new OtlpRequestBuilder();
        for (var i = 0; i < workloads; i++)
        {
            var profile = builder.Profile(new Dictionary<string, string> { ["service.name"] = $"service-{i:D4}" });
            OtlpRequestBuilder.AddSample(profile, builder.StackOf("work", "main"), 1);
        }

        using var client = new HttpClient();
        using var content = new ByteArrayContent(builder.Request.ToByteArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
        (await client.PostAsync(new Uri(app.OtlpHttp, "/v1development/profiles"), content)).EnsureSuccessStatusCode();
    }
}
