using OdigosUi.E2E.Infrastructure;

namespace OdigosUi.E2E.Onboarding;

/// <summary>The onboarding flow with the real profiler (root) and its recording as a demo video.</summary>
[Collection(BrowserCollection.Name)]
public sealed class OnboardingTests(BrowserFixture browser)
{
    public const string OutputVariable = "ODIGOS_ONBOARDING_OUT";

    [Fact]
    public async Task Onboarding_flow_is_recorded_as_video_gif_and_step_screenshots()
    {
        await using var run = await OnboardingRun.StartAsync();
        // e2e/record-onboarding.sh sets the folder to keep the recording; the suite records into a temporary one.
        var keep = Environment.GetEnvironmentVariable(OutputVariable) is { Length: > 0 } wanted ? Path.GetFullPath(wanted) : null;
        var output = keep ?? Directory.CreateTempSubdirectory("odigos-onboarding-").FullName;
        Directory.CreateDirectory(output);
        try
        {
            var page = await browser.NewPageAsync(run.App.Url);
            await using var recorder = new Recorder(output);
            recorder.Start(page);
            var flow = new OnboardingFlow(page, run.Pyroscope, OnboardingRun.Workload, recorder);

            await FailureContext.Watch(page, run.App).RunAsync(flow.RunAsync);
            var (webm, mp4, gif) = await recorder.FinishAsync();

            // main -> hot_loop takes about two thirds of the demo's CPU time (warm_loop the rest).
            Assert.InRange(flow.HotShare, 0.5, 0.85);
            Assert.True(flow.EnableToHotFunction < TimeSpan.FromSeconds(15), $"hot function after {flow.EnableToHotFunction}");
            Assert.True(new FileInfo(webm).Length > 20_000, "webm too small");
            Assert.True(new FileInfo(mp4).Length > 20_000, "mp4 too small");
            Assert.True(new FileInfo(gif).Length > 20_000, "gif too small");
            Assert.True(recorder.StepScreenshots.Count >= 8);
        }
        finally
        {
            if (keep is null)
            {
                Directory.Delete(output, recursive: true);
            }
            else
            {
                Directory.Delete(Path.Combine(output, "frames"), recursive: true);
            }
        }
    }
}
