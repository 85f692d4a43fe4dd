using OdigosUi.Profiler.Otlp;
using OdigosUi.Profiler.Symbolization;

namespace OdigosUi.Profiler.Processes;

/// <summary>
/// One program run by a process: from when the profiler first saw it (or its exec) to its exit or next exec. Holds
/// the symbolization state and the names read from /proc, so a long-running process costs no /proc reads per report.
/// </summary>
public sealed class ProcessState(int pid, ulong startMonotonicNs)
{
    private const int MaxThreadNames = 10_000;

    private readonly Dictionary<int, string?> _threadNames = [];
    private ProcessInfo? _info;

    public int Pid { get; } = pid;

    /// <summary>CLOCK_MONOTONIC time of the exec that started this program; 0 when it ran before the profiler saw it.</summary>
    public ulong StartMonotonicNs { get; } = startMonotonicNs;

    /// <summary>When the program exited or was replaced by an exec; null while it runs.</summary>
    public ulong? EndMonotonicNs { get; internal set; }

    /// <summary>The program this one replaced by exec, kept until that program's last samples are read.</summary>
    internal ProcessState? Previous { get; set; }

    public ProcessSymbols Symbols { get; } = new(pid);

    /// <summary>How the runtime of this program is asked for names; set once the program is considered for naming.</summary>
    internal Runtimes.ProcessNaming? Naming { get; set; }

    /// <summary>The Python naming state, once a sample showed the process runs CPython.</summary>
    internal Runtimes.Python.PythonProcess? Python { get; set; }

    /// <summary>Executable, path and container, read from /proc the first time they are needed (again after an unreported exec).</summary>
    public ProcessInfo Info
    {
        get
        {
            if (Symbols.TakeExecutableChanged())
            {
                _info = null;
                _threadNames.Clear();
                Python = null;
            }

            return _info ??= ProcessInfo.Read(Pid);
        }
    }

    public int ThreadCount => _threadNames.Count;

    public string? ThreadName(int tid)
    {
        if (!_threadNames.TryGetValue(tid, out var name))
        {
            if (_threadNames.Count >= MaxThreadNames)
            {
                _threadNames.Clear();
            }

            name = ProcessInfo.ReadThreadName(Pid, tid);
            _threadNames[tid] = name;
        }

        return name;
    }

    internal void SetThreadName(int tid, string name) => _threadNames[tid] = name;

    internal void ForgetThread(int tid) => _threadNames.Remove(tid);
}
