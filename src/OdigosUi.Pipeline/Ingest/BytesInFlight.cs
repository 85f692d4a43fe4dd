namespace OdigosUi.Pipeline.Ingest;

/// <summary>
/// The bytes every receiver holds at once for requests being read, decompressed, parsed and handed on
/// (<c>Otlp:MaxBytesInFlight</c>), as the OpenTelemetry Collector's memory_limiter bounds a pipeline: a request is
/// admitted by the buffers it actually fills, so one that does not fit is refused as saturated and retried later.
/// </summary>
public sealed class BytesInFlight(long limit)
{
    private long _used;

    public long Limit { get; } = limit;

    public long Used => Interlocked.Read(ref _used);

    /// <summary>A reservation for one request, grown as its buffers grow and given back on dispose.</summary>
    public Lease Open() => new(this);

    private bool TryReserve(long bytes)
    {
        var used = Interlocked.Read(ref _used);
        while (true)
        {
            if (used + bytes > Limit)
            {
                return false;
            }

            var seen = Interlocked.CompareExchange(ref _used, used + bytes, used);
            if (seen == used)
            {
                return true;
            }

            used = seen;
        }
    }

    public sealed class Lease : IDisposable
    {
        private readonly BytesInFlight _owner;
        private long _held;

        internal Lease(BytesInFlight owner) => _owner = owner;

        public long Held => _held;

        /// <summary>Reserves <paramref name="bytes"/> more for this request; false (nothing reserved) when they do not fit.</summary>
        public bool TryAdd(long bytes)
        {
            if (bytes <= 0)
            {
                _held += bytes;
                _owner.Release(-bytes);
                return true;
            }

            if (!_owner.TryReserve(bytes))
            {
                return false;
            }

            _held += bytes;
            return true;
        }

        public void Dispose()
        {
            _owner.Release(_held);
            _held = 0;
        }
    }

    private void Release(long bytes) => Interlocked.Add(ref _used, -bytes);
}
