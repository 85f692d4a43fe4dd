using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Threading.Channels;
using Google.Protobuf;
using OdigosUi.Profiles.Otlp.Collector;
using OdigosUi.TestSupport;

namespace OdigosUi.LoadTest;

/// <summary>
/// The wide-frame flood against the real app under a 512 MiB GC heap limit: one Source's slot is flooded over OTLP/HTTP
/// with payloads of 50,000 frames it has never seen (about 6 MB each) while a second Source sends normal reports.
/// Reports peak RSS, the flooded slot's bytes against its budget, samples accepted and dropped, and whether every
/// sample the receiver accepted from the other Source is in its slot.
/// </summary>
public static class SlotFloodScenario
{
    private const long HeapHardLimit = 0x20000000;

    public static async Task<int> RunAsync(TimeSpan duration, long slotMaxBytes = 8L << 20)
    {
        await using var app = await AppProcess.StartAsync(
            new Dictionary<string, string> { ["DOTNET_GCHeapHardLimit"] = "0x" + HeapHardLimit.ToString("x", CultureInfo.InvariantCulture) },
            $"--Profiling:Ui:SlotMaxBytes={slotMaxBytes}");
        using var ui = new HttpClient { BaseAddress = app.Ui, Timeout = TimeSpan.FromSeconds(60) };
        using var otlp = new HttpClient { BaseAddress = app.OtlpHttp, Timeout = TimeSpan.FromSeconds(120) };
        foreach (var name in new[] { "flooded", "steady" })
        {
            (await ui.PostAsync($"/api/profiling/local/Process/{name}", null)).EnsureSuccessStatusCode();
        }

        using var stop = new CancellationTokenSource(duration);
        var flood = FloodAsync(otlp, stop.Token);
        var steady = SteadyAsync(otlp, stop.Token);
        long peakRss = 0;
        var sampled = new List<long>();
        while (!stop.IsCancellationRequested)
        {
            var (rss, peak) = app.Memory();
            sampled.Add(rss);
            peakRss = Math.Max(peakRss, peak);
            try
            {
                await Task.Delay(500, stop.Token);
            }
            catch (OperationCanceledException)
            {
            }
        }

        var (floodPayloads, floodFrames, floodStatuses) = await flood;
        var (steadyAccepted, steadyRetried) = await steady;
        peakRss = Math.Max(peakRss, app.Memory().Peak);

        using var slots = JsonDocument.Parse(await ui.GetStringAsync("/api/profiling/slots"));
        JsonElement Slot(string name) => slots.RootElement.GetProperty("slots").EnumerateArray().Single(s => s.GetProperty("source").GetString() == $"local/Process/{name}");
        var flooded = Slot("flooded");
        var slotBytes = flooded.GetProperty("estimatedBytes").GetInt64();
        var accepted = flooded.GetProperty("sampleCount").GetInt64();
        var dropped = flooded.GetProperty("droppedSamples").GetInt64();
        var steadyInSlot = ReferenceFolded.Total(await ui.GetStringAsync("/api/profiling/local/Process/steady/flamegraph?format=folded"));
        var floodKnown = (await ui.GetStringAsync("/api/profiling/local/Process/flooded/flamegraph?format=folded"))
            .Split('\n').FirstOrDefault(l => l.StartsWith(FloodPayloads.KnownFolded + " ", StringComparison.Ordinal)) ?? "(missing)";
        var healthy = (await ui.GetAsync("/healthz")).StatusCode == HttpStatusCode.OK;

        const double MiB = 1 << 20;
        var withinBudget = slotBytes <= slotMaxBytes * 1.1;
        var rssOk = peakRss <= 640 * MiB;
        var nothingLost = steadyInSlot == steadyAccepted;
        Console.WriteLine($"## Slot flood: {duration.TotalSeconds:F0} s of 50,000 new frames per payload into one {slotMaxBytes / MiB:F0} MiB slot, DOTNET_GCHeapHardLimit=512 MiB");
        Console.WriteLine();
        Console.WriteLine("| figure | value |");
        Console.WriteLine("|---|---:|");
        Console.WriteLine($"| flood payloads sent (HTTP status: count) | {floodPayloads:N0} ({string.Join(", ", floodStatuses.OrderBy(s => s.Key).Select(s => $"{s.Key}: {s.Value}"))}) |");
        Console.WriteLine($"| new frames sent to the flooded slot | {floodFrames:N0} |");
        Console.WriteLine($"| peak RSS (VmHWM) | {peakRss / MiB:F0} MiB |");
        Console.WriteLine($"| RSS at the end / median over the run | {sampled.LastOrDefault() / MiB:F0} MiB / {Median(sampled) / MiB:F0} MiB |");
        Console.WriteLine($"| flooded slot: accounted bytes / budget | {slotBytes:N0} / {slotMaxBytes:N0} ({100.0 * slotBytes / slotMaxBytes:F1}%) |");
        Console.WriteLine($"| flooded slot: samples kept / dropped | {accepted:N0} / {dropped:N0} |");
        Console.WriteLine($"| flooded slot: the known stack, one sample per payload | `{floodKnown}` |");
        Console.WriteLine($"| other Source: samples accepted by the receiver / in its slot | {steadyAccepted:N0} / {steadyInSlot:N0} ({steadyRetried:N0} retried after 429/503) |");
        Console.WriteLine($"| app healthy after | {(healthy ? "yes" : "no")} |");
        Console.WriteLine();
        Console.WriteLine($"Goals: RSS under 640 MiB: {(rssOk ? "met" : "NOT met")}; slot within 10% of its budget: {(withinBudget ? "met" : "NOT met")}; nothing accepted lost from the other Source: {(nothingLost ? "met" : "NOT met")}.");
        return rssOk && withinBudget && nothingLost && healthy ? 0 : 1;
    }

    private static async Task<(long Payloads, long Frames, Dictionary<int, int> Statuses)> FloodAsync(HttpClient otlp, CancellationToken stop)
    {
        const int Stacks = 5_000;
        const int Depth = 10;
        var payloads = Channel.CreateBounded<byte[]>(2);
        var generator = Task.Run(async () =>
        {
            try
            {
                for (var round = 0; !stop.IsCancellationRequested; round++)
                {
                    await payloads.Writer.WriteAsync(FloodPayloads.Request(FloodPayloads.Process("flooded"), round, Stacks, Depth).ToByteArray(), stop);
                }
            }
            catch (OperationCanceledException)
            {
            }
            finally
            {
                payloads.Writer.TryComplete();
            }
        });

        long sent = 0;
        Dictionary<int, int> statuses = [];
        await foreach (var body in payloads.Reader.ReadAllAsync())
        {
            if (stop.IsCancellationRequested)
            {
                break;
            }

            try
            {
                using var response = await otlp.PostAsync("/v1development/profiles", Protobuf(body), stop);
                var code = (int)response.StatusCode;
                statuses[code] = statuses.GetValueOrDefault(code) + 1;
                sent++;
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        await generator;
        return (sent, sent * Stacks * Depth, statuses);
    }

    /// <summary>200 samples every 100 ms; a 429 or 503 is retried after its Retry-After, as an OTLP exporter does.</summary>
    private static async Task<(long Accepted, long Retried)> SteadyAsync(HttpClient otlp, CancellationToken stop)
    {
        const int Samples = 200;
        var body = FloodPayloads.Normal(FloodPayloads.Process("steady"), Samples).ToByteArray();
        long accepted = 0, retried = 0;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                while (true)
                {
                    // Not cancelled by the run's end: a report in flight is finished, so what is accepted is known.
                    using var response = await otlp.PostAsync("/v1development/profiles", Protobuf(body), CancellationToken.None);
                    if (response.StatusCode == HttpStatusCode.OK)
                    {
                        accepted += Samples;
                        break;
                    }

                    if (response.StatusCode is not (HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable) || stop.IsCancellationRequested)
                    {
                        break;
                    }

                    retried++;
                    await Task.Delay(response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1), CancellationToken.None);
                }

                await Task.Delay(100, stop);
            }
            catch (OperationCanceledException)
            {
            }
        }

        return (accepted, retried);
    }

    private static ByteArrayContent Protobuf(byte[] body)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
        return content;
    }

    private static double Median(List<long> values) => values.Count == 0 ? 0 : values.Order().ElementAt(values.Count / 2);
}
