using System.Diagnostics;
using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using OdigosUi.Hosting;
using OdigosUi.Pipeline.Receivers;
using OdigosUi.Tests.Infrastructure;
using OdigosUi.TestSupport;
using Xunit.Abstractions;

namespace OdigosUi.Tests.EndToEnd;

/// <summary>
/// The acceptance check, with the node profiler inside the app (role all, as root): the C demo program runs;
/// within 15 s of enabling it as a Source its flame graph shows <c>main;hot_loop</c> at the share <c>perf record</c>
/// measures for <c>hot_loop</c> on the same run (within 10 points), and the .NET demo's frames carry method names.
/// </summary>
[Collection(nameof(ProfilerEndToEndTests))]
public sealed class ProfilerEndToEndTests(ITestOutputHelper output)
{
    private const int Rate = 499;
    private const int WantedSamples = 200;
    private const string DotnetHotPath = "OdigosDemo.Checkout.ProcessOrder(int32,bool);OdigosDemo.Checkout.ComputeTax(int32);OdigosDemo.Checkout.HashLoop(uint64,int32)";

    [Fact]
    public async Task Within_15_s_of_enabling_the_C_demo_its_flame_graph_shows_hot_loop_at_the_share_perf_measures_and_dotnet_frames_are_named_without_a_restart()
    {
        // A name of its own, so the workload local/Process/NAME holds this process only.
        var program = NativeTestProgram.Instance.UniqueCopy("odigos-hot");
        var name = Path.GetFileName(program);
        using var native = Process.Start(new ProcessStartInfo(program, "120") { RedirectStandardOutput = true })!;
        await using var dotnet = await DotnetDemoProcess.StartWithoutPerfMapAsync("--orders-per-second", "50");
        await using var app = OdigosUiHost.Build(TestArgs.With("--Ui:Url=http://127.0.0.1:0", "--Profiling:ProfilerEnabled=true", $"--Profiling:SamplesPerSecond={Rate}"));
        using var perf = await PerfRecord.StartAsync("-e", "cpu-clock", "-F", Rate.ToString(CultureInfo.InvariantCulture), "-g", "-p", native.Id.ToString(CultureInfo.InvariantCulture));
        try
        {
            await app.StartAsync();
            using var api = new HttpClient { BaseAddress = app.Services.GetRequiredService<ReceiverEndpointAddresses>().Ui.Single() };

            var clock = Stopwatch.StartNew();
            foreach (var source in new[] { name, DotnetDemoProcess.ExecutableName })
            {
                (await api.PutAsync($"/api/sources/local/Process/{source}", null)).EnsureSuccessStatusCode();
                (await api.PostAsync($"/api/profiling/local/Process/{source}", null)).EnsureSuccessStatusCode();
            }

            var folded = new Dictionary<string, long>();
            var dotnetFolded = new Dictionary<string, long>();
            while (clock.Elapsed < TimeSpan.FromSeconds(15)
                && !(folded.Keys.Any(IsHotLoopFromMain) && folded.Values.Sum() >= WantedSamples && dotnetFolded.Keys.Any(k => k.Contains(DotnetHotPath, StringComparison.Ordinal))))
            {
                await Task.Delay(250);
                folded = ReferenceFolded.Parse(await api.GetStringAsync($"/api/profiling/local/Process/{name}/flamegraph?format=folded"));
                dotnetFolded = ReferenceFolded.Parse(await api.GetStringAsync($"/api/profiling/local/Process/{DotnetDemoProcess.ExecutableName}/flamegraph?format=folded"));
            }

            var elapsed = clock.Elapsed;
            var perfStacks = await perf.StopAsync(native.Id);

            // Naming .NET code without a restart waits for the runtime to start its perf map: up to 30 s on a loaded machine.
            while (clock.Elapsed < TimeSpan.FromSeconds(30) && !dotnetFolded.Keys.Any(k => k.Contains(DotnetHotPath, StringComparison.Ordinal)))
            {
                await Task.Delay(250);
                dotnetFolded = ReferenceFolded.Parse(await api.GetStringAsync($"/api/profiling/local/Process/{DotnetDemoProcess.ExecutableName}/flamegraph?format=folded"));
            }

            Assert.True(folded.Keys.Any(IsHotLoopFromMain), $"no main;hot_loop after {elapsed.TotalSeconds:F1} s:\n{string.Join('\n', folded.Take(20))}");
            Assert.True(dotnetFolded.Keys.Any(k => k.Contains(DotnetHotPath, StringComparison.Ordinal)), $"no {DotnetHotPath} after {clock.Elapsed.TotalSeconds:F1} s:\n{string.Join('\n', dotnetFolded.Take(20))}");
            var total = folded.Values.Sum();
            Assert.True(total >= WantedSamples, $"only {total} samples of {name} in {elapsed.TotalSeconds:F1} s");
            Assert.True(perfStacks.Count >= WantedSamples / 2, $"perf record has only {perfStacks.Count} samples of pid {native.Id}");

            var ours = (double)folded.Where(kv => kv.Key.Split(';').Contains("hot_loop")).Sum(kv => kv.Value) / total;
            var theirs = (double)perfStacks.Count(frames => frames.Contains("hot_loop")) / perfStacks.Count;
            output.WriteLine($"after {elapsed.TotalSeconds:F1} s: hot_loop share {ours:P1} of {total} samples in the flame graph, {theirs:P1} of {perfStacks.Count} in perf record");
            Assert.True(Math.Abs(ours - theirs) <= 0.10, $"hot_loop share: flame graph {ours:P1} of {total} samples, perf record {theirs:P1} of {perfStacks.Count}");
            Assert.InRange(ours, 0.4, 0.95);

            // The .NET demo was started without DOTNET_PerfMapEnabled: enabling its Source had its runtime asked to write one.
            using var status = System.Text.Json.JsonDocument.Parse(await api.GetStringAsync("/api/profiler"));
            var dotnetNaming = status.RootElement.GetProperty("runtimes").EnumerateArray().Single(r => r.GetProperty("runtime").GetString() == "Dotnet");
            Assert.True(dotnetNaming.GetProperty("named").GetInt32() >= 1, dotnetNaming.ToString());
            Assert.Contains("perf map through the diagnostics IPC", dotnetNaming.GetProperty("routes").ToString());
            Assert.True(status.RootElement.GetProperty("python").TryGetProperty("samplesMerged", out _), status.RootElement.ToString());

            var ready = await api.GetStringAsync("/readyz");
            Assert.StartsWith("Ready", ready);
            Assert.DoesNotContain("profiler unavailable", ready);
        }
        finally
        {
            native.Kill();
            await native.WaitForExitAsync();
            await app.StopAsync();
        }
    }

    private static bool IsHotLoopFromMain(string stack)
    {
        var frames = stack.Split(';');
        var hot = Array.IndexOf(frames, "hot_loop");
        return hot > 0 && frames[hot - 1] == "main";
    }
}

/// <summary>The acceptance test runs alone (not next to this assembly's other tests), so they do not take its CPU.</summary>
[CollectionDefinition(nameof(ProfilerEndToEndTests), DisableParallelization = true)]
public sealed class ProfilerEndToEndCollection;
