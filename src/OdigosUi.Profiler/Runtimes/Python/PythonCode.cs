using OdigosUi.Profiler.Symbolization;

namespace OdigosUi.Profiler.Runtimes.Python;

/// <summary>
/// What the profiler keeps of one code object: its qualified name, file, first line and line table, where its
/// instructions start in the process, and the frame of each line sampled so far.
/// </summary>
internal sealed class PythonCode(string qualifiedName, string? fileName, int firstLine, byte[] lineTable, ulong instructions)
{
    private readonly Dictionary<int, ResolvedFrame> _frames = [];

    public string QualifiedName { get; } = qualifiedName;

    public string? FileName { get; } = fileName;

    public int FirstLine { get; } = firstLine;

    public int EstimatedBytes => 96 + lineTable.Length + (QualifiedName.Length + (FileName?.Length ?? 0)) * 2 + _frames.Count * 96;

    /// <summary>
    /// The frame of this code running the instruction at <paramref name="instruction"/> (the frame's prev_instr or
    /// instr_ptr): its line from the line table, else the first line (a frame that has not started: 3.12's prev_instr
    /// is then one code unit before the first instruction).
    /// </summary>
    public ResolvedFrame FrameAt(ulong instruction)
    {
        var offset = (long)(instruction - instructions);
        var line = offset >= 0 && offset < int.MaxValue ? LocationTable.Line(lineTable, FirstLine, (int)(offset / 2)) ?? FirstLine : FirstLine;
        if (!_frames.TryGetValue(line, out var frame))
        {
            frame = new ResolvedFrame(FrameKind.CPython, QualifiedName, null, 0) { FileName = FileName, Line = line };
            _frames[line] = frame;
        }

        return frame;
    }
}
