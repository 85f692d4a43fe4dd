using System.ComponentModel.DataAnnotations;

namespace OdigosUi.Hosting;

/// <summary>The <c>Profiling</c> section (its <c>Ui</c> subsection is <see cref="Pipeline.Slots.SlotOptions"/>).</summary>
public sealed class ProfilingOptions
{
    public const string SectionName = "Profiling";

    /// <summary>Gates the UI buffer and its API, as <c>profiling.enabled</c> does in Odigos.</summary>
    public bool Enabled { get; set; } = true;

    [Range(1, 10_000)]
    public int SamplesPerSecond { get; set; } = 19;

    /// <summary>How often the node profiler sends what it sampled; 1 s keeps live views live (the eBPF profiler uses 5 s).</summary>
    [Range(0.05, 60)]
    public double ReportIntervalSeconds { get; set; } = 1;

    /// <summary>Runs the perf_event_open profiler in roles node and all (needs root or CAP_PERFMON).</summary>
    public bool ProfilerEnabled { get; set; } = true;

    /// <summary>Bound of the node profiler's parsed ELF symbol tables, shared by all processes.</summary>
    [Range(1, 4096)]
    public int SymbolCacheMegabytes { get; set; } = (int)(Profiler.Symbolization.ElfCache.DefaultMaxBytes >> 20);

    /// <summary>Bound of the node profiler's parsed .NET ReadyToRun images (precompiled framework code), shared by all processes.</summary>
    [Range(1, 4096)]
    public int ReadyToRunCacheMegabytes { get; set; } = (int)(Profiler.Symbolization.ReadyToRun.ReadyToRunCache.DefaultMaxBytes >> 20);

    /// <summary>
    /// Bytes of user stack copied with each sample for DWARF unwinding of code built without frame pointers (multiple
    /// of 8, at most 65528); 0 walks frame pointers only.
    /// </summary>
    [Range(0, Profiler.Sampling.PerfSamplerOptions.MaxUserStackBytes)]
    public int UserStackBytes { get; set; } = Profiler.NodeProfilerOptions.DefaultUserStackBytes;

    /// <summary>Bound of the node profiler's compiled unwind tables, shared by all processes.</summary>
    [Range(1, 4096)]
    public int UnwindCacheMegabytes { get; set; } = (int)(Profiler.Unwinding.UnwindTableCache.DefaultMaxBytes >> 20);

    /// <summary>Bound of the node profiler's resolved frames, over all processes.</summary>
    [Range(1_000, 10_000_000)]
    public int MaxCachedFrames { get; set; } = Profiler.Processes.ProcessTable.DefaultMaxCachedFrames;

    /// <summary>
    /// Which processes the node profiler asks their runtimes for names without a restart (a .NET runtime to write its perf
    /// map, a JVM to dump its compiled code): <c>Profiled</c> (the Sources enabled or with a slot open), <c>All</c> or <c>Off</c>.
    /// </summary>
    public Profiler.Runtimes.RuntimeNamingMode RuntimeNaming { get; set; } = Profiler.Runtimes.RuntimeNamingMode.Profiled;

    /// <summary>Names the Python functions of CPython 3.11-3.13 processes from their frame chains (read from their memory).</summary>
    public bool NamePythonFrames { get; set; } = true;

    /// <summary>The most bytes of one ELF file's headers and symbol sections the node profiler reads into memory (larger ones are skipped, counted in the status).</summary>
    [Range(1, 16384)]
    public int MaxElfMegabytes { get; set; } = (int)(Profiler.Processes.WorkloadFileLimits.DefaultMaxElfBytes >> 20);

    /// <summary>The most bytes of one JIT perf map the node profiler parses (the lines after it are not read).</summary>
    [Range(1, 16384)]
    public int MaxPerfMapMegabytes { get; set; } = (int)(Profiler.Processes.WorkloadFileLimits.DefaultMaxPerfMapBytes >> 20);

    /// <summary>The largest .NET ReadyToRun assembly the node profiler reads (larger ones are skipped, counted in the status).</summary>
    [Range(1, 2047)]
    public int MaxReadyToRunMegabytes { get; set; } = (int)(Profiler.Processes.WorkloadFileLimits.DefaultMaxReadyToRunBytes >> 20);

    public Profiler.NodeProfilerOptions ToNodeProfilerOptions() => new()
    {
        FileLimits = new Profiler.Processes.WorkloadFileLimits
        {
            MaxElfBytes = (long)MaxElfMegabytes << 20,
            MaxPerfMapBytes = (long)MaxPerfMapMegabytes << 20,
            MaxReadyToRunBytes = (long)MaxReadyToRunMegabytes << 20,
        },
        NamePythonFrames = NamePythonFrames,
        RuntimeNaming = RuntimeNaming,
        SamplesPerSecond = SamplesPerSecond,
        ReportInterval = TimeSpan.FromSeconds(ReportIntervalSeconds),
        SymbolCacheBytes = (long)SymbolCacheMegabytes << 20,
        ReadyToRunCacheBytes = (long)ReadyToRunCacheMegabytes << 20,
        MaxCachedFrames = MaxCachedFrames,
        UserStackBytes = UserStackBytes,
        UnwindCacheBytes = (long)UnwindCacheMegabytes << 20,
    };
}
