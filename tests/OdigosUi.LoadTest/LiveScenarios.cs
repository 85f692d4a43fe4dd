using System.Diagnostics;
using System.Net.Http.Headers;
using Google.Protobuf;
using OdigosUi.Profiles.Otlp.Collector;

namespace OdigosUi.LoadTest;

/// <summary>
/// The live flame graph against the real app: bytes on the wire per update against the whole flamebearer, latency
/// from OTLP arrival to the update at a SignalR client, and the app's CPU and memory with many watchers.
/// Clients are .NET SignalR clients with the MessagePack protocol over WebSockets, each on its own connection,
/// applying and acknowledging every update (<see cref="LiveLoadClient"/>).
/// </summary>
public static class LiveScenarios
{
    private const int ReportSamples = 200;

    /// <summary>Steady state on a large slot: one report of 200 samples a second, one update each.</summary>
    public static async Task BytesAsync(int uniqueStacks, int reports)
    {
        var population = new StackPopulation(uniqueStacks, seed: 5);
        var random = new Random(6);
        await using var app = await AppProcess.StartAsync("--Profiling:Ui:SlotMaxBytes=268435456");
        using var ui = new HttpClient { BaseAddress = app.Ui };
        using var otlp = new HttpClient { BaseAddress = app.OtlpHttp };
        await using var client = await LiveLoadClient.ConnectAsync(app.Ui);
        await client.WatchAsync("local/Process/checkout");

        // Fill: enough samples that nearly every stack of the population is in the slot.
        await PostAsync(otlp, population.Report("checkout", uniqueStacks * 60, random, Now()));
        await WaitForAsync(() => client.Model.TotalValue == uniqueStacks * 60);
        var filled = client.Received[^1];

        var before = client.UpdateCount;
        for (var i = 0; i < reports; i++)
        {
            var expected = client.Model.TotalValue + ReportSamples;
            await PostAsync(otlp, population.Report("checkout", ReportSamples, random, Now()));
            await WaitForAsync(() => client.Model.TotalValue == expected);
            await Task.Delay(1000);
        }

        var steady = client.Received.Skip(before).ToList();
        await using var late = await LiveLoadClient.ConnectAsync(app.Ui);
        await late.WatchAsync("local/Process/checkout");
        await WaitForAsync(() => late.UpdateCount > 0);
        var snapshot = late.Received[0];
        var flamebearer = await ui.GetByteArrayAsync("/api/profiling/local/Process/checkout/flamegraph?format=flamebearer");
        var bytes = steady.Select(u => (double)u.Bytes).Order().ToList();
        var changed = steady.Select(u => (double)u.Update.ChangedNodes.Length).Order().ToList();
        var newNodes = steady.Select(u => (double)u.Update.NodeParents.Length).Order().ToList();

        Console.WriteLine($"## Live update size: {reports} reports of {ReportSamples} samples, one a second, on a slot of {client.Model.NodeCount:N0} nodes ({client.Model.FrameCount:N0} frames)");
        Console.WriteLine();
        Console.WriteLine("| what | bytes | share of the flamebearer JSON |");
        Console.WriteLine("|---|---:|---:|");
        Console.WriteLine($"| flamebearer JSON of the slot (REST, uncompressed) | {flamebearer.Length:N0} | 100% |");
        Console.WriteLine($"| first update of a watcher joining now (reset, {snapshot.Update.NodeParents.Length + 1:N0} nodes) | {snapshot.Bytes:N0} | {Share(snapshot.Bytes, flamebearer.Length)} |");
        Console.WriteLine($"| the update that brought the fill ({filled.Update.NodeParents.Length:N0} new nodes) | {filled.Bytes:N0} | {Share(filled.Bytes, flamebearer.Length)} |");
        Console.WriteLine($"| steady-state update, p50 | {P(bytes, 0.5):N0} | {Share(P(bytes, 0.5), flamebearer.Length)} |");
        Console.WriteLine($"| steady-state update, p95 | {P(bytes, 0.95):N0} | {Share(P(bytes, 0.95), flamebearer.Length)} |");
        Console.WriteLine($"| steady-state update, max | {bytes[^1]:N0} | {Share(bytes[^1], flamebearer.Length)} |");
        Console.WriteLine();
        Console.WriteLine($"Per steady-state update: changed nodes p50 {P(changed, 0.5):N0} (max {changed[^1]:N0}), new nodes p50 {P(newNodes, 0.5):N0} (max {newNodes[^1]:N0}).");
    }

    /// <summary>Time from posting a report to the update that carries its marker frame arriving at the client.</summary>
    public static async Task LatencyAsync(int rounds)
    {
        var population = new StackPopulation(2000, seed: 3);
        var random = new Random(2);
        await using var app = await AppProcess.StartAsync();
        using var otlp = new HttpClient { BaseAddress = app.OtlpHttp };
        await using var client = await LiveLoadClient.ConnectAsync(app.Ui);
        await client.WatchAsync("local/Process/checkout");
        await PostAsync(otlp, population.Report("checkout", 20_000, random, Now()));
        await WaitForAsync(() => client.Model.TotalValue == 20_000);

        TaskCompletionSource<long>? pending = null;
        string? marker = null;
        client.OnUpdate((update, arrived) =>
        {
            if (marker is { } m && update.FrameLabels.Contains(m))
            {
                pending?.TrySetResult(arrived);
            }
        });

        var latencies = new List<double>();
        for (var i = 0; i < rounds; i++)
        {
            // Reports arrive at random moments, as from many profilers, not in step with the update interval.
            await Task.Delay(random.Next(300, 1300));
            var report = population.Report("checkout", ReportSamples, random, Now(), $"marker_{i}").ToByteArray();
            pending = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
            marker = $"marker_{i}";
            var start = Stopwatch.GetTimestamp();
            await PostAsync(otlp, report);
            var arrived = await pending.Task.WaitAsync(TimeSpan.FromSeconds(10));
            latencies.Add(Stopwatch.GetElapsedTime(start, arrived).TotalMilliseconds);
        }

        latencies.Sort();
        Console.WriteLine($"## OTLP arrival to live update ({rounds} reports of {ReportSamples} samples at random 0.3–1.3 s gaps, Profiling:Ui:LiveIntervalMs=250)");
        Console.WriteLine();
        Console.WriteLine("| p50 | p95 | max |");
        Console.WriteLine("|---:|---:|---:|");
        Console.WriteLine($"| {P(latencies, 0.5):F1} ms | {P(latencies, 0.95):F1} ms | {latencies[^1]:F1} ms |");
    }

    /// <summary>
    /// The app's CPU and memory while every Source gets <paramref name="reportsPerSecond"/> reports a second, without
    /// watchers and then with <paramref name="watchers"/> connections spread over the Sources.
    /// </summary>
    public static async Task WatchersAsync(int watchers, int sources, int uniqueStacks, TimeSpan duration, int reportsPerSecond)
    {
        var populations = Enumerable.Range(0, sources).Select(i => new StackPopulation(uniqueStacks, seed: 10 + i)).ToArray();
        await using var app = await AppProcess.StartAsync("--Profiling:Ui:SlotMaxBytes=268435456");
        using var ui = new HttpClient { BaseAddress = app.Ui };
        using var otlp = new HttpClient { BaseAddress = app.OtlpHttp };
        var names = Enumerable.Range(0, sources).Select(i => $"svc-{i}").ToArray();
        var random = new Random(4);
        foreach (var (name, population) in names.Zip(populations))
        {
            (await ui.PostAsync($"/api/profiling/local/Process/{name}", null)).EnsureSuccessStatusCode();
            await PostAsync(otlp, population.Report(name, uniqueStacks * 60, random, Now()));
        }

        using var stop = new CancellationTokenSource();
        long reportsSent = 0;
        var senders = names.Zip(populations).Select((pair, index) => Task.Run(async () =>
        {
            var local = new Random(100 + index);
            var gap = TimeSpan.FromSeconds(1.0 / reportsPerSecond);
            await Task.Delay(gap * index / sources);
            while (!stop.IsCancellationRequested)
            {
                await PostAsync(otlp, pair.Second.Report(pair.First, ReportSamples, local, Now()));
                Interlocked.Increment(ref reportsSent);
                try
                {
                    await Task.Delay(gap, stop.Token);
                }
                catch (OperationCanceledException)
                {
                }
            }
        })).ToArray();

        Console.WriteLine($"## {watchers} live watchers: {sources} Sources of {uniqueStacks:N0} stacks, each getting {reportsPerSecond} report(s) of {ReportSamples} samples a second; {duration.TotalSeconds:F0} s per row");
        Console.WriteLine();
        Console.WriteLine("| watchers | app CPU (cores) | app RSS end / peak (MiB) | updates/s per watcher | bytes per update (mean) | slot nodes per Source |");
        Console.WriteLine("|---:|---:|---:|---:|---:|---:|");

        await Task.Delay(TimeSpan.FromSeconds(3));
        var idle = await MeasureAsync(app, duration);
        Console.WriteLine($"| 0 | {idle.Cores:F3} | {idle.Rss / 1048576.0:F0} / {idle.Peak / 1048576.0:F0} | – | – | – |");

        var clients = new List<LiveLoadClient>();
        for (var i = 0; i < watchers; i++)
        {
            var client = await LiveLoadClient.ConnectAsync(app.Ui);
            await client.WatchAsync($"local/Process/{names[i % sources]}");
            clients.Add(client);
        }

        await WaitForAsync(() => clients.All(c => c.Model.TotalValue > 0));
        await Task.Delay(TimeSpan.FromSeconds(3));
        var counts = clients.Select(c => c.UpdateCount).ToArray();
        var bytesBefore = clients.Select(c => c.Received.Sum(u => u.Bytes)).ToArray();
        var busy = await MeasureAsync(app, duration);
        var updates = clients.Select((c, i) => c.UpdateCount - counts[i]).ToArray();
        var bytes = clients.Select((c, i) => c.Received.Sum(u => u.Bytes) - bytesBefore[i]).Sum();
        Console.WriteLine($"| {watchers} | {busy.Cores:F3} | {busy.Rss / 1048576.0:F0} / {busy.Peak / 1048576.0:F0} | {updates.Average() / duration.TotalSeconds:F2} | {bytes / Math.Max(1.0, updates.Sum()):N0} | {clients.Average(c => c.Model.NodeCount):N0} |");

        await stop.CancelAsync();
        await Task.WhenAll(senders);
        foreach (var client in clients)
        {
            await client.DisposeAsync();
        }

        Console.WriteLine();
        Console.WriteLine($"Reports sent: {Interlocked.Read(ref reportsSent):N0}.");
    }

    private static async Task<(double Cores, long Rss, long Peak)> MeasureAsync(AppProcess app, TimeSpan duration)
    {
        var cpu = app.CpuTime();
        var clock = Stopwatch.StartNew();
        await Task.Delay(duration);
        var cores = (app.CpuTime() - cpu).TotalSeconds / clock.Elapsed.TotalSeconds;
        var (rss, peak) = app.Memory();
        return (cores, rss, peak);
    }

    private static ulong Now() => (ulong)DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000;

    private static Task PostAsync(HttpClient otlp, ExportProfilesServiceRequest request) => PostAsync(otlp, request.ToByteArray());

    private static async Task PostAsync(HttpClient otlp, byte[] body)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
        using var response = await otlp.PostAsync("/v1development/profiles", content);
        response.EnsureSuccessStatusCode();
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            if (deadline.Elapsed > TimeSpan.FromSeconds(60))
            {
                throw new TimeoutException("the live view did not catch up within 60 s");
            }

            await Task.Delay(20);
        }
    }

    private static double P(List<double> sorted, double q) => sorted[(int)Math.Min(sorted.Count - 1, Math.Ceiling(q * sorted.Count) - 1)];

    private static string Share(double part, double whole) => $"{100 * part / whole:F2}%";
}
