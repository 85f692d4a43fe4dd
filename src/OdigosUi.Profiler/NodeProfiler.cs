using System.Text;
using OdigosUi.Profiler.Otlp;
using OdigosUi.Profiler.Processes;
using OdigosUi.Profiler.Runtimes;
using OdigosUi.Profiler.Runtimes.Python;
using OdigosUi.Profiler.Sampling;
using OdigosUi.Profiler.Symbolization;
using OdigosUi.Profiler.Symbolization.ReadyToRun;
using OdigosUi.Profiler.Unwinding;
using OdigosUi.Profiles.Otlp.Collector;

namespace OdigosUi.Profiler;

/// <summary>
/// Samples the node's CPUs with perf, symbolizes the stacks as they are read (while the processes still exist) and
/// emits one OTLP Profiles request per report interval. <see cref="RunAsync"/> is the only reading loop. Per-process
/// state follows the kernel's exit and exec records (see <see cref="ProcessTable"/>).
/// </summary>
public sealed class NodeProfiler : IDisposable, IPerfRecordHandler
{
    private static readonly TimeSpan MaxDrainInterval = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(10);

    private readonly Symbolizer _symbolizer;
    private readonly ProcessTable _processes;
    private readonly List<ulong> _kernel = [];
    private readonly List<ulong> _user = [];
    private readonly List<ulong> _unwound = [];
    private readonly long[] _stops = new long[Enum.GetValues<UnwindStop>().Length];
    private readonly ProcessUnwindInfo _unwindInfo;
    private readonly RuntimeNamer _namer;
    private readonly PythonNaming _python;
    private long _walks;
    private long _spliced;
    private long _unwoundFrames;
    private PerfEventSampler? _sampler;
    private SampleWindow _window = new(0);
    private long _monotonicToUnixNs;
    private long _emitted;
    private int _processCount;
    private DateTime _nextSweep = DateTime.UtcNow + SweepInterval;

    /// <param name="isProfiled">Whether someone profiles a process (its Source enabled or a slot open), for <see cref="NodeProfilerOptions.RuntimeNaming"/>.</param>
    public NodeProfiler(NodeProfilerOptions options, Func<int, bool>? isProfiled = null)
    {
        Options = options;
        Files = new WorkloadFiles(options.FileLimits);
        _namer = new RuntimeNamer(options.RuntimeNaming, isProfiled, Files);
        _symbolizer = new Symbolizer(new ElfCache(options.SymbolCacheBytes, files: Files), readyToRunCache: new ReadyToRunCache(options.ReadyToRunCacheBytes, files: Files));
        _processes = new ProcessTable(options.MaxCachedFrames);
        _unwindInfo = new ProcessUnwindInfo(_symbolizer.ElfCache, new UnwindTableCache(options.UnwindCacheBytes, Files));
        _python = new PythonNaming(_symbolizer.ElfCache);
    }

    public NodeProfilerOptions Options { get; }

    /// <summary>How the workloads' files are opened, and those skipped (see <see cref="WorkloadFiles"/>).</summary>
    public WorkloadFiles Files { get; }

    public ProfilerStats Stats => new(
        _sampler?.SampleCount ?? 0,
        _sampler?.LostCount ?? 0,
        Volatile.Read(ref _processCount),
        Interlocked.Read(ref _emitted))
    {
        Unwinding = UnwindStatistics(),
        Runtimes = _namer.Summaries(),
        Python = _python.Stats,
        Files = Files.Stats,
    };

    /// <summary>How each process considered for naming is named (thread-safe).</summary>
    public IReadOnlyList<ProcessNamingStatus> Naming => _namer.Processes;

    private UnwindStats UnwindStatistics()
    {
        var stopped = new Dictionary<string, long>();
        foreach (var stop in Enum.GetValues<UnwindStop>())
        {
            if (stop != UnwindStop.Complete && Interlocked.Read(ref _stops[(int)stop]) is var count and > 0)
            {
                stopped[stop.ToString()] = count;
            }
        }

        return new UnwindStats(Interlocked.Read(ref _walks), Interlocked.Read(ref _stops[(int)UnwindStop.Complete]), Interlocked.Read(ref _spliced), Interlocked.Read(ref _unwoundFrames), stopped);
    }

    internal UnwindTableCache UnwindTables => _unwindInfo.Tables;

    /// <summary>The per-process state (read it on the thread that runs <see cref="Collect"/>).</summary>
    internal ProcessTable Processes => _processes;

    internal Symbolizer Symbolizer => _symbolizer;

    /// <summary>Opens the perf events; throws <see cref="ProfilerUnavailableException"/> when perf cannot be used.</summary>
    public void Start()
    {
        Options.Validate();
        if (_sampler is not null)
        {
            throw new InvalidOperationException("the profiler is already started");
        }

        _monotonicToUnixNs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000 - PerfNative.MonotonicNanoseconds();
        _window = new SampleWindow(NowUnixNano());
        // The CFI unwinder knows x86-64's registers only: elsewhere user stacks come from the kernel's frame-pointer chain.
        var userStackBytes = System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture == System.Runtime.InteropServices.Architecture.X64 ? Options.UserStackBytes : 0;
        _sampler = PerfEventSampler.Start(new PerfSamplerOptions(Options.SamplesPerSecond, Options.TargetPid, Options.DataPagesPerCpu, TrackProcesses: true, userStackBytes));
    }

    /// <summary>
    /// Drains the ring buffers continuously and calls <paramref name="emit"/> once per report interval until cancelled.
    /// The loop runs on a thread of its own that sleeps between drains: on the thread pool, each of its ten wake-ups a
    /// second would also wake the pool's spinning workers, which cost more than the drain itself.
    /// </summary>
    public Task RunAsync(Func<ExportProfilesServiceRequest, CancellationToken, ValueTask> emit, CancellationToken cancellationToken)
    {
        if (_sampler is null)
        {
            Start();
        }

        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                Loop(emit, cancellationToken);
                done.SetResult();
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                done.SetResult();
            }
            catch (Exception e)
            {
                done.SetException(e);
            }
        })
        {
            IsBackground = true,
            Name = "odigos-profiler",
        };
        thread.Start();
        return done.Task;
    }

    private void Loop(Func<ExportProfilesServiceRequest, CancellationToken, ValueTask> emit, CancellationToken cancellationToken)
    {
        var drainInterval = Options.ReportInterval / 4 < MaxDrainInterval ? Options.ReportInterval / 4 : MaxDrainInterval;
        var nextReport = DateTime.UtcNow + Options.ReportInterval;
        var cancelled = cancellationToken.WaitHandle;
        while (!cancelled.WaitOne(drainInterval))
        {
            Collect();
            if (DateTime.UtcNow < nextReport)
            {
                continue;
            }

            nextReport += Options.ReportInterval;
            if (TakeRequest() is { } request)
            {
                var emitted = emit(request, cancellationToken);
                if (!emitted.IsCompletedSuccessfully)
                {
                    emitted.AsTask().GetAwaiter().GetResult();
                }

                Interlocked.Increment(ref _emitted);
            }
        }
    }

    /// <summary>Reads and symbolizes every sample available now into the current window.</summary>
    public long Collect()
    {
        if (_sampler is null)
        {
            return 0;
        }

        var read = _sampler.ReadRecords(this);
        _processes.EndPass();
        Volatile.Write(ref _processCount, _processes.Count);
        return read;
    }

    /// <summary>The request for the window collected so far (null when it has no samples), and starts a new window.</summary>
    public ExportProfilesServiceRequest? TakeRequest()
    {
        var end = NowUnixNano();
        var window = _window;
        _window = new SampleWindow(end);
        if (DateTime.UtcNow >= _nextSweep)
        {
            _nextSweep = DateTime.UtcNow + SweepInterval;
            _processes.Sweep();
            _namer.Prune(_processes);
            _python.Sweep(_processes.Contains);
        }

        foreach (var pid in window.Processes.Keys)
        {
            if (_processes.Find(pid) is { } process)
            {
                _namer.Consider(process);
            }
        }

        return window.Samples.Count == 0 ? null : ProfileBuilder.Build(window, end, Options.SamplesPerSecond);
    }

    void IPerfRecordHandler.OnSample(in PerfSample sample)
    {
        // pid -1: the task was exiting when sampled, nothing can be read about it any more.
        if (sample.Pid < 0 || (sample.Pid == 0 && !Options.IncludeIdle))
        {
            return;
        }

        var process = _processes.Get(sample.Pid, sample.TimeMonotonicNs);
        Callchain.Split(sample.Callchain, _kernel, _user);
        if (sample.Registers.Valid && !sample.UserStack.IsEmpty)
        {
            UnwindUser(process.Symbols, sample);
        }

        var frames = new ResolvedFrame[_kernel.Count + _user.Count];
        for (var i = 0; i < _kernel.Count; i++)
        {
            frames[i] = _symbolizer.ResolveKernel(_kernel[i]);
        }

        for (var i = 0; i < _user.Count; i++)
        {
            frames[_kernel.Count + i] = _symbolizer.ResolveUser(process.Symbols, _user[i], isReturnAddress: i > 0);
        }

        if (Options.NamePythonFrames && process.Symbols.Runtime == ProcessRuntime.CPython)
        {
            // The frame chain is read now, when the ring buffers are drained (every 100 ms at most), not when the
            // sample was taken: a thread that moved on since then is named where it runs now.
            frames = _python.Name(process, sample.Tid, frames);
        }

        var time = (ulong)((long)sample.TimeMonotonicNs + _monotonicToUnixNs);
        _window.Add(new CollectedSample(sample.Pid, sample.Tid, time, frames), process.Info, process.ThreadName(sample.Tid));
    }

    /// <summary>
    /// Replaces the kernel's frame-pointer callchain in <see cref="_user"/> with the CFI walk of the sample's stack copy;
    /// a walk that stopped early goes on with the kernel's chain from the frame where both meet (frame-pointer code the
    /// copy did not reach).
    /// </summary>
    private void UnwindUser(ProcessSymbols process, in PerfSample sample)
    {
        _unwound.Clear();
        _unwindInfo.Process = process;
        var registers = sample.Registers;
        var stop = StackUnwinder.Unwind(new UserStack(registers.Ip, registers.Sp, registers.Bp, sample.UserStack, sample.UserStackFull), _unwindInfo, _unwound);
        _unwindInfo.Process = null;
        Interlocked.Increment(ref _stops[(int)stop]);
        Interlocked.Increment(ref _walks);
        if (stop != UnwindStop.Complete && _unwound.Count > 1)
        {
            var meet = _user.IndexOf(_unwound[^1]);
            if (meet > 0 && meet < _user.Count - 1)
            {
                _unwound.AddRange(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_user)[(meet + 1)..]);
                Interlocked.Increment(ref _spliced);
            }
        }

        // A walk that stopped at its first frame (code in no known mapping yet) or was cut short by the size of the copy
        // keeps the kernel's chain when that is longer (frame-pointer code all the way up).
        var keepKernelChain = stop != UnwindStop.Complete && (_unwound.Count == 1 || stop == UnwindStop.StackCopyTooSmall) && _user.Count > _unwound.Count;
        if (!keepKernelChain)
        {
            _user.Clear();
            _user.AddRange(_unwound);
        }

        Interlocked.Add(ref _unwoundFrames, _user.Count);
    }

    void IPerfRecordHandler.OnExit(int pid, int tid, ulong timeMonotonicNs)
    {
        if (pid == tid)
        {
            _processes.Exited(pid, timeMonotonicNs);
            _python.Forget(pid);
        }
        else
        {
            _processes.ThreadExited(pid, tid);
        }
    }

    void IPerfRecordHandler.OnComm(int pid, int tid, ReadOnlySpan<byte> name, bool exec, ulong timeMonotonicNs)
    {
        if (exec)
        {
            _processes.Execed(pid, timeMonotonicNs);
            _python.Forget(pid);
        }
        else
        {
            _processes.ThreadNamed(pid, tid, Encoding.UTF8.GetString(name));
        }
    }

    void IPerfRecordHandler.OnExecutableMapping(in PerfMmapRecord mapping)
    {
        if (_processes.Find(mapping.Pid) is { } process)
        {
            process.Symbols.MappingAdded(MemoryMapping.From(mapping));
        }
    }

    private ulong NowUnixNano() => (ulong)(PerfNative.MonotonicNanoseconds() + _monotonicToUnixNs);

    public void Dispose()
    {
        _sampler?.Dispose();
        _namer.Dispose();
    }
}
