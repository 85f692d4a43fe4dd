namespace OdigosUi.Profiler.Runtimes.Jvm;

/// <summary>
/// Has running HotSpot JVMs (17+) write their perf map (<c>Compiler.perfmap</c>, which rewrites the whole
/// <c>/tmp/perf-NSPID.map</c> in the JVM's mount namespace) so their compiled methods get names without a restart.
/// Compiled code keeps changing, so a JVM is asked again, at most once per <c>minInterval</c>. The first refresh of a
/// process also reads <c>VM.flags</c> once to tell whether compiled frames keep their callers (PreserveFramePointer).
/// A JVM that cannot be attached to (not a JVM, attach disabled, timed out) is not asked again while it runs, so a
/// JVM without an attach listener gets one SIGQUIT, not one per interval. Thread-safe.
/// </summary>
public sealed class JvmPerfMapRefresher(TimeSpan? minInterval = null, TimeSpan? attachTimeout = null)
{
    public static readonly TimeSpan DefaultMinInterval = TimeSpan.FromSeconds(10);

    private readonly TimeSpan _minInterval = minInterval ?? DefaultMinInterval;
    private readonly TimeSpan _attachTimeout = attachTimeout ?? HotSpotAttach.DefaultTimeout;
    private readonly Dictionary<int, JvmState> _processes = [];
    private readonly Lock _lock = new();

    /// <summary>
    /// Asks the JVM with host pid <paramref name="pid"/> to rewrite its perf map unless it was asked less than the
    /// minimum interval ago. When the result says <see cref="JvmPerfMapRefresh.WroteMap"/>, the caller has the
    /// profiler read the map again (<see cref="Symbolization.ProcessSymbols.RequestPerfMapReload"/>).
    /// </summary>
    public async Task<JvmPerfMapRefresh> RefreshAsync(int pid, CancellationToken cancellationToken = default)
    {
        var startTime = JvmTarget.StartTime(pid);
        JvmState state;
        lock (_lock)
        {
            if (!_processes.TryGetValue(pid, out state!) || state.StartTime != startTime)
            {
                _processes[pid] = state = new JvmState(startTime);
            }

            if (state.Abandoned is { } abandoned)
            {
                return abandoned;
            }

            var now = Environment.TickCount64;
            if (now - state.AskedAt < _minInterval.TotalMilliseconds)
            {
                return new JvmPerfMapRefresh(false, 0, state.PreserveFramePointer, null);
            }

            state.AskedAt = now;
        }

        try
        {
            state.PreserveFramePointer ??= PreservesFramePointer(await HotSpotAttach.ExecuteAsync(pid, "VM.flags", _attachTimeout, cancellationToken));
            await HotSpotAttach.ExecuteAsync(pid, "Compiler.perfmap", _attachTimeout, cancellationToken);
            state.PerfMapPath ??= JvmTarget.Read(pid).PerfMapPath;
            return new JvmPerfMapRefresh(true, CountLines(state.PerfMapPath), state.PreserveFramePointer, null);
        }
        catch (JvmAttachException e)
        {
            var failed = new JvmPerfMapRefresh(false, 0, state.PreserveFramePointer, e.Message) { Failure = e.Reason };
            if (e.Reason is JvmAttachFailure.NotAJvm or JvmAttachFailure.AttachDisabled or JvmAttachFailure.TimedOut)
            {
                state.Abandoned = failed;
            }

            return failed;
        }
    }

    /// <summary>Drops what is kept about a process that exited.</summary>
    public void Forget(int pid)
    {
        lock (_lock)
        {
            _processes.Remove(pid);
        }
    }

    /// <summary>Whether <c>VM.flags</c> output (the flags not at their default) sets PreserveFramePointer; off by default.</summary>
    internal static bool PreservesFramePointer(string flags) =>
        flags.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).LastOrDefault(f => f is "-XX:+PreserveFramePointer" or "-XX:-PreserveFramePointer") == "-XX:+PreserveFramePointer";

    private static int CountLines(string path)
    {
        try
        {
            using var file = Processes.WorkloadFiles.Shared.Open(path, Processes.WorkloadFileKind.PerfMap);
            if (file is null)
            {
                return 0;
            }

            using var stream = new FileStream(file.Handle, FileAccess.Read, bufferSize: 1);
            var buffer = new byte[64 * 1024];
            var lines = 0;
            int read;
            while ((read = stream.Read(buffer)) > 0)
            {
                lines += buffer.AsSpan(0, read).Count((byte)'\n');
            }

            return lines;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
    }

    private sealed class JvmState(ulong? startTime)
    {
        public ulong? StartTime { get; } = startTime;

        public long AskedAt { get; set; } = long.MinValue / 2;

        public bool? PreserveFramePointer { get; set; }

        public string? PerfMapPath { get; set; }

        public JvmPerfMapRefresh? Abandoned { get; set; }
    }
}

/// <summary>
/// What one <see cref="JvmPerfMapRefresher.RefreshAsync"/> did: whether the JVM rewrote its map (and its lines), whether
/// it runs with PreserveFramePointer (null until known), and why it failed. Neither written nor failed: asked too recently.
/// </summary>
public sealed record JvmPerfMapRefresh(bool WroteMap, int Lines, bool? PreserveFramePointer, string? Error)
{
    public JvmAttachFailure? Failure { get; init; }

    /// <summary>What to change in the workload for complete Java stacks, for the UI; null when nothing is known to be missing.</summary>
    public string? Advice => PreserveFramePointer == false
        ? "Java compiled frames lose their callers: restart the JVM with JAVA_TOOL_OPTIONS=-XX:+PreserveFramePointer"
        : null;
}
