using OdigosUi.Profiler.Symbolization;

namespace OdigosUi.Profiler.Otlp;

/// <summary>One symbolized observation; <see cref="Frames"/> is leaf first.</summary>
public sealed record CollectedSample(int Pid, int Tid, ulong TimeUnixNano, IReadOnlyList<ResolvedFrame> Frames);

/// <summary>
/// The samples of one report interval with the process and thread names read when they were first seen, so a
/// process that exits before the report still has its names.
/// </summary>
public sealed class SampleWindow(ulong startUnixNano)
{
    private readonly List<CollectedSample> _samples = [];
    private readonly Dictionary<int, ProcessInfo> _processes = [];
    private readonly Dictionary<(int Pid, int Tid), string?> _threadNames = [];

    public ulong StartUnixNano { get; } = startUnixNano;

    public IReadOnlyList<CollectedSample> Samples => _samples;

    public IReadOnlyDictionary<int, ProcessInfo> Processes => _processes;

    public void Add(CollectedSample sample, Func<int, ProcessInfo>? readProcess = null, Func<int, int, string?>? readThreadName = null)
    {
        _samples.Add(sample);
        if (!_processes.ContainsKey(sample.Pid))
        {
            _processes[sample.Pid] = (readProcess ?? ProcessInfo.Read)(sample.Pid);
        }

        if (!_threadNames.ContainsKey((sample.Pid, sample.Tid)))
        {
            _threadNames[(sample.Pid, sample.Tid)] = (readThreadName ?? ProcessInfo.ReadThreadName)(sample.Pid, sample.Tid);
        }
    }

    /// <summary>Adds a sample with the process and thread names the caller already knows.</summary>
    public void Add(CollectedSample sample, ProcessInfo process, string? threadName)
    {
        _samples.Add(sample);
        _processes.TryAdd(sample.Pid, process);
        _threadNames.TryAdd((sample.Pid, sample.Tid), threadName);
    }

    public string? ThreadName(int pid, int tid) => _threadNames.GetValueOrDefault((pid, tid));
}
