using System.Collections.Concurrent;
using OdigosUi.Profiler.Processes;
using OdigosUi.Profiler.Symbolization;

namespace OdigosUi.Profiler.Runtimes.Python;

/// <summary>
/// Names the Python functions in the samples of CPython processes: reads the sampled thread's frame chain from the
/// process and merges it into the resolved native stack. Runs on the profiler's drain thread; <see cref="Stats"/> may
/// be read from any thread.
/// </summary>
internal sealed class PythonNaming(ElfCache elfCache)
{
    private readonly List<PythonFrame> _frames = [];
    private readonly ConcurrentDictionary<int, PythonProcessStatus> _statuses = new();
    private long _merged;
    private long _noThreadState;
    private long _failed;
    private long _bytesRead;

    public PythonStats Stats => new(
        Interlocked.Read(ref _merged),
        Interlocked.Read(ref _noThreadState),
        Interlocked.Read(ref _failed),
        Interlocked.Read(ref _bytesRead),
        [.. _statuses.Values.OrderBy(s => s.Pid)]);

    /// <summary>
    /// <paramref name="frames"/> (leaf first) with the Python frames thread <paramref name="tid"/> of
    /// <paramref name="process"/> runs, or <paramref name="frames"/> itself when none could be read.
    /// </summary>
    public ResolvedFrame[] Name(ProcessState process, int tid, ResolvedFrame[] frames)
    {
        var python = process.Python ??= new PythonProcess();
        var reader = python.Open(process.Symbols, elfCache);
        if (python.Status is { } status)
        {
            _statuses.TryAdd(process.Pid, status);
        }

        if (reader is null)
        {
            return frames;
        }

        var before = reader.BytesRead;
        var result = reader.Read(tid, _frames);
        Interlocked.Add(ref _bytesRead, reader.BytesRead - before);
        switch (result)
        {
            case PythonReadResult.Frames:
                Interlocked.Increment(ref _merged);
                return PythonStackMerger.Merge(frames, _frames);
            case PythonReadResult.NoThreadState:
                Interlocked.Increment(ref _noThreadState);
                break;
            case PythonReadResult.Failed:
                Interlocked.Increment(ref _failed);
                break;
        }

        return frames;
    }

    /// <summary>The program of <paramref name="pid"/> ended (exit or exec).</summary>
    public void Forget(int pid) => _statuses.TryRemove(pid, out _);

    /// <summary>Keeps the status of the processes <paramref name="tracked"/> still has.</summary>
    public void Sweep(Func<int, bool> tracked)
    {
        foreach (var pid in _statuses.Keys)
        {
            if (!tracked(pid))
            {
                _statuses.TryRemove(pid, out _);
            }
        }
    }
}
