using System.Diagnostics;
using System.Net.Http.Headers;
using Google.Protobuf;

namespace OdigosUi.LoadTest;

/// <summary>
/// Time from a report's arrival at the OTLP/HTTP receiver to its presence in the slot's flame graph: each report
/// carries a unique marker frame; the clock runs from sending the report until a flame graph read shows the marker.
/// </summary>
public static class LatencyScenario
{
    public static async Task RunAsync(int rounds)
    {
        var population = new StackPopulation(2000, seed: 3);
        var random = new Random(2);
        await using var app = await AppProcess.StartAsync();
        using var ui = new HttpClient { BaseAddress = app.Ui };
        using var otlp = new HttpClient { BaseAddress = app.OtlpHttp };
        (await ui.PostAsync("/api/profiling/local/Process/checkout", null)).EnsureSuccessStatusCode();
        await ui.PutAsync("/api/sources/local/Process/checkout", null);

        var latencies = new List<double>();
        for (var i = 0; i < rounds; i++)
        {
            var marker = $"marker_{i}";
            var body = population.Report("checkout", 200, random, (ulong)DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000, marker).ToByteArray();
            var clock = Stopwatch.StartNew();
            using var content = new ByteArrayContent(body);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
            (await otlp.PostAsync("/v1development/profiles", content)).EnsureSuccessStatusCode();
            while (true)
            {
                var folded = await ui.GetStringAsync("/api/profiling/local/Process/checkout/flamegraph?format=folded&window=1m");
                if (folded.Contains(";" + marker + " ", StringComparison.Ordinal))
                {
                    break;
                }

                if (clock.Elapsed > TimeSpan.FromSeconds(10))
                {
                    throw new TimeoutException($"{marker} did not show up in the flame graph within 10 s");
                }
            }

            latencies.Add(clock.Elapsed.TotalMilliseconds);
        }

        latencies.Sort();
        double P(double q) => latencies[(int)Math.Min(latencies.Count - 1, Math.Ceiling(q * latencies.Count) - 1)];
        Console.WriteLine($"## Arrival to flame graph ({rounds} reports of 200 samples, marker frame polled via the REST flame graph)");
        Console.WriteLine();
        Console.WriteLine("| p50 | p95 | max |");
        Console.WriteLine("|---:|---:|---:|");
        Console.WriteLine($"| {P(0.50):F1} ms | {P(0.95):F1} ms | {latencies[^1]:F1} ms |");
    }
}
