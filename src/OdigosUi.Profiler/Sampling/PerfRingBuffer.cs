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
    private readonly bool _userStacks;
    private byte[] _scratch = new byte[1024];
    private bool _disposed;

    public PerfRingBuffer(int fd, int dataPages, bool userStacks = false)
    {
        _fd = fd;
        _userStacks = userStacks;
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
    public long Drain(IPerfRecordHandler handler, ref long samples)
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

            switch (MemoryMarshal.Read<uint>(record))
            {
                case PerfNative.RecordSample:
                    samples++;
                    DispatchSample(record, handler);
                    break;
                case PerfNative.RecordLost when record.Length >= 24:
                    lost += (long)MemoryMarshal.Read<ulong>(record[16..]);
                    break;
                case PerfNative.RecordExit when record.Length >= 32:
                    handler.OnExit(MemoryMarshal.Read<int>(record[8..]), MemoryMarshal.Read<int>(record[16..]), MemoryMarshal.Read<ulong>(record[24..]));
                    break;
                case PerfNative.RecordComm when record.Length >= 16 + SampleIdBytes:
                    DispatchComm(record, handler);
                    break;
                case PerfNative.RecordMmap2 when record.Length >= 72 + SampleIdBytes:
                    DispatchMmap2(record, handler);
                    break;
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

    // With sample_id_all, every other record ends with the sample_type fields TID (pid, tid), TIME and CPU (cpu, res).
    private const int SampleIdBytes = 24;

    private static ulong SampleIdTime(ReadOnlySpan<byte> record) => MemoryMarshal.Read<ulong>(record[^16..]);

    // Layout: header, pid, tid, comm (NUL-terminated, padded to 8 bytes), sample id.
    private static void DispatchComm(ReadOnlySpan<byte> record, IPerfRecordHandler handler)
    {
        var misc = MemoryMarshal.Read<ushort>(record[4..]);
        var name = record[16..^SampleIdBytes];
        var end = name.IndexOf((byte)0);
        handler.OnComm(MemoryMarshal.Read<int>(record[8..]), MemoryMarshal.Read<int>(record[12..]), end < 0 ? name : name[..end],
            (misc & PerfNative.MiscCommExec) != 0, SampleIdTime(record));
    }

    // Layout: header, pid, tid, addr, len, pgoff, maj, min, ino, ino_generation, prot, flags, filename (padded), sample id.
    private static void DispatchMmap2(ReadOnlySpan<byte> record, IPerfRecordHandler handler)
    {
        var misc = MemoryMarshal.Read<ushort>(record[4..]);
        var hasBuildId = (misc & PerfNative.MiscMmapBuildId) != 0;
        var name = record[72..^SampleIdBytes];
        var end = name.IndexOf((byte)0);
        handler.OnExecutableMapping(new PerfMmapRecord(
            MemoryMarshal.Read<int>(record[8..]),
            MemoryMarshal.Read<ulong>(record[16..]),
            MemoryMarshal.Read<ulong>(record[24..]),
            MemoryMarshal.Read<ulong>(record[32..]),
            hasBuildId ? 0 : MemoryMarshal.Read<uint>(record[40..]),
            hasBuildId ? 0 : MemoryMarshal.Read<uint>(record[44..]),
            hasBuildId ? 0 : MemoryMarshal.Read<ulong>(record[48..]),
            (MemoryMarshal.Read<uint>(record[68..]) & PerfNative.MapShared) != 0,
            end < 0 ? name : name[..end],
            SampleIdTime(record)));
    }

    // Layout for TID | TIME | CPU | CALLCHAIN [| REGS_USER | STACK_USER]: header, pid, tid, time, cpu, res, nr, ips[nr]
    // [, abi, bp, sp, ip (when abi is not 0), size, data[size], dyn_size (when size is not 0)].
    private void DispatchSample(ReadOnlySpan<byte> record, IPerfRecordHandler handler)
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
        if (!_userStacks || nr > available)
        {
            handler.OnSample(new PerfSample(pid, tid, time, cpu, ips));
            return;
        }

        var rest = record[(40 + count * 8)..];
        var registers = default(UserRegisters);
        if (rest.Length >= 8)
        {
            var abi = MemoryMarshal.Read<ulong>(rest);
            rest = rest[8..];
            if (abi != 0 && rest.Length >= 24)
            {
                registers = new UserRegisters(true, MemoryMarshal.Read<ulong>(rest[16..]), MemoryMarshal.Read<ulong>(rest[8..]), MemoryMarshal.Read<ulong>(rest));
                rest = rest[24..];
            }
        }

        ReadOnlySpan<byte> stack = default;
        var full = false;
        if (rest.Length >= 8)
        {
            var size = MemoryMarshal.Read<ulong>(rest);
            if (size != 0 && (ulong)rest.Length >= 16 + size)
            {
                var dynamicSize = MemoryMarshal.Read<ulong>(rest[(8 + (int)size)..]);
                stack = rest.Slice(8, (int)Math.Min(size, dynamicSize));
                full = dynamicSize >= size;
            }
        }

        handler.OnSample(new PerfSample(pid, tid, time, cpu, ips, registers, stack, full));
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
