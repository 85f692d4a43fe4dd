using System.Diagnostics.Metrics;
using System.Text;
using Google.Protobuf;
using Microsoft.Extensions.DependencyInjection;
using OdigosUi.Pipeline.Ingest;
using OdigosUi.Pipeline.Tests.Receivers;
using OdigosUi.Profiles.Formats.Otlp;
using OdigosUi.Profiles.Otlp.Collector;
using OdigosUi.Profiles.Otlp.Profiles;
using OdigosUi.TestSupport;

namespace OdigosUi.Pipeline.Tests.Ingest;

/// <summary>The transport-agnostic ingest path without any server.</summary>
public sealed class ProfilesIngestServiceTests : IDisposable
{
    private readonly RecordingConsumer _consumer = new();
    private readonly ServiceProvider _metricsProvider = new ServiceCollection().AddMetrics().BuildServiceProvider();

    private ProfilesIngestService Service(IngestOptions? options = null) =>
        new(_consumer, options ?? new IngestOptions(), _metricsProvider.GetRequiredService<IMeterFactory>());

    public void Dispose() => _metricsProvider.Dispose();

    [Fact]
    public async Task Accepts_protobuf_and_counts_profiles_and_samples()
    {
        using var service = Service();

        var result = await service.IngestAsync(TestRequests.TwoValid().ToByteArray(), IngestEncoding.Protobuf, gzip: false, CancellationToken.None);

        Assert.Equal(new IngestResult(IngestStatus.Accepted, 2, 0, 3, null), result);
        Assert.Equal(TestRequests.TwoValid(), Assert.Single(_consumer.Batches).Request);
    }

    [Fact]
    public async Task Accepts_gzip_json()
    {
        using var service = Service();
        var json = ReceiverTestHost.Gzip(Encoding.UTF8.GetBytes(OtlpJsonReader.Write(SyntheticPayloads.Small(3))));

        var result = await service.IngestAsync(json, IngestEncoding.Json, gzip: true, CancellationToken.None);

        Assert.Equal(IngestStatus.Accepted, result.Status);
        Assert.Equal(SyntheticPayloads.Small(3), Assert.Single(_consumer.Batches).Request);
    }

    [Fact]
    public async Task Removes_only_the_invalid_profile_from_a_scope_and_keeps_its_neighbours_in_order()
    {
        var b = new OtlpRequestBuilder();
        var first = b.Profile(new Dictionary<string, string> { ["service.name"] = "cart" });
        OtlpRequestBuilder.AddSample(first, b.StackOf("a", "main"), 1);
        var scope = b.Request.ResourceProfiles[0].ScopeProfiles[0];
        var bad = new Profile { SampleType = first.SampleType.Clone() };
        OtlpRequestBuilder.AddSample(bad, 12345, 1);
        var third = first.Clone();
        third.Samples[0].Values[0] = 9;
        scope.Profiles.Add(bad);
        scope.Profiles.Add(third);
        using var service = Service();

        var result = await service.IngestAsync(b.Request, "test", CancellationToken.None);

        Assert.Equal(IngestStatus.PartiallyAccepted, result.Status);
        Assert.Equal(2, result.AcceptedProfiles);
        Assert.Equal(1, result.RejectedProfiles);
        Assert.StartsWith("1 of 3 profiles rejected: resource_profiles[0].scope_profiles[0].profiles[1]", result.ErrorMessage, StringComparison.Ordinal);
        var batch = Assert.Single(_consumer.Batches);
        var kept = Assert.Single(Assert.Single(batch.Request.ResourceProfiles).ScopeProfiles).Profiles;
        Assert.Equal([first, third], kept);
        Assert.Equal([1L, 9L], batch.Profiles.Select(p => p.Profile.Samples[0].Values[0]));
    }

    [Fact]
    public async Task A_request_without_profiles_is_accepted_without_reaching_the_consumer()
    {
        using var service = Service();
        var request = new ExportProfilesServiceRequest { Dictionary = new OtlpRequestBuilder().Dictionary };

        var result = await service.IngestAsync(request.ToByteArray(), IngestEncoding.Protobuf, false, CancellationToken.None);

        Assert.Equal(new IngestResult(IngestStatus.Accepted, 0, 0, 0, null), result);
        Assert.Empty(_consumer.Batches);
    }

    [Fact]
    public async Task A_body_over_the_limit_is_too_large()
    {
        using var service = Service(new IngestOptions { MaxRequestBytes = 4096 });

        var result = await service.IngestAsync(new byte[4097], IngestEncoding.Protobuf, false, CancellationToken.None);

        Assert.Equal(IngestStatus.TooLarge, result.Status);
    }

    [Fact]
    public async Task A_declared_length_over_the_limit_is_too_large_without_reading_the_stream()
    {
        using var service = Service(new IngestOptions { MaxRequestBytes = 4096 });

        var result = await service.IngestAsync(new ThrowingStream(), 5000, IngestEncoding.Protobuf, false, "http", CancellationToken.None);

        Assert.Equal(IngestStatus.TooLarge, result.Status);
    }

    [Fact]
    public async Task A_stream_is_read_no_further_than_the_limit()
    {
        using var service = Service(new IngestOptions { MaxRequestBytes = 4096 });
        var stream = new CountingStream(new byte[1 << 20]);

        var result = await service.IngestAsync(stream, null, IngestEncoding.Protobuf, false, "http", CancellationToken.None);

        Assert.Equal(IngestStatus.TooLarge, result.Status);
        Assert.True(stream.Position <= 4097, $"read {stream.Position} bytes");
    }

    [Fact]
    public async Task A_gzip_bomb_is_too_large_under_the_default_limit()
    {
        using var service = Service();
        var bomb = ReceiverTestHost.Gzip(new byte[64 << 20]);

        var result = await service.IngestAsync(bomb, IngestEncoding.Protobuf, gzip: true, CancellationToken.None);

        Assert.Equal(IngestStatus.TooLarge, result.Status);
        Assert.Contains("16777216 bytes when decompressed", result.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Truncated_gzip_is_invalid()
    {
        using var service = Service();
        var gzip = ReceiverTestHost.Gzip(SyntheticPayloads.Small(1).ToByteArray());

        foreach (var cut in new[] { 1, 4, 8, gzip.Length / 2, gzip.Length - 3 })
        {
            var result = await service.IngestAsync(gzip[..^cut], IngestEncoding.Protobuf, gzip: true, CancellationToken.None);
            Assert.Equal(IngestStatus.Invalid, result.Status);
            Assert.StartsWith("corrupt gzip data", result.ErrorMessage, StringComparison.Ordinal);
        }

        Assert.Empty(_consumer.Batches);
    }

    [Fact]
    public async Task Requests_beyond_the_concurrency_limit_are_saturated_after_the_short_wait()
    {
        using var service = Service(new IngestOptions { MaxConcurrentRequests = 1, QueueWaitMilliseconds = 20 });
        _consumer.Hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var first = service.IngestAsync(TestRequests.TwoValid(), "test", CancellationToken.None).AsTask();
        await _consumer.Arrived.Task.WaitAsync(TimeSpan.FromSeconds(10));

        var second = await service.IngestAsync(TestRequests.TwoValid(), "test", CancellationToken.None);
        _consumer.Hold.SetResult();
        var firstResult = await first;
        var third = await service.IngestAsync(TestRequests.TwoValid(), "test", CancellationToken.None);

        Assert.Equal(IngestStatus.Saturated, second.Status);
        Assert.Contains("limit 1", second.ErrorMessage, StringComparison.Ordinal);
        Assert.True(second.Retryable);
        Assert.Equal(IngestStatus.Accepted, firstResult.Status);
        Assert.Equal(IngestStatus.Accepted, third.Status);
    }

    [Fact]
    public async Task A_saturated_consumer_makes_the_request_saturated_with_nothing_accepted()
    {
        using var service = Service();
        _consumer.Answer = ConsumeStatus.Saturated;

        var result = await service.IngestAsync(TestRequests.TwoValid(), "test", CancellationToken.None);

        Assert.Equal(IngestStatus.Saturated, result.Status);
        Assert.Equal(0, result.AcceptedProfiles);
        Assert.Equal(0, result.AcceptedSamples);
        Assert.Equal(0, service.Counters.ProfilesAccepted);
    }

    [Fact]
    public async Task After_shutdown_begins_requests_are_unavailable()
    {
        using var service = Service();
        service.BeginShutdown();

        var result = await service.IngestAsync(TestRequests.TwoValid().ToByteArray(), IngestEncoding.Protobuf, false, CancellationToken.None);

        Assert.Equal(IngestStatus.Unavailable, result.Status);
        Assert.True(result.Retryable);
        Assert.Empty(_consumer.Batches);
    }

    [Fact]
    public async Task Instruments_report_on_the_pipeline_meter_with_transport_tags()
    {
        using var service = Service();
        var measurements = new List<(string Name, long Value, Dictionary<string, object?> Tags)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter == service.Metrics.Meter)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            lock (measurements)
            {
                measurements.Add((instrument.Name, value, tags.ToArray().ToDictionary(t => t.Key, t => t.Value)));
            }
        });
        listener.Start();

        await service.IngestAsync(TestRequests.OneBadOfTwo(), CancellationToken.None);
        await service.IngestAsync("garbage"u8.ToArray(), IngestEncoding.Protobuf, false, CancellationToken.None);
        _consumer.Answer = ConsumeStatus.Saturated;
        await service.IngestAsync(TestRequests.TwoValid(), CancellationToken.None);

        Assert.Equal("OdigosUi.Pipeline", service.Metrics.Meter.Name);
        long Sum(string name, string transport, string? outcome = null) => measurements
            .Where(m => m.Name == name && Equals(m.Tags["transport"], transport) && (outcome is null || Equals(m.Tags["outcome"], outcome)))
            .Sum(m => m.Value);
        Assert.Equal(1, Sum("odigos_ui.receiver.requests", "grpc", "partially_accepted"));
        Assert.Equal(1, Sum("odigos_ui.receiver.requests", "http", "invalid"));
        Assert.Equal(1, Sum("odigos_ui.receiver.requests", "grpc", "saturated"));
        Assert.Equal(1, Sum("odigos_ui.receiver.requests_saturated", "grpc"));
        Assert.Equal(1, Sum("odigos_ui.receiver.profiles_accepted", "grpc"));
        Assert.Equal(1, Sum("odigos_ui.receiver.profiles_rejected", "grpc"));
        Assert.Equal(2, Sum("odigos_ui.receiver.samples_accepted", "grpc"));
        Assert.Equal(7, Sum("odigos_ui.receiver.request_bytes", "http"));
    }

    [Fact]
    public void Invalid_options_are_refused()
    {
        Assert.Throws<ArgumentException>(() => Service(new IngestOptions { MaxConcurrentRequests = 0 }));
        Assert.Throws<ArgumentException>(() => Service(new IngestOptions { MaxRequestBytes = 2L << 30 }));
    }

    private sealed class ThrowingStream : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => 0; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new InvalidOperationException("must not be read");
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    private sealed class CountingStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}

/// <summary>Damaged payloads never make the ingest path throw: every outcome is a result, never a server error.</summary>
public sealed class ProfilesIngestFuzzTests
{
    private static readonly IngestStatus[] Allowed = [IngestStatus.Accepted, IngestStatus.PartiallyAccepted, IngestStatus.Invalid, IngestStatus.TooLarge];

    [Theory]
    [InlineData(IngestEncoding.Protobuf, false)]
    [InlineData(IngestEncoding.Protobuf, true)]
    [InlineData(IngestEncoding.Json, false)]
    public async Task Mutated_payloads_are_results_not_exceptions(IngestEncoding encoding, bool gzip)
    {
        var consumer = new RecordingConsumer();
        using var service = new ProfilesIngestService(consumer, new IngestOptions { MaxRequestBytes = 4 << 20 });
        var request = SyntheticPayloads.Small(5);
        var original = encoding == IngestEncoding.Json ? Encoding.UTF8.GetBytes(OtlpJsonReader.Write(request)) : request.ToByteArray();
        var random = new Random(1234);
        var seen = new HashSet<IngestStatus>();

        var iterations = encoding == IngestEncoding.Json ? 150 : 600;
        for (var i = 0; i < iterations; i++)
        {
            var bytes = (byte[])original.Clone();
            var flips = 1 + random.Next(4);
            for (var f = 0; f < flips; f++)
            {
                var at = random.Next(bytes.Length);
                bytes[at] = encoding == IngestEncoding.Json
                    ? (byte)"0123456789-\"{}[],:.eE tfnul"[random.Next(27)]
                    : (byte)random.Next(256);
            }

            if (random.Next(10) == 0)
            {
                bytes = bytes[..random.Next(bytes.Length)];
            }

            var body = gzip ? ReceiverTestHost.Gzip(bytes) : bytes;
            var result = await service.IngestAsync(body, encoding, gzip, CancellationToken.None);
            Assert.Contains(result.Status, Allowed);
            Assert.DoesNotContain('\n', result.ErrorMessage ?? "");
            seen.Add(result.Status);
        }

        Assert.Contains(IngestStatus.Invalid, seen);
    }
}

public sealed class PooledBufferTests
{
    [Theory]
    [InlineData(0, 100)]
    [InlineData(1024, 4096)]
    [InlineData(4096, 4096)]
    [InlineData(5000, 100_000)]
    public async Task Reads_a_stream_of_any_length_up_to_the_limit(int length, int limit)
    {
        var bytes = Enumerable.Range(0, length).Select(i => (byte)i).ToArray();
        using var buffer = new PooledBuffer(length);

        Assert.Equal(ReadOutcome.Complete, await buffer.ReadToEndAsync(new MemoryStream(bytes), limit, CancellationToken.None));
        Assert.Equal(bytes, buffer.Memory.ToArray());
    }

    [Theory]
    [InlineData(4096, 4095)]
    [InlineData(1024, 1023)]
    [InlineData(100_000, 5000)]
    public async Task Stops_one_byte_past_the_limit(int length, int limit)
    {
        var stream = new MemoryStream(new byte[length]);
        using var buffer = new PooledBuffer(limit);

        Assert.Equal(ReadOutcome.TooLarge, await buffer.ReadToEndAsync(stream, limit, CancellationToken.None));
        Assert.Equal(limit + 1, buffer.Length);
        Assert.Equal(limit + 1, stream.Position);
    }
}
