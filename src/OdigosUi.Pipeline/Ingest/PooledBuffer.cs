using System.Buffers;

namespace OdigosUi.Pipeline.Ingest;

/// <summary>How reading a body into a <see cref="PooledBuffer"/> ended.</summary>
internal enum ReadOutcome
{
    Complete,
    TooLarge,

    /// <summary>The buffer had to grow and its <see cref="BytesInFlight.Lease"/> could not take more.</summary>
    OverBudget,
}

/// <summary>
/// A growable byte buffer rented from <see cref="ArrayPool{T}.Shared"/> that never grows past a limit:
/// a body or a decompressed payload is held without a copy per read and returned to the pool on dispose. With a
/// lease, every array it holds is reserved in the receivers' <see cref="BytesInFlight"/> first.
/// </summary>
internal sealed class PooledBuffer : IDisposable
{
    private readonly BytesInFlight.Lease? _lease;
    private byte[] _array = [];

    public PooledBuffer(int initialCapacity)
    {
        _array = ArrayPool<byte>.Shared.Rent(Math.Max(initialCapacity, 256));
    }

    private PooledBuffer(BytesInFlight.Lease lease) => _lease = lease;

    /// <summary>A buffer whose arrays are reserved in <paramref name="lease"/>; null when the first one does not fit.</summary>
    public static PooledBuffer? TryCreate(int initialCapacity, BytesInFlight.Lease lease)
    {
        var buffer = new PooledBuffer(lease);
        return buffer.TryReplace(ArrayPool<byte>.Shared.Rent(Math.Max(initialCapacity, 256))) ? buffer : null;
    }

    public int Length { get; private set; }

    /// <summary>True once the buffer could not grow because its lease could not take more bytes.</summary>
    public bool OverBudget { get; private set; }

    public ReadOnlyMemory<byte> Memory => _array.AsMemory(0, Length);

    /// <summary>
    /// Space to write at least one byte into, growing (doubling, at most to <paramref name="limit"/> + 1 bytes) when
    /// full; empty (and <see cref="OverBudget"/> set) when the lease cannot take the larger array.
    /// </summary>
    public Memory<byte> GetFreeSpace(long limit)
    {
        if (Length == _array.Length)
        {
            var size = (int)Math.Min(Math.Max((long)_array.Length * 2, 4096), Math.Min(limit + 1, Array.MaxLength));
            if (size <= _array.Length)
            {
                size = _array.Length + 1;
            }

            if (!TryReplace(ArrayPool<byte>.Shared.Rent(size)))
            {
                OverBudget = true;
                return Memory<byte>.Empty;
            }
        }

        return _array.AsMemory(Length);
    }

    /// <summary>Moves the content into <paramref name="bigger"/> when the lease can take it; returns it to the pool otherwise.</summary>
    private bool TryReplace(byte[] bigger)
    {
        if (_lease is not null && !_lease.TryAdd(bigger.Length - (long)_array.Length))
        {
            ArrayPool<byte>.Shared.Return(bigger);
            return false;
        }

        _array.AsSpan(0, Length).CopyTo(bigger);
        if (_array.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_array);
        }

        _array = bigger;
        return true;
    }

    public void Advance(int count) => Length += count;

    /// <summary>
    /// Reads <paramref name="source"/> to its end; stops (with the part read so far kept) as soon as more than
    /// <paramref name="limit"/> bytes arrive, so no more than limit + one read is ever buffered, or when the buffer
    /// cannot grow within its lease.
    /// </summary>
    public async ValueTask<ReadOutcome> ReadToEndAsync(Stream source, long limit, CancellationToken cancellationToken)
    {
        while (true)
        {
            if (Length == _array.Length)
            {
                // Full, typically because the declared length was exact: see whether anything follows before
                // growing (and copying) the buffer for it.
                var probe = new byte[1];
                if (await source.ReadAsync(probe, cancellationToken).ConfigureAwait(false) == 0)
                {
                    return ReadOutcome.Complete;
                }

                if (GetFreeSpace(limit).IsEmpty)
                {
                    return ReadOutcome.OverBudget;
                }

                _array[Length++] = probe[0];
                if (Length > limit)
                {
                    return ReadOutcome.TooLarge;
                }

                continue;
            }

            var space = GetFreeSpace(limit);
            if (space.Length > limit + 1 - Length)
            {
                space = space[..(int)(limit + 1 - Length)];
            }

            var read = await source.ReadAsync(space, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                return ReadOutcome.Complete;
            }

            Length += read;
            if (Length > limit)
            {
                return ReadOutcome.TooLarge;
            }
        }
    }

    public void Dispose()
    {
        var array = Interlocked.Exchange(ref _array, []);
        if (array.Length > 0)
        {
            // A lease keeps its bytes until the request is done: the parsed request takes the place of its body.
            ArrayPool<byte>.Shared.Return(array);
        }
    }
}
