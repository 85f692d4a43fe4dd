using Google.Protobuf;
using OdigosUi.Pipeline.Ingest;
using OdigosUi.Pipeline.Tests.Receivers;

namespace OdigosUi.Pipeline.Tests.Ingest;

public class BytesInFlightTests
{
    [Fact]
    public void Leases_take_what_fits_and_give_it_all_back_on_dispose()
    {
        var inFlight = new BytesInFlight(1000);
        using (var first = inFlight.Open())
        {
            Assert.True(first.TryAdd(600));
            using var second = inFlight.Open();
            Assert.False(second.TryAdd(500));
            Assert.True(second.TryAdd(400));
            Assert.Equal(1000, inFlight.Used);
            Assert.False(second.TryAdd(1));
        }

        Assert.Equal(0, inFlight.Used);
    }

    [Fact]
    public async Task A_request_that_does_not_fit_is_saturated_and_retryable_and_nothing_is_kept_held()
    {
        var consumer = new RecordingConsumer();
        using var service = new ProfilesIngestService(consumer, new IngestOptions { MaxRequestBytes = 64 << 10, MaxBytesInFlight = 128 << 10 });
        using var holder = service.InFlight.Open();
        Assert.True(holder.TryAdd((128 << 10) - 64));
        Assert.True(TestRequests.TwoValid().CalculateSize() > 64);

        var refused = await service.IngestAsync(TestRequests.TwoValid().ToByteArray(), IngestEncoding.Protobuf, gzip: false, CancellationToken.None);
        var streamed = await service.IngestAsync(new MemoryStream(TestRequests.TwoValid().ToByteArray()), null, IngestEncoding.Protobuf, false, "http", CancellationToken.None);

        Assert.Equal(IngestStatus.Saturated, refused.Status);
        Assert.True(refused.Retryable);
        Assert.Contains("Otlp:MaxBytesInFlight", refused.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal(IngestStatus.Saturated, streamed.Status);
        Assert.Empty(consumer.Batches);
        holder.Dispose();

        var accepted = await service.IngestAsync(TestRequests.TwoValid().ToByteArray(), IngestEncoding.Protobuf, gzip: false, CancellationToken.None);
        Assert.Equal(IngestStatus.Accepted, accepted.Status);
        Assert.Equal(0, service.InFlight.Used);
    }

    [Fact]
    public async Task A_body_that_does_not_arrive_within_the_deadline_is_timed_out_without_a_decoding_slot()
    {
        var consumer = new RecordingConsumer();
        using var service = new ProfilesIngestService(consumer, new IngestOptions { BodyReadTimeoutSeconds = 1, MaxConcurrentRequests = 1 });

        var result = await service.IngestAsync(new NeverEndingStream(), 1000, IngestEncoding.Protobuf, false, "http", CancellationToken.None);

        Assert.Equal(IngestStatus.TimedOut, result.Status);
        Assert.Equal(0, service.InFlight.Used);
        Assert.Equal(IngestStatus.Accepted, (await service.IngestAsync(TestRequests.TwoValid(), "test", CancellationToken.None)).Status);
    }

    [Fact]
    public void The_bytes_in_flight_must_hold_a_gzip_body_and_what_it_expands_to()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            new ProfilesIngestService(new RecordingConsumer(), new IngestOptions { MaxRequestBytes = 16 << 20, MaxBytesInFlight = 16 << 20 }));
        Assert.Contains("Otlp:MaxBytesInFlight", error.Message, StringComparison.Ordinal);
        Assert.Equal(256L << 20, new IngestOptions { MaxRequestBytes = 64 << 20 }.MaxBytesInFlight);
    }

    /// <summary>A body whose first bytes never come.</summary>
    private sealed class NeverEndingStream : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => 0; set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
            return 0;
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
