using System.Diagnostics;
using Microsoft.Playwright;
using OdigosUi.E2E.Flame;
using OdigosUi.E2E.Infrastructure;
using OdigosUi.TestSupport.FakePyroscope;

namespace OdigosUi.E2E.Onboarding;

/// <summary>
/// The onboarding flow of a new user, against the real app with its real node profiler: see the pipeline, enable a
/// demo workload as a Source, watch its live flame graph show the hot function, then send its profiles to Pyroscope
/// through the Destination wizard and see them arrive.
/// </summary>
public sealed class OnboardingFlow(IPage page, FakePyroscopeServer pyroscope, string workload, INarrator narrator)
{
    public const string HotFunction = "hot_loop";

    public string SourceKey => $"local/Process/{workload}";

    /// <summary>What the flow measured, for the test's assertions.</summary>
    public double HotShare { get; private set; }

    public TimeSpan EnableToHotFunction { get; private set; }

    public async Task RunAsync()
    {
        await page.OpenAsync("/");
        await narrator.StepAsync(page, "OdigosUi: the node profiler samples every process on this machine");
        await Assertions.Expect(page.GetByTestId("health-profiler").GetByTestId("health-summary")).ToHaveTextAsync("sampling", new() { Timeout = 30_000 });

        await narrator.PointAtAsync(page, page.GetByTestId("nav-sources"));
        await page.GetByTestId("nav-sources").ClickAsync();
        await narrator.StepAsync(page, "Sources: every workload the profiler has seen");
        await page.Input("sources-search").FillAsync(workload);
        var toggle = page.Input("source-toggle", $"[data-source='{SourceKey}']");
        await toggle.WaitForAsync(new() { Timeout = 30_000 });

        await narrator.StepAsync(page, $"Turn on '{workload}' to collect its profiles");
        await narrator.PointAtAsync(page, toggle);
        var enabled = Stopwatch.StartNew();
        await toggle.ClickAsync();
        await Assertions.Expect(toggle).ToBeCheckedAsync();
        await Assertions.Expect(page.Locator(".mud-snackbar")).ToContainTextAsync("is now a Source");

        var open = page.Locator($"[data-testid=source-open-profile][data-source='{SourceKey}']");
        await narrator.PointAtAsync(page, open);
        await open.ClickAsync();
        await page.WaitForURLAsync($"**/profiles/{SourceKey}");
        var flame = new FlameGraphPage(page);
        await flame.WaitForHookAsync();
        await narrator.StepAsync(page, "Its live flame graph grows as samples arrive, no reload");
        await page.GetByTestId("flame-search").FillAsync(HotFunction);
        await flame.WaitForAsync(s => s.SearchShare is > 0, TimeSpan.FromSeconds(30));
        EnableToHotFunction = enabled.Elapsed;
        var state = await flame.WaitForAsync(s => s.SearchShare is > 0 && s.TotalValue >= 40, TimeSpan.FromSeconds(30));
        HotShare = state.SearchShare!.Value;
        await narrator.StepAsync(page, $"{HotFunction} takes {HotShare:P0} of the CPU time");
        await page.WaitForTimeoutAsync(1500);

        await narrator.PointAtAsync(page, page.GetByTestId("nav-destinations"));
        await page.GetByTestId("nav-destinations").ClickAsync();
        await narrator.StepAsync(page, "Send the profiles to Pyroscope: add a Destination");
        await narrator.PointAtAsync(page, page.GetByTestId("add-destination"));
        await page.GetByTestId("add-destination").ClickAsync();
        var card = page.Locator("[data-testid=type-card][data-type=pyroscope]");
        await narrator.PointAtAsync(page, card);
        await card.ClickAsync();

        await narrator.StepAsync(page, "Point it at Pyroscope and test the connection");
        await page.Input("field-name").FillAsync("Pyroscope");
        await page.Locator("[data-testid=field-PYROSCOPE_URL] input").PressSequentiallyAsync(pyroscope.HostPort, new() { Delay = 40 });
        await narrator.PointAtAsync(page, page.GetByTestId("test-connection"));
        await page.GetByTestId("test-connection").ClickAsync();
        await Assertions.Expect(page.GetByTestId("test-result")).ToHaveAttributeAsync("data-verdict", "Ok");
        await page.WaitForTimeoutAsync(800);

        await narrator.PointAtAsync(page, page.GetByTestId("wizard-save"));
        await page.GetByTestId("wizard-save").ClickAsync();
        await page.WaitForURLAsync("**/destinations");
        await Assertions.Expect(page.Locator("[data-testid=condition-DestinationConfigured]")).ToHaveAttributeAsync("data-status", "True", new() { Timeout = 15_000 });
        await narrator.StepAsync(page, "The gateway exports the Source's profiles to Pyroscope");

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!pyroscope.ServiceNames.Contains(workload) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(250);
        }

        if (!pyroscope.ServiceNames.Contains(workload))
        {
            throw new TimeoutException($"Pyroscope received no profiles of {workload}; it saw {string.Join(", ", pyroscope.ServiceNames)}");
        }

        await page.GetByTestId("nav-overview").ClickAsync();
        await Assertions.Expect(page.GetByTestId("health-destination")).ToContainTextAsync("exporting", new() { Timeout = 15_000 });
        await narrator.StepAsync(page, $"Done: {workload} is profiled live and in Pyroscope");
        await page.WaitForTimeoutAsync(1500);
    }
}
