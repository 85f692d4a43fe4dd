using System.Diagnostics;
using OdigosUi.E2E.Infrastructure;
using OdigosUi.TestSupport.FakePyroscope;

namespace OdigosUi.E2E.Onboarding;

/// <summary>
/// Everything the onboarding flow needs, started for real: the C demo program (a workload with a known hot function),
/// the app with its node profiler, a Pyroscope-compatible receiver, and a browser page.
/// </summary>
public sealed class OnboardingRun : IAsyncDisposable
{
    public const string Workload = "demo-shop";

    private readonly Process _demo;
    private readonly string _demoDir;

    private OnboardingRun(Process demo, string demoDir, AppUnderTest app, FakePyroscopeServer pyroscope)
    {
        _demo = demo;
        _demoDir = demoDir;
        App = app;
        Pyroscope = pyroscope;
    }

    public AppUnderTest App { get; }

    public FakePyroscopeServer Pyroscope { get; }

    public static async Task<OnboardingRun> StartAsync()
    {
        var demoDir = Directory.CreateTempSubdirectory("odigos-demo-").FullName;
        var program = Path.Combine(demoDir, Workload);
        OdigosDemo.NativeDemo.Compile(program);
        var demo = Process.Start(new ProcessStartInfo(program, "600") { RedirectStandardOutput = true })
            ?? throw new InvalidOperationException("the demo program did not start");
        var pyroscope = await FakePyroscopeServer.StartAsync();
        var app = await AppUnderTest.StartAsync(["--Profiling:ReportIntervalSeconds=1"]);
        return new OnboardingRun(demo, demoDir, app, pyroscope);
    }

    public async ValueTask DisposeAsync()
    {
        await App.DisposeAsync();
        await Pyroscope.DisposeAsync();
        if (!_demo.HasExited)
        {
            _demo.Kill();
            await _demo.WaitForExitAsync();
        }

        _demo.Dispose();
        Directory.Delete(_demoDir, recursive: true);
    }
}
