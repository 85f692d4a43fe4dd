using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using OdigosUi.Hosting;
using OdigosUi.Pipeline.Receivers;
using OdigosUi.Tests.Infrastructure;
using OdigosUi.TestSupport;

namespace OdigosUi.Tests.EndToEnd;

/// <summary>
/// The node profiler inside the app (role all, as root): a native program spinning in <c>hot_loop</c> is enabled as a
/// Source and its live flame graph shows <c>main;hot_loop</c>.
/// </summary>
public sealed class ProfilerEndToEndTests
{
    [Fact]
    public async Task The_hot_function_of_an_enabled_process_appears_in_its_flame_graph()
    {
        var program = NativeTestProgram.Instance.Path;
        var name = Path.GetFileName(program);
        using var child = Process.Start(new ProcessStartInfo(program, "30") { RedirectStandardOutput = true })!;
        await using var app = OdigosUiHost.Build(TestArgs.With("--Ui:Url=http://127.0.0.1:0", "--Profiling:ProfilerEnabled=true", "--Profiling:SamplesPerSecond=99"));
        try
        {
            await app.StartAsync();
            using var api = new HttpClient { BaseAddress = app.Services.GetRequiredService<ReceiverEndpointAddresses>().Ui.Single() };
            (await api.PutAsync($"/api/sources/local/Process/{name}", null)).EnsureSuccessStatusCode();
            (await api.PostAsync($"/api/profiling/local/Process/{name}", null)).EnsureSuccessStatusCode();

            var folded = "";
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < TimeSpan.FromSeconds(20) && !folded.Contains("main;hot_loop ", StringComparison.Ordinal))
            {
                await Task.Delay(250);
                folded = await api.GetStringAsync($"/api/profiling/local/Process/{name}/flamegraph?format=folded");
            }

            Assert.Contains("main;hot_loop ", folded);
            var ready = await api.GetStringAsync("/readyz");
            Assert.StartsWith("Ready", ready);
            Assert.DoesNotContain("profiler unavailable", ready);
        }
        finally
        {
            child.Kill();
            await child.WaitForExitAsync();
            await app.StopAsync();
        }
    }
}
