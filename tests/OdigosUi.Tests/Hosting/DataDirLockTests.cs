using System.Net;
using Microsoft.AspNetCore.Builder;
using OdigosUi.Hosting;
using OdigosUi.Tests.Infrastructure;
using OdigosUi.TestSupport;

namespace OdigosUi.Tests.Hosting;

/// <summary>Two odigos-ui on one Storage:DataDir: the second fails start-up with one clear line, the first keeps working.</summary>
public sealed class DataDirLockTests
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private static string[] Args(string dataDir, int uiPort) => TestArgs.With($"--Ui:Url=http://127.0.0.1:{uiPort}", $"--Storage:DataDir={dataDir}");

    [Fact]
    public async Task A_second_process_on_the_same_data_folder_exits_with_one_clear_line()
    {
        using var data = new TempDirectory("odigos-lock-");
        int firstPort = FreePort.Next();
        using var first = OdigosUiProcess.Start(Args(data.Path, firstPort));
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{firstPort}"), Timeout = TimeSpan.FromSeconds(10) };
        await WaitForReadyAsync(first, client);

        using var second = OdigosUiProcess.Start(Args(data.Path, FreePort.Next()));
        Assert.True(await second.WaitForExitAsync(StartTimeout), "the second odigos-ui on the same data folder did not exit");
        Assert.Equal(1, second.ExitCode);
        var errorLines = second.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var line = Assert.Single(errorLines, l => l.Contains("in use by another odigos-ui process", StringComparison.Ordinal));
        Assert.StartsWith("odigos-ui: cannot start:", line, StringComparison.Ordinal);
        Assert.Contains(data.Path, line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", second.StandardError, StringComparison.Ordinal);

        // The first one still serves and still writes its folder.
        using var sources = await client.PutAsync("/api/sources/default/Deployment/checkout", null);
        Assert.Equal(HttpStatusCode.Created, sources.StatusCode);
        Assert.False(first.HasExited);
    }

    [Fact]
    public async Task A_second_host_in_one_process_fails_to_start_and_the_folder_is_free_once_the_first_stops()
    {
        using var data = new TempDirectory("odigos-lock-");
        await using (WebApplication first = OdigosUiHost.Build(Args(data.Path, 0)))
        {
            await first.StartAsync();
            await using WebApplication second = OdigosUiHost.Build(Args(data.Path, 0));
            var error = await Assert.ThrowsAnyAsync<Exception>(() => second.StartAsync());
            Assert.Contains("in use by another odigos-ui process", Innermost(error).Message, StringComparison.Ordinal);
            await first.StopAsync();
        }

        await using WebApplication again = OdigosUiHost.Build(Args(data.Path, 0));
        await again.StartAsync();
        await again.StopAsync();
    }

    private static Exception Innermost(Exception e) => e is AggregateException { InnerExceptions.Count: 1 } a ? Innermost(a.InnerExceptions[0]) : e;

    private static async Task WaitForReadyAsync(OdigosUiProcess app, HttpClient client)
    {
        var deadline = DateTime.UtcNow + StartTimeout;
        while (true)
        {
            Assert.False(app.HasExited, $"odigos-ui exited early; stderr:\n{app.StandardError}");
            try
            {
                using var ready = await client.GetAsync("/readyz");
                if (ready.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            Assert.True(DateTime.UtcNow < deadline, "odigos-ui did not become ready");
            await Task.Delay(100);
        }
    }
}
