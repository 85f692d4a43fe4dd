using System.IO.Compression;
using System.Net;
using System.Text.Json;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using OdigosUi.Hosting;
using OdigosUi.Pipeline.Receivers;
using OdigosUi.Profiles.Conversion;
using OdigosUi.Tests.Infrastructure;
using OdigosUi.TestSupport;

namespace OdigosUi.Tests.Live;

/// <summary><c>POST /api/profiles/view</c> on the real app: files in, flamebearer JSON or a 4xx with the reason out.</summary>
public sealed class ProfileImportTests : IAsyncLifetime
{
    private const int MaxBytes = 256 * 1024;
    private const int MaxDecompressedBytes = 4 * 1024 * 1024;
    private WebApplication _app = null!;
    private HttpClient _ui = null!;

    public async Task InitializeAsync()
    {
        _app = OdigosUiHost.Build(TestArgs.With("--Ui:Url=http://127.0.0.1:0",
            $"--Profiling:Ui:ImportMaxBytes={MaxBytes}", $"--Profiling:Ui:ImportMaxDecompressedBytes={MaxDecompressedBytes}"));
        await _app.StartAsync();
        _ui = new HttpClient { BaseAddress = _app.Services.GetRequiredService<ReceiverEndpointAddresses>().Ui.Single(), Timeout = TimeSpan.FromSeconds(20) };
    }

    public async Task DisposeAsync()
    {
        _ui.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task<(HttpStatusCode Status, string Body)> PostAsync(byte[] body, string query = "")
    {
        // As the flame graph page sends a file (the import refuses the content types a page of another site could send).
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/octet-stream");
        using var response = await _ui.PostAsync("/api/profiles/view" + query, content);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.SmallestSize))
        {
            gzip.Write(data);
        }

        return output.ToArray();
    }

    [Fact]
    public async Task A_pprof_or_otlp_file_comes_back_as_its_flamebearer()
    {
        var otlp = SyntheticPayloads.Large(services: 2, uniqueStacks: 300, totalSamples: 4_000, seed: 5).ToByteArray();
        var expected = ProfileConverter.Convert(otlp, OutputFormat.Flamebearer, null).Output;
        var pprof = ProfileConverter.Convert(otlp, OutputFormat.Pprof, null).Output;
        var expectedTotal = ReferenceFolded.Total(System.Text.Encoding.UTF8.GetString(ProfileConverter.Convert(otlp, OutputFormat.Folded, null).Output));

        foreach (var file in new[] { pprof, otlp, Gzip(otlp) })
        {
            var (status, body) = await PostAsync(file);
            Assert.Equal(HttpStatusCode.OK, status);
            using var json = JsonDocument.Parse(body);
            var flamebearer = json.RootElement.GetProperty("flamebearer");
            Assert.Equal(expectedTotal, flamebearer.GetProperty("numTicks").GetInt64());
            using var reference = JsonDocument.Parse(expected);
            Assert.Equal(reference.RootElement.GetProperty("flamebearer").GetRawText(), flamebearer.GetRawText());
        }

        var (typed, _) = await PostAsync(otlp, "?profileType=samples:count:cpu:nanoseconds");
        Assert.Equal(HttpStatusCode.OK, typed);
    }

    [Fact]
    public async Task Garbage_gets_400_with_the_reason()
    {
        var otlp = SyntheticPayloads.Small(2).ToByteArray();
        var cases = new (byte[] Body, string Query, string Reason)[]
        {
            ("hello, this is not a profile"u8.ToArray(), "", "not an OTLP profiles request"),
            ("{\"resourceProfiles\": 3}"u8.ToArray(), "", ""),
            ([], "", "empty"),
            (otlp, "?profileType=cpu", "profileType 'cpu'"),
            (otlp, "?profileType=alloc_space:bytes:space:bytes", "not in the input"),
            (Gzip(otlp)[..20], "", "gzip"),
            (Gzip(Gzip(Gzip(Gzip(otlp)))), "", "gzip-compressed more than 3 times"),
        };

        foreach (var (body, query, reason) in cases)
        {
            var (status, text) = await PostAsync(body, query);
            Assert.Equal(HttpStatusCode.BadRequest, status);
            Assert.Contains(reason, text);
        }

        // Random and truncated inputs: always a 4xx, never a 500.
        var random = new Random(3);
        var pprof = ProfileConverter.Convert(otlp, OutputFormat.Pprof, null).Output;
        for (var i = 0; i < 30; i++)
        {
            var noise = new byte[random.Next(1, 2000)];
            random.NextBytes(noise);
            var cut = i % 2 == 0 ? noise : pprof[..random.Next(1, pprof.Length)];
            var (status, _) = await PostAsync(cut);
            Assert.True(status is HttpStatusCode.BadRequest or HttpStatusCode.OK, $"case {i}: {status}");
        }
    }

    [Fact]
    public async Task Files_over_the_limits_get_413_with_the_limit()
    {
        var (large, text) = await PostAsync(new byte[MaxBytes + 1]);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, large);
        Assert.Contains("Profiling:Ui:ImportMaxBytes", text);

        var bomb = Gzip(new byte[MaxDecompressedBytes + 1]);
        Assert.True(bomb.Length < MaxBytes);
        var (expanded, reason) = await PostAsync(bomb);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, expanded);
        Assert.Contains("Profiling:Ui:ImportMaxDecompressedBytes", reason);

        // Without a Content-Length (chunked) the limit still holds.
        using var chunked = new StreamContent(new MemoryStream(new byte[MaxBytes * 2]));
        chunked.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/octet-stream");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/profiles/view") { Content = chunked };
        request.Headers.TransferEncodingChunked = true;
        using var response = await _ui.SendAsync(request);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }
}
