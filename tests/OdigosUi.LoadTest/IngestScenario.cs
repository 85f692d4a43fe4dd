using System.Diagnostics;
using System.IO.Compression;
using System.Net.Http.Headers;
using Google.Protobuf;
using OdigosUi.TestSupport;

namespace OdigosUi.LoadTest;

/// <summary>
/// Sustained OTLP/HTTP ingest from this process into the real app on loopback, at several sender counts:
/// requests/s, samples/s, MB/s (uncompressed protobuf), and the app's CPU and memory.
/// </summary>
public static class IngestScenario
{
    public static async Task RunAsync(int[] concurrencies, TimeSpan duration)
    {
        var request = SyntheticPayloads.Large();
        var body = request.ToByteArray();
        var gzipped = Gzip(body);
        const long samplesPerRequest = 400_000;

        await using var app = await AppProcess.StartAsync();
        using var ui = new HttpClient { BaseAddress = app.Ui };
        foreach (var resource in request.ResourceProfiles)
        {
            var dictionary = new OdigosUi.Profiles.Model.DictionaryView(request.Dictionary);
            var source = dictionary.SourceKey(resource.Resource);
            (await ui.PostAsync($"/api/profiling/{source.Namespace}/{source.Kind}/{source.Name}", null)).EnsureSuccessStatusCode();
            await ui.PutAsync($"/api/sources/{source.Namespace}/{source.Kind}/{source.Name}", null);
        }

        Console.WriteLine($"## OTLP/HTTP ingest: SyntheticPayloads.Large() ({body.Length:N0} B protobuf, {gzipped.Length:N0} B gzip, 400,000 samples, 20 Sources with open slots), {duration.TotalSeconds:F0} s per row");
        Console.WriteLine();
        Console.WriteLine("| senders | accepted requests/s | samples/s | MB/s (protobuf) | 429 (back-pressure) | other errors | app CPU (cores) | app RSS end / peak (MiB) |");
        Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var senders in concurrencies)
        {
            using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = senders }) { BaseAddress = app.OtlpHttp, Timeout = TimeSpan.FromSeconds(60) };
            long ok = 0, throttled = 0, errors = 0;
            var cpuBefore = app.CpuTime();
            var clock = Stopwatch.StartNew();
            var deadline = clock.Elapsed + duration;
            await Task.WhenAll(Enumerable.Range(0, senders).Select(async _ =>
            {
                while (clock.Elapsed < deadline)
                {
                    using var content = new ByteArrayContent(gzipped);
                    content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
                    content.Headers.ContentEncoding.Add("gzip");
                    using var response = await client.PostAsync("/v1development/profiles", content);
                    if (response.IsSuccessStatusCode)
                    {
                        Interlocked.Increment(ref ok);
                    }
                    else if (response.StatusCode == System.Net.HttpStatusCode.TooManyRequests)
                    {
                        Interlocked.Increment(ref throttled);
                    }
                    else
                    {
                        Interlocked.Increment(ref errors);
                    }
                }
            }));
            var seconds = clock.Elapsed.TotalSeconds;
            var cores = (app.CpuTime() - cpuBefore).TotalSeconds / seconds;
            var (rss, peak) = app.Memory();
            Console.WriteLine($"| {senders} | {ok / seconds:N1} | {ok * samplesPerRequest / seconds:N0} | {ok * body.Length / seconds / 1e6:N1} | {throttled} | {errors} | {cores:F2} | {rss / 1048576.0:N0} / {peak / 1048576.0:N0} |");
        }
    }

    private static byte[] Gzip(byte[] bytes)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest))
        {
            gzip.Write(bytes);
        }

        return output.ToArray();
    }
}
