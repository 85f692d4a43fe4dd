using System.Buffers;

namespace OdigosUi.Pipeline.Ingest;

/// <summary>
/// A growable byte buffer rented from <see cref="ArrayPool{T}.Shared"/> that never grows past a limit:
/// a body or a decompressed payload is held without a copy per read and returned to the pool on dispose.
/// </summary>
internal sealed class PooledBuffer : IDisposable
{
    private byte[] _array;

    public PooledBuffer(int initialCapacity)
    {
        _array = ArrayPool<byte>.Shared.Rent(Math.Max(initialCapacity, 256));
    }

    public int Length { get; private set; }

    public ReadOnlyMemory<byte> Memory => _array.AsMemory(0, Length);

    /// <summary>Space to write at least one byte into, growing (doubling, at most to <paramref name="limit"/> + 1 bytes) when full.</summary>
    public Memory<byte> GetFreeSpace(long limit)
    {
        if (Length == _array.Length)
        {
            var size = (int)Math.Min(Math.Max((long)_array.Length * 2, 4096), Math.Min(limit + 1, Array.MaxLength));
            if (size <= _array.Length)
            {
                size = _array.Length + 1;
            }

            var bigger = ArrayPool<byte>.Shared.Rent(size);
            _array.AsSpan(0, Length).CopyTo(bigger);
            ArrayPool<byte>.Shared.Return(_array);
            _array = bigger;
        }

        return _array.AsMemory(Length);
    }

    public void Advance(int count) => Length += count;

    /// <summary>
    /// Reads <paramref name="source"/> to its end; false (with the part read so far kept) as soon as more than
    /// <paramref name="limit"/> bytes arrive, so no more than limit + one read is ever buffered.
    /// </summary>
    public async ValueTask<bool> ReadToEndAsync(Stream source, long limit, CancellationToken cancellationToken)
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
                    return true;
                }

                GetFreeSpace(limit);
                _array[Length++] = probe[0];
                if (Length > limit)
                {
                    return false;
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
                return true;
            }

            Length += read;
            if (Length > limit)
            {
                return false;
            }
        }
    }

    public void Dispose()
    {
        var array = Interlocked.Exchange(ref _array, []);
        if (array.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(array);
        }
    }
}
