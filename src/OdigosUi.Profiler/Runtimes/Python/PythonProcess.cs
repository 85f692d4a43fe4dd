using OdigosUi.Profiler.Symbolization;

namespace OdigosUi.Profiler.Runtimes.Python;

/// <summary>
/// The Python naming state of one CPython process: its stack reader once the interpreter was found; until then the
/// search is repeated at most every 2 s (libpython may be loaded later by an embedding program), and never again
/// once the version turned out unsupported.
/// </summary>
internal sealed class PythonProcess
{
    private const long SearchIntervalMs = 2000;

    private long _searchedAt = long.MinValue / 2;

    public PythonStackReader? Reader { get; private set; }

    public PythonProcessStatus? Status { get; private set; }

    /// <summary>The reader, when the interpreter is (now) found.</summary>
    public PythonStackReader? Open(ProcessSymbols symbols, ElfCache cache)
    {
        if (Reader is not null || Status is not null || Environment.TickCount64 - _searchedAt < SearchIntervalMs)
        {
            return Reader;
        }

        _searchedAt = Environment.TickCount64;
        var memory = new ProcessMemory(symbols.Pid);
        if (PythonInterpreter.Find(symbols, cache, memory, out var reason, out var unsupported) is { } interpreter)
        {
            Reader = new PythonStackReader(interpreter, memory);
            var offsets = interpreter.OffsetsFromDebugOffsets ? "offsets from _PyRuntime.debug_offsets" : $"offsets table {interpreter.Version.Major}.{interpreter.Version.Minor}";
            Status = new PythonProcessStatus(symbols.Pid, interpreter.Version.ToString(), PythonProcessStatus.FrameChain, offsets);
        }
        else if (unsupported is { } version)
        {
            Status = new PythonProcessStatus(symbols.Pid, version.ToString(), PythonProcessStatus.Unsupported, reason);
        }

        return Reader;
    }
}
