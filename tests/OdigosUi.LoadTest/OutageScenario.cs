using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Google.Protobuf;
using OdigosUi.TestSupport.FakePyroscope;

namespace OdigosUi.LoadTest;

/// <summary>
/// Export through an outage: reports stream in at a steady rate while the Pyroscope Destination is down for a while,
/// then back. Counts what the destination received against what was sent, and samples the app's memory each second.
/// </summary>
public static class OutageScenario
{
    public static async Task RunAsync(TimeSpan before, TimeSpan outage, TimeSpan after, int reportsPerSecond, long? queueMaxBytes = null)
    {
        var population = new StackPopulation(3000, seed: 8);
        var random = new Random(4);
        await using var pyroscope = await FakePyroscopeServer.StartAsync();
        await using var app = queueMaxBytes is { } bound
            ? await AppProcess.StartAsync($"--Profiling:Exporter:QueueMaxBytes={bound}")
            : await AppProcess.StartAsync();
        using var ui = new HttpClient { BaseAddress = app.Ui };
        using var otlp = new HttpClient { BaseAddress = app.OtlpHttp };
        (await ui.PutAsync("/api/sources/local/Process/checkout", null)).EnsureSuccessStatusCode();
        (await ui.PostAsJsonAsync("/api/destinations", new
        {
            type = "pyroscope",
            name = "outage",
            signals = new[] { "PROFILES" },
            fields = new Dictionary<string, string> { ["PYROSCOPE_URL"] = pyroscope.HostPort },
        })).EnsureSuccessStatusCode();
        await Task.Delay(1000);

        long sentSamples = 0, sentReports = 0, sentBytes = 0;
        var memory = new List<(double Seconds, long Rss, string Phase)>();
        var clock = Stopwatch.StartNew();
        var total = before + outage + after;
        var down = false;
        var next = TimeSpan.Zero;
        var nextSample = TimeSpan.Zero;
        while (clock.Elapsed < total)
        {
            var phase = clock.Elapsed < before ? "up" : clock.Elapsed < before + outage ? "down" : "back";
            if (phase == "down" && !down)
            {
                await pyroscope.GoDownAsync();
                down = true;
            }
            else if (phase == "back" && down)
            {
                await pyroscope.ComeBackAsync();
                down = false;
            }

            if (clock.Elapsed >= nextSample)
            {
                memory.Add((clock.Elapsed.TotalSeconds, app.Memory().Rss, phase));
                nextSample += TimeSpan.FromSeconds(1);
            }

            var body = population.Report("checkout", 200, random, (ulong)DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000).ToByteArray();
            using var content = new ByteArrayContent(body);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
            (await otlp.PostAsync("/v1development/profiles", content)).EnsureSuccessStatusCode();
            sentReports++;
            sentSamples += 200;
            sentBytes += body.Length;
            next += TimeSpan.FromSeconds(1.0 / reportsPerSecond);
            var wait = next - clock.Elapsed;
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait);
            }
        }

        var drainClock = Stopwatch.StartNew();
        while (pyroscope.TotalSampleValue < sentSamples && drainClock.Elapsed < TimeSpan.FromSeconds(90))
        {
            await Task.Delay(250);
        }

        var received = pyroscope.TotalSampleValue;
        Console.WriteLine($"## Export through an outage: {reportsPerSecond} reports/s of 200 samples, destination down {outage.TotalSeconds:F0} s after {before.TotalSeconds:F0} s, then back for {after.TotalSeconds:F0} s; exporter queue bound {(queueMaxBytes ?? 64L << 20) / 1048576.0:N0} MiB");
        Console.WriteLine();
        Console.WriteLine("| sent reports | sent samples | sent MB (protobuf) | received samples | lost | drained after the outage in | accepted requests | rejected |");
        Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|---:|");
        Console.WriteLine($"| {sentReports:N0} | {sentSamples:N0} | {sentBytes / 1e6:N1} | {received:N0} | {sentSamples - received:N0} | {drainClock.Elapsed.TotalSeconds:F1} s after the run | {pyroscope.Accepted.Count:N0} | {pyroscope.Rejected.Count:N0} |");
        Console.WriteLine();
        Console.WriteLine("| phase | app RSS min (MiB) | app RSS max (MiB) |");
        Console.WriteLine("|---|---:|---:|");
        foreach (var group in memory.GroupBy(m => m.Phase))
        {
            Console.WriteLine($"| {group.Key} | {group.Min(m => m.Rss) / 1048576.0:N0} | {group.Max(m => m.Rss) / 1048576.0:N0} |");
        }
    }
}
