namespace OdigosUi.Profiler.Processes;

/// <summary>
/// The processes the profiler has samples of, kept up to date by the kernel's exit, exec, comm and mmap records.
/// Ring buffers are per CPU and read one after the other, so a process's last samples can sit in a buffer read after
/// the one holding its exit: an exited (or exec'ed) program is dropped at the end of the drain pass after the one
/// that saw it end. <see cref="Sweep"/> drops processes whose records were lost. Not thread-safe.
/// </summary>
public sealed class ProcessTable(int maxCachedFrames = ProcessTable.DefaultMaxCachedFrames)
{
    public const int DefaultMaxCachedFrames = 100_000;

    private readonly Dictionary<int, ProcessState> _current = [];
    private List<ProcessState> _endedThisPass = [];
    private List<ProcessState> _endedLastPass = [];

    /// <summary>Processes with state, the exited ones not yet dropped included.</summary>
    public int Count => _current.Count;

    public int MaxCachedFrames { get; } = maxCachedFrames;

    public bool Contains(int pid) => _current.ContainsKey(pid);

    /// <summary>The latest program of <paramref name="pid"/>, or null when it has no state.</summary>
    public ProcessState? Find(int pid) => _current.GetValueOrDefault(pid);

    public IEnumerable<ProcessState> States => _current.Values;

    /// <summary>The program <paramref name="pid"/> ran at <paramref name="timeMonotonicNs"/>.</summary>
    public ProcessState Get(int pid, ulong timeMonotonicNs)
    {
        // An exited process keeps its state until it is dropped: the kernel still samples it on its way out,
        // after the exit record, and a pid is not reused within the pass or two this takes.
        if (!_current.TryGetValue(pid, out var state))
        {
            state = new ProcessState(pid, 0);
            _current[pid] = state;
            return state;
        }

        for (var s = state; s is not null; s = s.Previous)
        {
            if (timeMonotonicNs >= s.StartMonotonicNs || s.Previous is null)
            {
                return s;
            }
        }

        return state;
    }

    public void Exited(int pid, ulong timeMonotonicNs)
    {
        if (_current.TryGetValue(pid, out var state) && state.EndMonotonicNs is null)
        {
            state.EndMonotonicNs = timeMonotonicNs;
            _endedThisPass.Add(state);
        }
    }

    public void Execed(int pid, ulong timeMonotonicNs)
    {
        var previous = _current.GetValueOrDefault(pid);
        _current[pid] = new ProcessState(pid, timeMonotonicNs) { Previous = previous };
        if (previous is not null)
        {
            previous.EndMonotonicNs ??= timeMonotonicNs;
            _endedThisPass.Add(previous);
        }
    }

    public void ThreadNamed(int pid, int tid, string name)
    {
        if (_current.TryGetValue(pid, out var state))
        {
            state.SetThreadName(tid, name);
        }
    }

    public void ThreadExited(int pid, int tid)
    {
        if (_current.TryGetValue(pid, out var state))
        {
            state.ForgetThread(tid);
        }
    }

    /// <summary>Call after every drain of all buffers: drops what ended a pass ago and bounds the frame caches.</summary>
    public void EndPass()
    {
        foreach (var state in _endedLastPass)
        {
            Drop(state);
        }

        _endedLastPass.Clear();
        (_endedLastPass, _endedThisPass) = (_endedThisPass, _endedLastPass);

        if (_current.Values.Sum(s => s.Symbols.CachedFrames) > MaxCachedFrames)
        {
            foreach (var state in _current.Values)
            {
                for (var s = state; s is not null; s = s.Previous)
                {
                    s.Symbols.ClearFrames();
                }
            }
        }
    }

    /// <summary>Drops the processes /proc no longer has (their exit record was lost); returns how many.</summary>
    public int Sweep(Func<int, bool>? exists = null)
    {
        exists ??= pid => Directory.Exists($"/proc/{pid}");
        var gone = _current.Keys.Where(pid => !exists(pid)).ToList();
        foreach (var pid in gone)
        {
            _current.Remove(pid);
        }

        return gone.Count;
    }

    private void Drop(ProcessState state)
    {
        if (!_current.TryGetValue(state.Pid, out var current))
        {
            return;
        }

        if (current == state)
        {
            _current.Remove(state.Pid);
            return;
        }

        for (var s = current; s is not null; s = s.Previous)
        {
            if (s.Previous == state)
            {
                s.Previous = null;
                return;
            }
        }
    }
}
