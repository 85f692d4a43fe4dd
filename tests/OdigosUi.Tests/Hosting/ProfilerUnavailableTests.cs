using System.Diagnostics;
using OdigosUi.Tests.Infrastructure;

namespace OdigosUi.Tests.Hosting;

/// <summary>
/// The real app run without capabilities (setpriv): perf_event_open is refused, and the app still starts,
/// serves its API and says in <c>/readyz</c> why the profiler is unavailable.
/// </summary>
public sealed class ProfilerUnavailableTests
{
    private const string ParanoidPath = "/proc/sys/kernel/perf_event_paranoid";

    [Fact]
    public async Task Without_capabilities_the_app_starts_and_readyz_explains_why_the_profiler_is_unavailable()
    {
        // System-wide sampling needs perf_event_paranoid <= 0 without CAP_PERFMON; make sure nobody is refused.
        var paranoid = File.ReadAllText(ParanoidPath).Trim();
        if (int.Parse(paranoid) < 1)
        {
            File.WriteAllText(ParanoidPath, "2");
        }

        var port = FreePort.Next();
        var start = new ProcessStartInfo("setpriv") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var arg in (string[])
        [
            // Root without any capability: refused like an unprivileged user, yet still able to read a checkout under a
            // private home folder (CI's clone may live in /root, which nobody could not enter).
            "--inh-caps=-all", "--bounding-set=-all", "--",
            Environment.ProcessPath ?? "dotnet", OdigosUiProcess.AppDllPath, $"--Ui:Url=http://127.0.0.1:{port}",
            .. TestArgs.With("--Profiling:ProfilerEnabled=true"),
        ])
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["HOME"] = Path.GetTempPath();
        start.WorkingDirectory = Path.GetTempPath();
        using var app = Process.Start(start)!;
        var stderr = app.StandardError.ReadToEndAsync();
        var stdout = app.StandardOutput.ReadToEndAsync();
        try
        {
            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };
            var ready = "";
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            while (!ready.Contains("profiler", StringComparison.Ordinal) && DateTime.UtcNow < deadline && !app.HasExited)
            {
                await Task.Delay(250);
                try
                {
                    ready = await client.GetStringAsync("/readyz");
                }
                catch (HttpRequestException)
                {
                }
            }

            Assert.False(app.HasExited, $"the app exited with {(app.HasExited ? app.ExitCode : 0)}: {(app.HasExited ? await stderr : "")}");
            Assert.StartsWith("Ready", ready);
            Assert.Contains("profiler: Degraded: profiler unavailable: perf_event_open failed on cpu", ready);
            Assert.Contains("EACCES", ready);
            Assert.Contains("CAP_PERFMON", ready);
            Assert.Equal("Healthy", await client.GetStringAsync("/healthz"));
            Assert.StartsWith("[", await client.GetStringAsync("/api/sources"));
        }
        finally
        {
            if (!app.HasExited)
            {
                PosixSignal.Send(app.Id, PosixSignal.SigTerm);
                if (!app.WaitForExit(10_000))
                {
                    app.Kill();
                }
            }

            await app.WaitForExitAsync();
            File.WriteAllText(ParanoidPath, paranoid);
        }

        Assert.Contains("The node profiler is unavailable", await stdout + await stderr);
    }
}
