using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using OdigosUi.Hosting;
using OdigosUi.Pipeline.Ingest;
using OdigosUi.Pipeline.Receivers;
using OdigosUi.Profiles.Otlp.Collector;
using OdigosUi.Tests.Infrastructure;
using OdigosUi.TestSupport;

namespace OdigosUi.Tests.Hosting;

/// <summary>
/// The attacks on memory through the receivers, against the real composition root on real Kestrel ports with
/// real HTTP, gRPC and TCP clients: the wide-frame flood, slow senders, more bytes in flight than allowed, a gRPC
/// message over the limit, protobuf and OTLP/JSON expansion bombs, and the <c>Ingest:Limits:*</c> settings.
/// </summary>
// Alone, after the parallel tests: one test bounds the whole process's allocation, others time slow senders.
[Collection(nameof(Security.SecurityHost))]
public sealed class ReceiverHardeningTests
{
    private const string ProfilesService = "opentelemetry.proto.collector.profiles.v1development.ProfilesService";

    private static readonly Method<byte[], byte[]> RawExport = new(
        MethodType.Unary, ProfilesService, "Export", Marshallers.Create(b => b, b => b), Marshallers.Create(b => b, b => b));

    [Fact]
    public async Task A_wide_frame_flood_keeps_the_slot_within_its_budget_and_known_stacks_still_count()
    {
        const long Budget = 1 << 20;
        await using var app = await TestApp.StartAsync($"--Profiling:Ui:SlotMaxBytes={Budget}");
        await app.OpenSlotAsync("flood");

        const int Rounds = 12;
        for (var round = 0; round < Rounds; round++)
        {
            using var response = await app.PostOtlpAsync(FloodPayloads.Request(FloodPayloads.Process("flood"), round, stacks: 2_000, depth: 10));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var slot = await app.SlotAsync("flood");
        var bytes = slot.GetProperty("estimatedBytes").GetInt64();
        Assert.InRange(bytes, Budget * 9 / 10, Budget);
        Assert.True(slot.GetProperty("full").GetBoolean());
        var dropped = slot.GetProperty("droppedSamples").GetInt64();
        Assert.InRange(dropped, 1, Rounds * 2_000);
        Assert.Equal(Rounds * 2_001L, slot.GetProperty("sampleCount").GetInt64() + dropped);
        Assert.Contains($"{FloodPayloads.KnownFolded} {Rounds}\n", await app.FoldedAsync("flood"), StringComparison.Ordinal);
        Assert.Contains("odigos_ui_slots_dropped_samples", await app.Ui.GetStringAsync("/metrics"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Slow_senders_do_not_keep_a_good_sender_out_and_are_disconnected()
    {
        await using var app = await TestApp.StartAsync("--Otlp:MaxConcurrentRequests=2", "--Otlp:QueueWaitMilliseconds=0");
        await app.OpenSlotAsync("good");
        using var stop = new CancellationTokenSource();

        // More slow senders than decoding slots, each declaring a body and sending one byte a second.
        var slow = Enumerable.Range(0, 8).Select(_ => new RawHttpRequest(app.OtlpHttp, 100_000)).ToList();
        var trickles = slow.Select(sender => sender.TrickleAsync(stop.Token)).ToList();
        await app.WaitForAsync(() => app.Ingest.InFlight.Used >= slow.Count * 64L * 1024, "the slow senders' bodies to be read");

        using (var good = await app.PostOtlpAsync(FloodPayloads.Normal(FloodPayloads.Process("good"), 100)))
        {
            Assert.Equal(HttpStatusCode.OK, good.StatusCode);
        }

        Assert.Equal(100, ReferenceFolded.Total(await app.FoldedAsync("good")));

        // Kestrel's minimum data rate (Otlp:MinRequestBodyBytesPerSecond, 5 s grace) ends every slow body.
        var ended = Task.WhenAll(trickles);
        Assert.Same(ended, await Task.WhenAny(ended, Task.Delay(TimeSpan.FromSeconds(90))));
        await stop.CancelAsync();
        await app.WaitForAsync(() => app.Ingest.InFlight.Used == 0, "the slow senders' bytes to be given back");
        slow.ForEach(sender => sender.Dispose());
    }

    [Fact]
    public async Task Over_the_bytes_in_flight_requests_are_429_and_resource_exhausted_and_admitted_ones_are_kept()
    {
        await using var app = await TestApp.StartAsync(
            "--Otlp:MaxRequestBytes=1048576", "--Otlp:MaxBytesInFlight=2097152", "--Otlp:MinRequestBodyBytesPerSecond=0", "--Otlp:BodyReadTimeoutSeconds=300");
        await app.OpenSlotAsync("held");
        await app.OpenSlotAsync("late");

        // Two senders hold most of their bodies (about 900 kB each) unfinished: the receivers' 2 MiB are taken.
        var body = FloodPayloads.Normal(FloodPayloads.Process("held"), 90_000).ToByteArray();
        Assert.InRange(body.Length, 600_000, 1_040_000);
        var holders = Enumerable.Range(0, 2).Select(_ => new RawHttpRequest(app.OtlpHttp, body.Length)).ToList();
        foreach (var holder in holders)
        {
            await holder.SendAsync(body.AsMemory(0, body.Length - 10));
        }

        await app.WaitForAsync(() => app.Ingest.InFlight.Used >= 2 * (1L << 20), "the held bodies to fill the bytes in flight");

        var late = FloodPayloads.Normal(FloodPayloads.Process("late"), 50);
        using (var refused = await app.PostOtlpAsync(late))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
            Assert.NotNull(refused.Headers.RetryAfter);
            Assert.Contains("Otlp:MaxBytesInFlight", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using var channel = GrpcChannel.ForAddress(app.OtlpGrpc);
        var grpc = new OdigosUi.Profiles.Otlp.Collector.ProfilesService.ProfilesServiceClient(channel);
        var exhausted = await Assert.ThrowsAsync<RpcException>(async () => await grpc.ExportAsync(late));
        Assert.Equal(StatusCode.ResourceExhausted, exhausted.StatusCode);
        Assert.NotNull(exhausted.Trailers.GetValueBytes("grpc-status-details-bin"));

        // Admission comes before parsing: garbage is refused as saturated, not as invalid, while the budget is spent.
        var garbage = await Assert.ThrowsAsync<RpcException>(async () =>
            await channel.CreateCallInvoker().AsyncUnaryCall(RawExport, null, new CallOptions(), Enumerable.Repeat((byte)0xFF, 1000).ToArray()));
        Assert.Equal(StatusCode.ResourceExhausted, garbage.StatusCode);

        foreach (var holder in holders)
        {
            await holder.SendAsync(body.AsMemory(body.Length - 10));
            Assert.Equal(200, await holder.ReadStatusAsync());
            holder.Dispose();
        }

        using (var retried = await app.PostOtlpAsync(late))
        {
            Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
        }

        await grpc.ExportAsync(late);
        Assert.Equal(2 * 90_000, ReferenceFolded.Total(await app.FoldedAsync("held")));
        Assert.Equal(100, ReferenceFolded.Total(await app.FoldedAsync("late")));
        Assert.Equal(0, app.Ingest.InFlight.Used);
    }

    [Fact]
    public async Task A_grpc_message_over_the_limit_is_refused_before_it_is_parsed()
    {
        await using var app = await TestApp.StartAsync("--Otlp:MaxRequestBytes=1048576");
        await app.OpenSlotAsync("after");
        using var channel = GrpcChannel.ForAddress(app.OtlpGrpc, new GrpcChannelOptions { MaxSendMessageSize = null });
        var invoker = channel.CreateCallInvoker();

        // Not protobuf at all: refused for its size alone, so nothing looked inside it.
        var oversize = await Assert.ThrowsAsync<RpcException>(async () =>
            await invoker.AsyncUnaryCall(RawExport, null, new CallOptions(), Enumerable.Repeat((byte)0xFF, 2 << 20).ToArray()));
        Assert.Equal(StatusCode.ResourceExhausted, oversize.StatusCode);

        // Under the limit the ingest service parses it (gRPC's own deserializer would fail with INTERNAL).
        var invalid = await Assert.ThrowsAsync<RpcException>(async () =>
            await invoker.AsyncUnaryCall(RawExport, null, new CallOptions(), Enumerable.Repeat((byte)0xFF, 1000).ToArray()));
        Assert.Equal(StatusCode.InvalidArgument, invalid.StatusCode);
        Assert.Contains("not an OTLP ExportProfilesServiceRequest", invalid.Status.Detail, StringComparison.Ordinal);

        var grpc = new OdigosUi.Profiles.Otlp.Collector.ProfilesService.ProfilesServiceClient(channel);
        await grpc.ExportAsync(FloodPayloads.Normal(FloodPayloads.Process("after"), 20));
        Assert.Equal(20, ReferenceFolded.Total(await app.FoldedAsync("after")));
        Assert.Equal(0, app.Ingest.InFlight.Used);
    }

    [Fact]
    public async Task A_protobuf_empty_message_bomb_is_refused_before_it_is_built_over_http_and_grpc()
    {
        await using var app = await TestApp.StartAsync();
        await app.OpenSlotAsync("after-bomb");

        // Just under 16 MiB of empty locations: 8 million, about 1 GB once parsed.
        var bomb = WireBombs.EmptyTableEntries(field: 2, count: (8 << 20) - 8);
        // Seven tables of 900,000 empty entries each: every table under Ingest:Limits:MaxTableEntries, still ~500 MB.
        var wide = Enumerable.Range(1, 7).SelectMany(field => WireBombs.EmptyTableEntries(field, 900_000)).ToArray();
        using var channel = GrpcChannel.ForAddress(app.OtlpGrpc, new GrpcChannelOptions { MaxSendMessageSize = null });
        var invoker = channel.CreateCallInvoker();
        var before = GC.GetTotalAllocatedBytes(precise: true);

        using (var refused = await app.PostOtlpAsync(bomb))
        {
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, refused.StatusCode);
            Assert.Contains("Ingest:Limits:MaxTableEntries", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using (var refused = await app.PostOtlpAsync(wide))
        {
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, refused.StatusCode);
            Assert.Contains("Otlp:MaxBytesInFlight", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        foreach (var body in new[] { bomb, wide })
        {
            var exhausted = await Assert.ThrowsAsync<RpcException>(async () =>
                await invoker.AsyncUnaryCall(RawExport, null, new CallOptions(), body));
            Assert.Equal(StatusCode.ResourceExhausted, exhausted.StatusCode);
        }

        // The four requests' bodies are about 60 MB on each side; parsing the first alone would allocate over 1 GB.
        Assert.InRange(GC.GetTotalAllocatedBytes(precise: true) - before, 0, 400L << 20);

        using (var accepted = await app.PostOtlpAsync(FloodPayloads.Normal(FloodPayloads.Process("after-bomb"), 30)))
        {
            Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        }

        await new OdigosUi.Profiles.Otlp.Collector.ProfilesService.ProfilesServiceClient(channel)
            .ExportAsync(FloodPayloads.Normal(FloodPayloads.Process("after-bomb"), 20));
        Assert.Equal(50, ReferenceFolded.Total(await app.FoldedAsync("after-bomb")));
        Assert.Equal(0, app.Ingest.InFlight.Used);
    }

    [Fact]
    public async Task An_otlp_json_body_over_Ingest_Limits_MaxJsonBytes_is_413_plain_and_gzipped()
    {
        await using var app = await TestApp.StartAsync("--Ingest:Limits:MaxJsonBytes=65536");
        await app.OpenSlotAsync("json");
        var large = Encoding.UTF8.GetBytes(OdigosUi.Profiles.Formats.Otlp.OtlpJsonReader.Write(FloodPayloads.Request(FloodPayloads.Process("json"), 0, stacks: 300, depth: 10)));
        Assert.InRange(large.Length, 65_537, 16 << 20);

        foreach (var gzip in new[] { false, true })
        {
            using var refused = await app.PostJsonAsync(large, gzip);
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, refused.StatusCode);
            Assert.Contains("Ingest:Limits:MaxJsonBytes", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        var small = Encoding.UTF8.GetBytes(OdigosUi.Profiles.Formats.Otlp.OtlpJsonReader.Write(FloodPayloads.Normal(FloodPayloads.Process("json"), 10)));
        using (var accepted = await app.PostJsonAsync(small, gzip: true))
        {
            Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        }

        Assert.Equal(10, ReferenceFolded.Total(await app.FoldedAsync("json")));
        Assert.Equal(0, app.Ingest.InFlight.Used);
    }

    [Fact]
    public async Task Ingest_Limits_MaxStackDepth_from_configuration_truncates_a_deep_stack_under_a_truncated_root()
    {
        await using var app = await TestApp.StartAsync("--Ingest:Limits:MaxStackDepth=16");
        await app.OpenSlotAsync("deep");
        var builder = new OtlpRequestBuilder();
        var profile = builder.Profile(FloodPayloads.Process("deep"));
        profile.TimeUnixNano = 0;
        OtlpRequestBuilder.AddSample(profile, builder.StackOf([.. Enumerable.Range(0, 50).Select(depth => $"frame{depth:D2}")]), 3);

        using (var accepted = await app.PostOtlpAsync(builder.Request))
        {
            Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        }

        var line = Assert.Single((await app.FoldedAsync("deep")).Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("[truncated];", line, StringComparison.Ordinal);
        Assert.EndsWith(";frame00 3", line, StringComparison.Ordinal);
        Assert.DoesNotContain("frame49", line, StringComparison.Ordinal);
        Assert.InRange(line.Split(';').Length, 15, 17);
    }

    [Fact]
    public async Task An_invalid_Ingest_Limits_value_stops_start_up_naming_the_key()
    {
        using StringWriter error = new();
        var exitCode = await OdigosUiHost.RunAsync(TestArgs.With(["--Ui:Url=http://127.0.0.1:0", "--Ingest:Limits:MaxStackDepth=1", "--Ingest:Limits:MaxTableEntries=0"]), error);
        Assert.Equal(1, exitCode);
        Assert.Contains("Ingest:Limits:MaxStackDepth: 1 is out of range", error.ToString(), StringComparison.Ordinal);
        Assert.Contains("Ingest:Limits:MaxTableEntries: 0 is out of range", error.ToString(), StringComparison.Ordinal);
    }

    /// <summary>The real app (role all) on port 0 with a UI client.</summary>
    private sealed class TestApp : IAsyncDisposable
    {
        private readonly WebApplication _app;

        private TestApp(WebApplication app)
        {
            _app = app;
            var addresses = app.Services.GetRequiredService<ReceiverEndpointAddresses>();
            OtlpHttp = addresses.Http!;
            OtlpGrpc = addresses.Grpc!;
            Ui = new HttpClient { BaseAddress = addresses.Ui.Single(), Timeout = TimeSpan.FromSeconds(60) };
            Otlp = new HttpClient { BaseAddress = OtlpHttp, Timeout = TimeSpan.FromSeconds(60) };
            Ingest = app.Services.GetRequiredService<ProfilesIngestService>();
        }

        public Uri OtlpHttp { get; }

        public Uri OtlpGrpc { get; }

        public HttpClient Ui { get; }

        public HttpClient Otlp { get; }

        public ProfilesIngestService Ingest { get; }

        public static async Task<TestApp> StartAsync(params string[] args)
        {
            var app = OdigosUiHost.Build(TestArgs.With(["--Ui:Url=http://127.0.0.1:0", .. args]));
            await app.StartAsync();
            return new TestApp(app);
        }

        public async Task OpenSlotAsync(string process)
        {
            using var response = await Ui.PostAsync($"/api/profiling/local/Process/{process}", null);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        public Task<HttpResponseMessage> PostOtlpAsync(ExportProfilesServiceRequest request)
        {
            var content = new ByteArrayContent(request.ToByteArray());
            content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
            return Otlp.PostAsync(OtlpHttpReceiver.Path, content);
        }

        public Task<HttpResponseMessage> PostOtlpAsync(byte[] body)
        {
            var content = new ByteArrayContent(body);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
            return Otlp.PostAsync(OtlpHttpReceiver.Path, content);
        }

        public Task<HttpResponseMessage> PostJsonAsync(byte[] json, bool gzip)
        {
            if (gzip)
            {
                using var compressed = new MemoryStream();
                using (var zip = new System.IO.Compression.GZipStream(compressed, System.IO.Compression.CompressionLevel.Fastest))
                {
                    zip.Write(json);
                }

                json = compressed.ToArray();
            }

            var content = new ByteArrayContent(json);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            if (gzip)
            {
                content.Headers.ContentEncoding.Add("gzip");
            }

            return Otlp.PostAsync(OtlpHttpReceiver.Path, content);
        }

        public async Task<JsonElement> SlotAsync(string process)
        {
            using var slots = JsonDocument.Parse(await Ui.GetStringAsync("/api/profiling/slots"));
            return slots.RootElement.GetProperty("slots").EnumerateArray()
                .Single(s => s.GetProperty("source").GetString() == $"local/Process/{process}").Clone();
        }

        public Task<string> FoldedAsync(string process) => Ui.GetStringAsync($"/api/profiling/local/Process/{process}/flamegraph?format=folded");

        public async Task WaitForAsync(Func<bool> condition, string what)
        {
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (!condition())
            {
                Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {what}");
                await Task.Delay(50);
            }
        }

        public async ValueTask DisposeAsync()
        {
            Ui.Dispose();
            Otlp.Dispose();
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }

    /// <summary>An OTLP/HTTP POST written by hand on a TCP connection, so its body can be held back or trickled.</summary>
    private sealed class RawHttpRequest : IDisposable
    {
        private readonly TcpClient _client = new();
        private readonly NetworkStream _stream;

        public RawHttpRequest(Uri endpoint, int contentLength)
        {
            _client.Connect(endpoint.Host, endpoint.Port);
            _stream = _client.GetStream();
            var head = $"POST {OtlpHttpReceiver.Path} HTTP/1.1\r\nHost: {endpoint.Authority}\r\nContent-Type: application/x-protobuf\r\nContent-Length: {contentLength}\r\n\r\n";
            _stream.Write(Encoding.ASCII.GetBytes(head));
        }

        public async Task SendAsync(ReadOnlyMemory<byte> bytes) => await _stream.WriteAsync(bytes);

        /// <summary>Sends a byte a second until the server answers or closes, or <paramref name="stop"/>.</summary>
        public async Task TrickleAsync(CancellationToken stop)
        {
            var answer = ReadStatusAsync();
            try
            {
                while (!answer.IsCompleted && !stop.IsCancellationRequested)
                {
                    await _stream.WriteAsync(new byte[] { 0x0a }, stop);
                    await Task.WhenAny(answer, Task.Delay(TimeSpan.FromSeconds(1), stop));
                }
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
                // Closed by the server (or the test is done).
            }
        }

        /// <summary>The status code of the response, or 0 when the server closed without one.</summary>
        public async Task<int> ReadStatusAsync()
        {
            var buffer = new byte[4096];
            var received = new StringBuilder();
            try
            {
                int read;
                while ((read = await _stream.ReadAsync(buffer)) > 0)
                {
                    received.Append(Encoding.ASCII.GetString(buffer, 0, read));
                    var text = received.ToString();
                    if (text.Contains("\r\n", StringComparison.Ordinal))
                    {
                        return int.Parse(text.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
                    }
                }
            }
            catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
            {
            }

            return 0;
        }

        public void Dispose()
        {
            _stream.Dispose();
            _client.Dispose();
        }
    }
}
