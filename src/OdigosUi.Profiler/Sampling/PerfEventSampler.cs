using System.Runtime.InteropServices;

namespace OdigosUi.Profiler.Sampling;

/// <summary>
/// What to sample: every process (<see cref="TargetPid"/> null) or one process and its children; with
/// <see cref="TrackProcesses"/> the kernel also reports exits, execs, thread names and new executable mappings.
/// With <see cref="UserStackBytes"/> (a multiple of 8 up to 65528) each sample also carries the user registers and a copy
/// of that many bytes of the user stack, for DWARF unwinding (x86-64 only).
/// </summary>
public sealed record PerfSamplerOptions(int SamplesPerSecond = 19, int? TargetPid = null, int DataPagesPerCpu = 64, bool TrackProcesses = false, int UserStackBytes = 0)
{
    public const int MaxUserStackBytes = 65528;
}

/// <summary>
/// CPU-clock sampling with kernel and user callchains through perf_event_open, one event and ring buffer per online CPU.
/// Sample times are CLOCK_MONOTONIC nanoseconds.
/// </summary>
public sealed class PerfEventSampler : IDisposable
{
    private readonly List<PerfRingBuffer> _buffers = [];
    private long _samples;
    private long _lost;

    private PerfEventSampler()
    {
    }

    public long SampleCount => Interlocked.Read(ref _samples);

    public long LostCount => Interlocked.Read(ref _lost);

    public int CpuCount => _buffers.Count;

    /// <summary>Opens and enables the events; throws <see cref="ProfilerUnavailableException"/> when perf cannot be used.</summary>
    public static PerfEventSampler Start(PerfSamplerOptions options)
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new ProfilerUnavailableException("perf_event_open needs Linux");
        }

        if (options.SamplesPerSecond <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "SamplesPerSecond must be positive");
        }

        if (options.DataPagesPerCpu <= 0 || (options.DataPagesPerCpu & (options.DataPagesPerCpu - 1)) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "DataPagesPerCpu must be a power of two");
        }

        if (options.UserStackBytes is < 0 or > PerfSamplerOptions.MaxUserStackBytes || options.UserStackBytes % 8 != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), $"UserStackBytes must be a multiple of 8 between 0 and {PerfSamplerOptions.MaxUserStackBytes}");
        }

        if (options.UserStackBytes > 0 && RuntimeInformation.ProcessArchitecture != Architecture.X64)
        {
            throw new ProfilerUnavailableException($"user stack sampling is implemented for x86-64 only, not {RuntimeInformation.ProcessArchitecture}");
        }

        var sampler = new PerfEventSampler();
        try
        {
            foreach (var cpu in OnlineCpus.Read())
            {
                var fd = Open(options, cpu);
                sampler._buffers.Add(new PerfRingBuffer(fd, options.DataPagesPerCpu, options.UserStackBytes > 0));
            }

            foreach (var buffer in sampler._buffers)
            {
                buffer.Enable();
            }
        }
        catch
        {
            sampler.Dispose();
            throw;
        }

        return sampler;
    }

    private static int Open(PerfSamplerOptions options, int cpu)
    {
        var attr = new PerfEventAttr
        {
            Type = PerfNative.PerfTypeSoftware,
            Size = (uint)Marshal.SizeOf<PerfEventAttr>(),
            Config = PerfNative.PerfCountSwCpuClock,
            SampleFreq = (ulong)options.SamplesPerSecond,
            SampleType = PerfNative.SampleTid | PerfNative.SampleTime | PerfNative.SampleCallchain | PerfNative.SampleCpu
                | (options.UserStackBytes > 0 ? PerfNative.SampleRegsUser | PerfNative.SampleStackUser : 0),
            SampleRegsUser = options.UserStackBytes > 0 ? PerfNative.X64RegsBpSpIp : 0,
            SampleStackUser = (uint)options.UserStackBytes,
            Flags = PerfNative.FlagDisabled | PerfNative.FlagFreq | PerfNative.FlagUseClockId
                | (options.TargetPid is null ? 0 : PerfNative.FlagInherit)
                | (options.TrackProcesses ? PerfNative.ProcessTrackingFlags : 0),
            WakeupEvents = 1,
            ClockId = PerfNative.ClockMonotonic,
        };

        // A per-task event with inherit cannot be mmap'ed with cpu = -1, so a target pid gets one event per CPU too.
        var fd = PerfNative.PerfEventOpen(ref attr, options.TargetPid ?? -1, cpu);
        if (fd < 0)
        {
            throw Unavailable(Marshal.GetLastPInvokeError(), options, cpu);
        }

        return fd;
    }

    private static ProfilerUnavailableException Unavailable(int errno, PerfSamplerOptions options, int cpu)
    {
        var name = PerfNative.ErrnoName(errno);
        var paranoid = ReadParanoid();
        var hint = name switch
        {
            "EACCES" or "EPERM" => $"run as root or grant CAP_PERFMON (or CAP_SYS_ADMIN), or lower /proc/sys/kernel/perf_event_paranoid (now {paranoid}; system-wide sampling needs <= 0 without the capability); in a container also allow perf_event_open in the seccomp profile",
            "ENOENT" or "ENODEV" or "EOPNOTSUPP" => "the kernel does not offer the software cpu-clock event here (perf events disabled or not supported, e.g. in some VMs or containers)",
            "ESRCH" => $"process {options.TargetPid} does not exist",
            "EINVAL" => $"the kernel rejected the event attributes (SamplesPerSecond={options.SamplesPerSecond} may exceed /proc/sys/kernel/perf_event_max_sample_rate)",
            "EMFILE" => "too many open files: raise the file descriptor limit",
            _ => "see perf_event_open(2)",
        };
        return new ProfilerUnavailableException($"perf_event_open failed on cpu {cpu}: {name}: {hint}");
    }

    private static string ReadParanoid()
    {
        try
        {
            return File.ReadAllText("/proc/sys/kernel/perf_event_paranoid").Trim();
        }
        catch (IOException)
        {
            return "unknown";
        }
    }

    /// <summary>Reads every record available now and returns the number of samples passed to <paramref name="callback"/>.</summary>
    public long ReadSamples(PerfSampleCallback callback) => ReadRecords(new SamplesOnly(callback));

    /// <summary>Reads every record available now, buffer after buffer; returns the number of samples.</summary>
    public long ReadRecords(IPerfRecordHandler handler)
    {
        long read = 0;
        foreach (var buffer in _buffers)
        {
            var lost = buffer.Drain(handler, ref read);
            if (lost != 0)
            {
                Interlocked.Add(ref _lost, lost);
            }
        }

        Interlocked.Add(ref _samples, read);
        return read;
    }

    private sealed class SamplesOnly(PerfSampleCallback callback) : IPerfRecordHandler
    {
        public void OnSample(in PerfSample sample) => callback(sample);

        public void OnExit(int pid, int tid, ulong timeMonotonicNs)
        {
        }

        public void OnComm(int pid, int tid, ReadOnlySpan<byte> name, bool exec, ulong timeMonotonicNs)
        {
        }

        public void OnExecutableMapping(in PerfMmapRecord mapping)
        {
        }
    }

    public void Dispose()
    {
        foreach (var buffer in _buffers)
        {
            buffer.Dispose();
        }

        _buffers.Clear();
    }
}
