namespace OdigosUi.Profiler.Runtimes;

/// <summary>
/// How the frames of one process are named: by which <see cref="Route"/>, whether they are (<see cref="Named"/>), and
/// when not, why (<see cref="Reason"/>) and what would fix it (<see cref="Fix"/>). A fix is also given for named
/// processes whose stacks are still weaker than they could be (a JVM without frame pointers).
/// </summary>
public sealed record ProcessNamingStatus(int Pid, string Executable, ProcessRuntime Runtime, string Route, bool Named, string? Reason = null, string? Fix = null);

/// <summary>Per runtime: processes profiled, how many of them are named, and those unnamed or with a fix to suggest, with their reasons (at most a few).</summary>
public sealed record RuntimeNamingSummary(ProcessRuntime Runtime, int Processes, int Named, IReadOnlyList<ProcessNamingStatus> NeedsAttention, IReadOnlyList<string> Routes);

/// <summary>
/// The naming state of one program (a <see cref="Processes.ProcessState"/>): its current status, written by the
/// background attempts, and when the next attempt may run. Read and written on any thread.
/// </summary>
internal sealed class ProcessNaming(ProcessNamingStatus status)
{
    private ProcessNamingStatus _status = status;
    private int _busy;

    public ProcessNamingStatus Status
    {
        get => Volatile.Read(ref _status);
        set => Volatile.Write(ref _status, value);
    }

    /// <summary>Environment.TickCount64 before which no new attempt starts.</summary>
    public long NextAttemptAt { get; set; }

    /// <summary>Attempts that failed and may be tried again (at most <see cref="RuntimeNamer.MaxAttempts"/>).</summary>
    public int Failures { get; set; }

    /// <summary>True once nothing more is to be asked of the runtime (its perf map is on, or it cannot be asked).</summary>
    public bool Done { get; set; }

    /// <summary><see cref="Symbolization.ProcessSymbols.JitMisses"/> when the runtime last rewrote its perf map.</summary>
    public long MissesAtRefresh { get; set; } = -1;

    public bool TryStart() => Interlocked.CompareExchange(ref _busy, 1, 0) == 0;

    public void Finish() => Volatile.Write(ref _busy, 0);
}
