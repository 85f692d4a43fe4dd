using System.Diagnostics;
using System.Net;
using OdigosUi.Tests.Infrastructure;

namespace OdigosUi.Tests.Hosting;

/// <summary>The real built executable, run as a child process the way a user or Kubernetes runs it.</summary>
public sealed class ProcessHostTests
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(10);

    [Theory]
    [InlineData(PosixSignal.SigInt)]
    [InlineData(PosixSignal.SigTerm)]
    public async Task Serves_health_then_stops_cleanly_on_signal(int signal)
    {
        int port = FreePort.Next();
        using OdigosUiProcess app = OdigosUiProcess.Start(TestArgs.With($"--Ui:Url=http://127.0.0.1:{port}"));
        using HttpClient client = new() { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(5) };

        await WaitUntilHealthyAsync(app, client);

        using (HttpResponseMessage ready = await client.GetAsync("/readyz"))
        {
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
            Assert.Equal("Ready", await ready.Content.ReadAsStringAsync());
        }

        Assert.False(IgnoresSignal(app.Id, signal), $"odigos-ui was started with signal {signal} ignored (inherited from the test run)");
        app.Signal(signal);

        Assert.True(await app.WaitForExitAsync(StopTimeout), $"odigos-ui did not exit within {StopTimeout.TotalSeconds} s of signal {signal}");
        Assert.True(app.ExitCode == 0, $"exit code {app.ExitCode}; stderr:\n{app.StandardError}\nstdout:\n{app.StandardOutput}");
    }

    [Fact]
    public async Task Invalid_role_exits_non_zero_naming_the_allowed_values()
    {
        using OdigosUiProcess app = OdigosUiProcess.Start(TestArgs.With("--Role=bogus", $"--Ui:Url=http://127.0.0.1:{FreePort.Next()}"));

        Assert.True(await app.WaitForExitAsync(StartTimeout), "odigos-ui with an invalid role did not exit");

        Assert.Equal(1, app.ExitCode);
        Assert.Contains("bogus", app.StandardError, StringComparison.Ordinal);
        Assert.Contains("all, node, gateway, ui", app.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", app.StandardError, StringComparison.Ordinal);
    }

    // SigIgn in /proc/PID/status is a hex mask with bit (signal - 1) set for each ignored signal.
    private static bool IgnoresSignal(int pid, int signal)
    {
        string? mask = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("SigIgn:", StringComparison.Ordinal));
        return mask is not null
            && (ulong.Parse(mask["SigIgn:".Length..].Trim(), System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture) & (1UL << (signal - 1))) != 0;
    }

    private static async Task WaitUntilHealthyAsync(OdigosUiProcess app, HttpClient client)
    {
        Stopwatch elapsed = Stopwatch.StartNew();
        while (true)
        {
            Assert.False(app.HasExited, $"odigos-ui exited early; stderr:\n{app.StandardError}");
            try
            {
                using HttpResponseMessage health = await client.GetAsync("/healthz");
                if (health.StatusCode == HttpStatusCode.OK)
                {
                    Assert.Equal("Healthy", await health.Content.ReadAsStringAsync());
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException)
            {
                // Request timed out while starting.
            }

            Assert.True(elapsed.Elapsed < StartTimeout, $"/healthz did not answer 200 within {StartTimeout.TotalSeconds} s");
            await Task.Delay(100);
        }
    }
}
