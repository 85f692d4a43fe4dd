using System.Runtime.InteropServices;

namespace OdigosUi.Profiler.Sampling;

/// <summary>One perf event fd and its mmap'ed ring buffer (one metadata page + 2^n data pages).</summary>
internal sealed unsafe class PerfRingBuffer : IDisposable
{
    private readonly int _fd;
    private readonly nint _base;
    private readonly nuint _length;
    private readonly byte* _data;
    private readonly ulong _dataSize;
    private byte[] _scratch = new byte[1024];
    private bool _disposed;

    public PerfRingBuffer(int fd, int dataPages)
    {
        _fd = fd;
        var pageSize = (nuint)Environment.SystemPageSize;
        _length = pageSize * (nuint)(1 + dataPages);
        _base = PerfNative.Mmap(0, _length, PerfNative.ProtRead | PerfNative.ProtWrite, PerfNative.MapShared, fd, 0);
        if (_base == PerfNative.MapFailed)
        {
            var errno = Marshal.GetLastPInvokeError();
            PerfNative.Close(fd);
            throw new ProfilerUnavailableException($"mmap of the perf ring buffer failed: {PerfNative.ErrnoName(errno)} (lower the buffer size or raise perf_event_mlock_kb)");
        }

        var page = Header;
        var offset = page->DataOffset != 0 ? page->DataOffset : pageSize;
        _dataSize = page->DataSize != 0 ? page->DataSize : pageSize * (nuint)dataPages;
        _data = (byte*)_base + offset;
    }

    private PerfEventMmapPage* Header => (PerfEventMmapPage*)_base;

    public void Enable() => PerfNative.Ioctl(_fd, PerfNative.IocEnable, 0);

    /// <summary>Reads every complete record; returns the number of lost samples reported by PERF_RECORD_LOST.</summary>
    public long Drain(PerfSampleCallback callback, ref long samples)
    {
        var header = Header;
        var head = Volatile.Read(ref header->DataHead);
        Interlocked.MemoryBarrier();
        var tail = header->DataTail;
        long lost = 0;
        while (tail < head)
        {
            var record = CopyRecord(tail, head, out var corrupt);
            if (corrupt)
            {
                tail = head;
                break;
            }

            if (record.IsEmpty)
            {
                break;
            }

            var type = MemoryMarshal.Read<uint>(record);
            if (type == PerfNative.RecordSample)
            {
                samples++;
                DispatchSample(record, callback);
            }
            else if (type == PerfNative.RecordLost && record.Length >= 24)
            {
                lost += (long)MemoryMarshal.Read<ulong>(record[16..]);
            }

            tail += (ulong)record.Length;
        }

        Interlocked.MemoryBarrier();
        Volatile.Write(ref header->DataTail, tail);
        return lost;
    }

    private ReadOnlySpan<byte> CopyRecord(ulong tail, ulong head, out bool corrupt)
    {
        var start = tail % _dataSize;
        var recordHeader = stackalloc byte[8];
        CopyOut(start, new Span<byte>(recordHeader, 8));
        var size = *(ushort*)(recordHeader + 6);
        corrupt = size < 8;
        if (corrupt || tail + size > head)
        {
            return default;
        }

        if (_scratch.Length < size)
        {
            _scratch = new byte[Math.Max(size, _scratch.Length * 2)];
        }

        var span = _scratch.AsSpan(0, size);
        CopyOut(start, span);
        return span;
    }

    private void CopyOut(ulong start, Span<byte> destination)
    {
        var first = (int)Math.Min((ulong)destination.Length, _dataSize - start);
        new ReadOnlySpan<byte>(_data + start, first).CopyTo(destination);
        if (first < destination.Length)
        {
            new ReadOnlySpan<byte>(_data, destination.Length - first).CopyTo(destination[first..]);
        }
    }

    // Layout for TID | TIME | CPU | CALLCHAIN: header, pid, tid, time, cpu, res, nr, ips[nr].
    private static void DispatchSample(ReadOnlySpan<byte> record, PerfSampleCallback callback)
    {
        if (record.Length < 40)
        {
            return;
        }

        var pid = MemoryMarshal.Read<int>(record[8..]);
        var tid = MemoryMarshal.Read<int>(record[12..]);
        var time = MemoryMarshal.Read<ulong>(record[16..]);
        var cpu = MemoryMarshal.Read<int>(record[24..]);
        var nr = MemoryMarshal.Read<ulong>(record[32..]);
        var available = (ulong)(record.Length - 40) / 8;
        var count = (int)Math.Min(nr, available);
        var ips = MemoryMarshal.Cast<byte, ulong>(record.Slice(40, count * 8));
        callback(new PerfSample(pid, tid, time, cpu, ips));
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        PerfNative.Ioctl(_fd, PerfNative.IocDisable, 0);
        PerfNative.Munmap(_base, _length);
        PerfNative.Close(_fd);
    }
}
