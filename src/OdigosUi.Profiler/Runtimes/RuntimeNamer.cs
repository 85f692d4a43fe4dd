using System.Collections.Concurrent;
using OdigosUi.Profiler.Processes;
using OdigosUi.Profiler.Runtimes.Dotnet;
using OdigosUi.Profiler.Runtimes.Jvm;
using OdigosUi.Profiler.Symbolization;

namespace OdigosUi.Profiler.Runtimes;

/// <summary>Which processes the profiler asks their runtimes for names (perf maps turned on, frame chains read).</summary>
public enum RuntimeNamingMode
{
    /// <summary>None: only what processes write or expose by themselves is used.</summary>
    Off,

    /// <summary>Processes someone profiles: their Source is enabled or a profiling slot is open on it.</summary>
    Profiled,

    /// <summary>Every process sampled.</summary>
    All,
}

/// <summary>
/// Gets managed and interpreted frames named without restarting the workload: for each process the profiler samples
/// (and, in mode <see cref="RuntimeNamingMode.Profiled"/>, someone profiles), it decides the route by runtime and runs
/// what that takes — a .NET runtime is asked through its diagnostics IPC to write its perf map — in the background,
/// never on the drain thread, a few at a time, with bounded retries. Its status says, per process, how frames are
/// named, or why not and what would fix it.
/// </summary>
public sealed class RuntimeNamer(RuntimeNamingMode mode, Func<int, bool>? isProfiled = null, OdigosUi.Profiler.Processes.WorkloadFiles? files = null) : IDisposable
{
    private readonly OdigosUi.Profiler.Processes.WorkloadFiles _files = files ?? OdigosUi.Profiler.Processes.WorkloadFiles.Shared;

    public const int MaxAttempts = 5;
    private const int MaxConcurrentAttempts = 4;
    private const int MaxListed = 20;
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan RecheckDelay = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan IpcTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan JvmRefreshInterval = TimeSpan.FromSeconds(2);

    private readonly ConcurrentDictionary<int, ProcessNaming> _byPid = new();
    private readonly SemaphoreSlim _concurrency = new(MaxConcurrentAttempts);
    private readonly CancellationTokenSource _stopping = new();
    private readonly JvmPerfMapRefresher _jvm = new(JvmRefreshInterval);

    public RuntimeNamingMode Mode { get; } = mode;

    /// <summary>Called on the drain thread for each process with samples in the report just taken.</summary>
    public void Consider(ProcessState process)
    {
        if (Mode == RuntimeNamingMode.Off || (Mode == RuntimeNamingMode.Profiled && isProfiled?.Invoke(process.Pid) != true))
        {
            return;
        }

        // The runtime can become known later (the java launcher maps libjvm.so after exec): start over then.
        if (process.Naming is not { } naming || naming.Status.Runtime != process.Symbols.Runtime)
        {
            process.Naming = naming = new ProcessNaming(Initial(process));
        }

        _byPid[process.Pid] = naming;
        if (naming.Done || !naming.TryStart())
        {
            return;
        }

        if (Environment.TickCount64 < naming.NextAttemptAt || naming.Failures >= MaxAttempts || !Attempt(process, naming))
        {
            naming.Finish();
        }
    }

    /// <summary>Drops the status of processes the profiler no longer has (called on the drain thread).</summary>
    public void Prune(ProcessTable processes)
    {
        foreach (var pid in _byPid.Keys)
        {
            if (!processes.Contains(pid))
            {
                _byPid.TryRemove(pid, out _);
                _jvm.Forget(pid);
            }
        }
    }

    public IReadOnlyList<ProcessNamingStatus> Processes => [.. _byPid.Values.Select(n => n.Status).OrderBy(s => s.Pid)];

    public IReadOnlyList<RuntimeNamingSummary> Summaries() =>
        [.. Processes.GroupBy(s => s.Runtime).OrderBy(g => g.Key).Select(g => new RuntimeNamingSummary(
            g.Key,
            g.Count(),
            g.Count(s => s.Named),
            [.. g.Where(s => !s.Named || s.Fix is not null).Take(MaxListed)],
            [.. g.Select(s => s.Route).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)]))];

    private ProcessNamingStatus Initial(ProcessState process)
    {
        var symbols = process.Symbols;
        var executable = process.Info.ExecutableName;
        return symbols.Runtime switch
        {
            ProcessRuntime.Dotnet when PerfMapLocator.Find(process.Pid, _files) is not null =>
                new(process.Pid, executable, ProcessRuntime.Dotnet, "perf map written by the runtime (DOTNET_PerfMapEnabled)", true),
            ProcessRuntime.Dotnet => new(process.Pid, executable, ProcessRuntime.Dotnet, "perf map through the diagnostics IPC", false, "asking the runtime to write its perf map"),
            ProcessRuntime.Node => NodeStatus(process.Pid, executable),
            ProcessRuntime.Jvm => new(process.Pid, executable, ProcessRuntime.Jvm, "perf map through the attach mechanism (Compiler.perfmap)", false, "asking the JVM to write its perf map"),
            ProcessRuntime.CPython => PythonStatus(process, executable),
            ProcessRuntime.Go => new(process.Pid, executable, ProcessRuntime.Go, ".gopclntab", true),
            var runtime => new(process.Pid, executable, runtime, "ELF symbols", true),
        };
    }

    private bool Attempt(ProcessState process, ProcessNaming naming) => process.Symbols.Runtime switch
    {
        ProcessRuntime.Dotnet when !naming.Status.Named => EnableDotnetPerfMap(process, naming),
        ProcessRuntime.Jvm => RefreshJvmPerfMap(process, naming),
        ProcessRuntime.Node when !naming.Status.Named => RecheckNode(process, naming),
        ProcessRuntime.CPython when !naming.Status.Named => RecheckPython(process, naming),
        _ => Finished(naming),
    };

    /// <summary>A perf map appears once node has started: look again now and then.</summary>
    private bool RecheckNode(ProcessState process, ProcessNaming naming)
    {
        naming.Status = NodeStatus(process.Pid, naming.Status.Executable);
        naming.NextAttemptAt = Environment.TickCount64 + (long)RecheckDelay.TotalMilliseconds;
        return false;
    }

    private static bool Finished(ProcessNaming naming)
    {
        naming.Done = true;
        return false;
    }

    private bool EnableDotnetPerfMap(ProcessState process, ProcessNaming naming)
    {
        var symbols = process.Symbols;
        Start(naming, async ct =>
        {
            var attempt = await DotnetPerfMapEnabler.EnableAsync(process.Pid, IpcTimeout, ct).ConfigureAwait(false);
            if (attempt.Success)
            {
                symbols.RequestPerfMapReload();
                naming.Status = naming.Status with { Named = true, Reason = null, Fix = null };
                naming.Done = true;
            }
            else
            {
                naming.Status = naming.Status with
                {
                    Reason = attempt.Reason,
                    Fix = attempt.Retry ? "the profiler tries again; start the process with DOTNET_PerfMapEnabled=1 to name it from its start" : "start it with DOTNET_PerfMapEnabled=1, or move it to .NET 8 or later",
                };
                Failed(naming, attempt.Retry);
            }

            naming.NextAttemptAt = Environment.TickCount64 + (long)RetryDelay.TotalMilliseconds;
        });
        return true;
    }

    /// <summary>
    /// Compiled code keeps changing: the JVM rewrites its map first, then again when code it did not name was sampled
    /// (code compiled since), at most once per <see cref="JvmRefreshInterval"/>; a JVM whose compiled code is all named
    /// is not asked again.
    /// </summary>
    private bool RefreshJvmPerfMap(ProcessState process, ProcessNaming naming)
    {
        var symbols = process.Symbols;
        var misses = symbols.JitMisses;
        if (naming.MissesAtRefresh >= 0 && misses == naming.MissesAtRefresh)
        {
            return false;
        }

        Start(naming, async ct =>
        {
            var refresh = await _jvm.RefreshAsync(process.Pid, ct).ConfigureAwait(false);
            if (refresh.WroteMap)
            {
                symbols.RequestPerfMapReload();
                naming.MissesAtRefresh = misses;
                naming.Status = naming.Status with { Named = true, Reason = null, Fix = refresh.Advice };
            }
            else if (refresh.Error is not null)
            {
                var final = refresh.Failure is JvmAttachFailure.NotAJvm or JvmAttachFailure.AttachDisabled or JvmAttachFailure.TimedOut;
                naming.Status = naming.Status with
                {
                    Named = false,
                    Reason = refresh.Error,
                    Fix = refresh.Failure == JvmAttachFailure.AttachDisabled
                        ? "remove -XX:+DisableAttachMechanism, or start it with -XX:+UnlockDiagnosticVMOptions -XX:+DumpPerfMapAtExit for names after exit only"
                        : "the profiler tries again while the JVM runs",
                };
                Failed(naming, retry: !final);
            }

            naming.NextAttemptAt = Environment.TickCount64 + (long)JvmRefreshInterval.TotalMilliseconds;
        });
        return true;
    }

    private static void Failed(ProcessNaming naming, bool retry)
    {
        naming.Failures++;
        naming.Done |= !retry;
    }

    private void Start(ProcessNaming naming, Func<CancellationToken, Task> attempt) => _ = RunAsync(naming, attempt);

    private async Task RunAsync(ProcessNaming naming, Func<CancellationToken, Task> attempt)
    {
        try
        {
            await _concurrency.WaitAsync(_stopping.Token).ConfigureAwait(false);
            try
            {
                await attempt(_stopping.Token).ConfigureAwait(false);
            }
            finally
            {
                _concurrency.Release();
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
        finally
        {
            naming.Finish();
        }
    }

    /// <summary>The interpreter is found with the first sample the drain thread names: look again until it was.</summary>
    private static bool RecheckPython(ProcessState process, ProcessNaming naming)
    {
        naming.Status = PythonStatus(process, naming.Status.Executable);
        naming.NextAttemptAt = Environment.TickCount64 + (long)RecheckDelay.TotalMilliseconds;
        return false;
    }

    private static ProcessNamingStatus PythonStatus(ProcessState process, string executable)
    {
        const string Route = "frame chain read from memory";
        return process.Python?.Status switch
        {
            { Route: Python.PythonProcessStatus.FrameChain } status => new(process.Pid, executable, ProcessRuntime.CPython, $"{Route} (Python {status.Version})", true),
            { } status => new(process.Pid, executable, ProcessRuntime.CPython, Route, false, status.Detail, "CPython 3.11, 3.12 and 3.13 are read; other versions show the interpreter's native frames"),
            null => new(process.Pid, executable, ProcessRuntime.CPython, Route, false, "no sample of its interpreter named yet"),
        };
    }

    private ProcessNamingStatus NodeStatus(int pid, string executable)
    {
        const string Flags = "NODE_OPTIONS=\"--perf-basic-prof --interpreted-frames-native-stack\"";
        if (PerfMapLocator.Find(pid, _files) is null)
        {
            return new(pid, executable, ProcessRuntime.Node, "perf map (--perf-basic-prof)", false, "node writes no perf map: V8 can only be told at start", $"start it with {Flags}");
        }

        return NodeFlags.Has(pid, "--interpreted-frames-native-stack")
            ? new(pid, executable, ProcessRuntime.Node, "perf map (--perf-basic-prof)", true)
            : new(pid, executable, ProcessRuntime.Node, "perf map (--perf-basic-prof)", true, "functions V8 still interprets show as one interpreter frame", $"start it with {Flags}");
    }

    public void Dispose()
    {
        _stopping.Cancel();
        _stopping.Dispose();
        _concurrency.Dispose();
    }
}
