using OdigosUi.Profiler.Symbolization;

namespace OdigosUi.Profiler.Runtimes.Python;

/// <summary>
/// Puts the Python frames of a sample into its native stack (both leaf first): each native call of the eval loop
/// (<c>_PyEval_EvalFrameDefault</c>) is replaced by the Python frames it runs, which in 3.11+ are several (a Python
/// call from Python stays in the same loop call), delimited by <see cref="PythonFrame.EndsEvalCall"/>. Native frames
/// above and below stay: a C extension called from Python is a native leaf under its Python caller.
/// </summary>
public static class PythonStackMerger
{
    private const string EvalLoop = "_PyEval_EvalFrameDefault";

    public static ResolvedFrame[] Merge(IReadOnlyList<ResolvedFrame> native, IReadOnlyList<PythonFrame> python)
    {
        if (python.Count == 0)
        {
            return native as ResolvedFrame[] ?? [.. native];
        }

        var evalCalls = new List<int>();
        for (var i = 0; i < native.Count; i++)
        {
            if (IsEvalLoop(native[i]))
            {
                evalCalls.Add(i);
            }
        }

        var groups = Groups(python);
        var merged = new List<ResolvedFrame>(native.Count + python.Count);
        if (evalCalls.Count == 0)
        {
            // The native walk did not reach the eval loop (it stopped early): the Python frames are its callers.
            merged.AddRange(native);
            merged.AddRange(python.Select(p => p.Frame));
            return [.. merged];
        }

        // The counts differ when the thread moved on between the sample and this read, or the native walk lost
        // frames: then every Python frame goes in place of the innermost eval loop call, none is dropped.
        var matched = evalCalls.Count == groups.Count;
        var group = 0;
        for (var i = 0; i < native.Count; i++)
        {
            if (matched && group < evalCalls.Count && i == evalCalls[group])
            {
                merged.AddRange(groups[group++]);
            }
            else if (!matched && i == evalCalls[0])
            {
                merged.AddRange(python.Select(p => p.Frame));
            }
            else
            {
                merged.Add(native[i]);
            }
        }

        return [.. merged];
    }

    /// <summary>A native frame of the eval loop (also its cold part, <c>_PyEval_EvalFrameDefault.cold</c>).</summary>
    public static bool IsEvalLoop(ResolvedFrame frame) =>
        frame.Kind == FrameKind.Native && frame.FunctionName is { } name && name.StartsWith(EvalLoop, StringComparison.Ordinal)
        && (name.Length == EvalLoop.Length || name[EvalLoop.Length] == '.');

    private static List<List<ResolvedFrame>> Groups(IReadOnlyList<PythonFrame> python)
    {
        var groups = new List<List<ResolvedFrame>>();
        List<ResolvedFrame>? open = null;
        foreach (var frame in python)
        {
            if (open is null)
            {
                open = [];
                groups.Add(open);
            }

            open.Add(frame.Frame);
            if (frame.EndsEvalCall)
            {
                open = null;
            }
        }

        return groups;
    }
}
