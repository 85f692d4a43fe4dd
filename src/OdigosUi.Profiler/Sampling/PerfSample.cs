namespace OdigosUi.Profiler.Sampling;

/// <summary>One PERF_RECORD_SAMPLE; <see cref="Callchain"/> and <see cref="UserStack"/> are only valid during the callback.</summary>
public readonly ref struct PerfSample(int pid, int tid, ulong timeMonotonicNs, int cpu, ReadOnlySpan<ulong> callchain)
{
    public PerfSample(int pid, int tid, ulong timeMonotonicNs, int cpu, ReadOnlySpan<ulong> callchain, UserRegisters registers, ReadOnlySpan<byte> userStack, bool userStackFull)
        : this(pid, tid, timeMonotonicNs, cpu, callchain)
    {
        Registers = registers;
        UserStack = userStack;
        UserStackFull = userStackFull;
    }

    public int Pid { get; } = pid;
    public int Tid { get; } = tid;
    public ulong TimeMonotonicNs { get; } = timeMonotonicNs;
    public int Cpu { get; } = cpu;

    /// <summary>Leaf first, with PERF_CONTEXT_* markers between the kernel and the user part.</summary>
    public ReadOnlySpan<ulong> Callchain { get; } = callchain;

    /// <summary>The user registers at the sample (with <see cref="PerfSamplerOptions.UserStackBytes"/>); invalid for kernel threads.</summary>
    public UserRegisters Registers { get; }

    /// <summary>The user stack from <see cref="UserRegisters.Sp"/> up, as far as the kernel copied it.</summary>
    public ReadOnlySpan<byte> UserStack { get; }

    /// <summary>True when the copy filled the requested size: the stack may go on beyond it.</summary>
    public bool UserStackFull { get; }
}

/// <summary>The x86-64 user registers a stack walk starts from; <see cref="Valid"/> is false when the kernel gave none.</summary>
public readonly record struct UserRegisters(bool Valid, ulong Ip, ulong Sp, ulong Bp);

public delegate void PerfSampleCallback(in PerfSample sample);

/// <summary>
/// Receives what a drain of the ring buffers finds, in buffer order (one buffer per CPU, so records of different CPUs
/// are not in time order). The process records come only with <see cref="PerfSamplerOptions.TrackProcesses"/>.
/// </summary>
public interface IPerfRecordHandler
{
    void OnSample(in PerfSample sample);

    /// <summary>A task exited: the whole process when <paramref name="pid"/> equals <paramref name="tid"/>.</summary>
    void OnExit(int pid, int tid, ulong timeMonotonicNs);

    /// <summary>A thread was named <paramref name="name"/>, or (<paramref name="exec"/>) the process ran a new program.</summary>
    void OnComm(int pid, int tid, ReadOnlySpan<byte> name, bool exec, ulong timeMonotonicNs);

    /// <summary>An executable mapping was added to a process (a PERF_RECORD_MMAP2).</summary>
    void OnExecutableMapping(in PerfMmapRecord mapping);
}

/// <summary>One PERF_RECORD_MMAP2: what a /proc/PID/maps line says about the new mapping. Only valid during the callback.</summary>
public readonly ref struct PerfMmapRecord(int pid, ulong start, ulong length, ulong fileOffset, uint major, uint minor, ulong inode, bool shared, ReadOnlySpan<byte> fileName, ulong timeMonotonicNs)
{
    public int Pid { get; } = pid;
    public ulong Start { get; } = start;
    public ulong Length { get; } = length;
    public ulong FileOffset { get; } = fileOffset;
    public uint Major { get; } = major;
    public uint Minor { get; } = minor;
    public ulong Inode { get; } = inode;
    public bool Shared { get; } = shared;

    /// <summary>The mapped file, <c>//anon</c> for anonymous memory, or a pseudo name such as <c>[vdso]</c>.</summary>
    public ReadOnlySpan<byte> FileName { get; } = fileName;

    public ulong TimeMonotonicNs { get; } = timeMonotonicNs;
}

/// <summary>Splits a perf callchain into kernel and user frames, both leaf first, dropping the context markers.</summary>
public static class Callchain
{
    public const ulong ContextKernel = 0xffffffffffffff80;
    public const ulong ContextUser = 0xfffffffffffffe00;

    /// <summary>Any value at or above this is a PERF_CONTEXT_* marker (hv, guest, ...).</summary>
    public const ulong ContextMax = 0xfffffffffffff001;

    public static void Split(ReadOnlySpan<ulong> callchain, List<ulong> kernel, List<ulong> user)
    {
        kernel.Clear();
        user.Clear();
        List<ulong>? current = null;
        foreach (var ip in callchain)
        {
            if (ip >= ContextMax)
            {
                current = ip switch
                {
                    ContextKernel => kernel,
                    ContextUser => user,
                    _ => null,
                };
                continue;
            }

            current?.Add(ip);
        }
    }
}
