namespace OdigosUi.Profiler.Runtimes.Python;

/// <summary>
/// Python functions named from CPython processes' frame chains since the profiler started: samples whose stack got
/// Python frames, samples of CPython processes whose thread had no thread state (it never ran Python, or started
/// since the threads were listed) or whose chain could not be read, bytes read from the processes, and how each
/// CPython process seen and still running is named.
/// </summary>
public sealed record PythonStats(long SamplesMerged, long NoThreadState, long ReadFailures, long BytesRead, IReadOnlyList<PythonProcessStatus> Processes)
{
    public static PythonStats None { get; } = new(0, 0, 0, 0, []);

    /// <summary>Processes whose Python frames are named.</summary>
    public int NamedProcesses => Processes.Count(p => p.Route == PythonProcessStatus.FrameChain);
}

/// <summary>
/// One CPython process: <see cref="Route"/> is <see cref="FrameChain"/> when its frames are read from its memory,
/// <see cref="Unsupported"/> when its version has no known offsets; <see cref="Detail"/> says where the offsets came
/// from, or why not.
/// </summary>
public sealed record PythonProcessStatus(int Pid, string Version, string Route, string Detail)
{
    public const string FrameChain = "frame-chain";
    public const string Unsupported = "unsupported";
}
