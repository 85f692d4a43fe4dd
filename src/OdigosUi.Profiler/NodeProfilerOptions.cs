namespace OdigosUi.Profiler;

/// <summary>
/// How the node profiler samples: <see cref="SamplesPerSecond"/> per CPU, one request per <see cref="ReportInterval"/>,
/// every process or only <see cref="TargetPid"/> (and its children). Idle (pid 0) samples are dropped unless
/// <see cref="IncludeIdle"/>.
/// </summary>
public sealed record NodeProfilerOptions
{
    public int SamplesPerSecond { get; init; } = 19;

    public TimeSpan ReportInterval { get; init; } = TimeSpan.FromSeconds(1);

    public int? TargetPid { get; init; }

    public bool IncludeIdle { get; init; }

    /// <summary>Ring buffer data pages per CPU; a power of two.</summary>
    public int DataPagesPerCpu { get; init; } = 64;

    /// <summary>Bound of the parsed ELF symbol tables kept across processes (least recently used evicted).</summary>
    public long SymbolCacheBytes { get; init; } = Symbolization.ElfCache.DefaultMaxBytes;

    /// <summary>Bound of the parsed .NET ReadyToRun images kept across processes, with their names decoded so far (least recently used evicted).</summary>
    public long ReadyToRunCacheBytes { get; init; } = Symbolization.ReadyToRun.ReadyToRunCache.DefaultMaxBytes;

    /// <summary>
    /// Bytes of each sampled thread's user stack the kernel copies for DWARF unwinding (a multiple of 8, at most 65528);
    /// 0 walks user stacks by frame pointer only (the kernel's callchain).
    /// </summary>
    public int UserStackBytes { get; init; } = DefaultUserStackBytes;

    public const int DefaultUserStackBytes = 16384;

    /// <summary>Bound of the compiled unwind tables kept across processes (least recently used evicted).</summary>
    public long UnwindCacheBytes { get; init; } = Unwinding.UnwindTableCache.DefaultMaxBytes;

    /// <summary>Which processes the profiler asks their runtimes for names (a .NET runtime to write its perf map, say).</summary>
    public Runtimes.RuntimeNamingMode RuntimeNaming { get; init; } = Runtimes.RuntimeNamingMode.Profiled;

    /// <summary>
    /// Names the Python functions of CPython 3.11-3.13 processes from their frame chains, read from their memory
    /// (process_vm_readv: ptrace access to them, as root); false leaves the interpreter's native frames only.
    /// </summary>
    public bool NamePythonFrames { get; init; } = true;

    /// <summary>Bound of the resolved frames kept across processes (all dropped when exceeded).</summary>
    public int MaxCachedFrames { get; init; } = Processes.ProcessTable.DefaultMaxCachedFrames;

    /// <summary>The most bytes read from one workload file: an ELF file's sections, a perf map, a ReadyToRun image.</summary>
    public Processes.WorkloadFileLimits FileLimits { get; init; } = new();

    public void Validate()
    {
        FileLimits.Validate();

        if (SamplesPerSecond is < 1 or > 10_000)
        {
            throw new ArgumentOutOfRangeException(nameof(SamplesPerSecond), SamplesPerSecond, "must be between 1 and 10000");
        }

        if (ReportInterval < TimeSpan.FromMilliseconds(10))
        {
            throw new ArgumentOutOfRangeException(nameof(ReportInterval), ReportInterval, "must be at least 10 ms");
        }

        if (SymbolCacheBytes < 1 << 20)
        {
            throw new ArgumentOutOfRangeException(nameof(SymbolCacheBytes), SymbolCacheBytes, "must be at least 1 MiB");
        }

        if (ReadyToRunCacheBytes < 1 << 20)
        {
            throw new ArgumentOutOfRangeException(nameof(ReadyToRunCacheBytes), ReadyToRunCacheBytes, "must be at least 1 MiB");
        }

        if (UserStackBytes is < 0 or > Sampling.PerfSamplerOptions.MaxUserStackBytes || UserStackBytes % 8 != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(UserStackBytes), UserStackBytes, $"must be a multiple of 8 between 0 and {Sampling.PerfSamplerOptions.MaxUserStackBytes}");
        }

        if (UnwindCacheBytes < 1 << 20)
        {
            throw new ArgumentOutOfRangeException(nameof(UnwindCacheBytes), UnwindCacheBytes, "must be at least 1 MiB");
        }

        if (MaxCachedFrames < 1_000)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxCachedFrames), MaxCachedFrames, "must be at least 1000");
        }
    }
}

/// <summary>Counters since <see cref="NodeProfiler.Start"/>.</summary>
public sealed record ProfilerStats(long Samples, long LostSamples, int Processes, long EmittedRequests)
{
    public UnwindStats Unwinding { get; init; } = UnwindStats.None;

    /// <summary>Per runtime, how the frames of the processes profiled are named, and for the others why not.</summary>
    public IReadOnlyList<Runtimes.RuntimeNamingSummary> Runtimes { get; init; } = [];

    public global::OdigosUi.Profiler.Runtimes.Python.PythonStats Python { get; init; } = global::OdigosUi.Profiler.Runtimes.Python.PythonStats.None;

    /// <summary>Workload files not read (a FIFO at a perf map path, a file over its size limit, ...), by why, and the last few.</summary>
    public global::OdigosUi.Profiler.Processes.WorkloadFileStats Files { get; init; } = global::OdigosUi.Profiler.Processes.WorkloadFileStats.None;
}

/// <summary>
/// How the user stacks were walked: <see cref="Walks"/> by DWARF CFI (with frame-pointer steps through code without
/// CFI), of which <see cref="Complete"/> reached the thread's first frame; the others by why they stopped early.
/// <see cref="Spliced"/> walks that stopped early were continued by the kernel's frame-pointer callchain.
/// </summary>
public sealed record UnwindStats(long Walks, long Complete, long Spliced, long Frames, IReadOnlyDictionary<string, long> StoppedEarly)
{
    public static UnwindStats None { get; } = new(0, 0, 0, 0, new Dictionary<string, long>());

    public double MeanDepth => Walks == 0 ? 0 : Math.Round((double)Frames / Walks, 2);
}
