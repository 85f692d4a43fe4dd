using OdigosUi.Profiler.Runtimes.Python;
using OdigosUi.Profiler.Symbolization;

namespace OdigosUi.Profiler.Tests;

public sealed class PythonStackMergerTests
{
    private static readonly ResolvedFrame[] Native =
    [
        new(FrameKind.Kernel, "asm_sysvec_apic_timer_interrupt", null, 1),
        new(FrameKind.Native, "long_add", null, 2),
        new(FrameKind.Native, "_PyEval_EvalFrameDefault", null, 3),
        new(FrameKind.Native, "PyObject_Call", null, 4),
        new(FrameKind.Native, "_PyEval_EvalFrameDefault.cold", null, 5),
        new(FrameKind.Native, "PyEval_EvalCode", null, 6),
        new(FrameKind.Native, "main", null, 7),
    ];

    private static PythonFrame Python(string name, bool endsEvalCall) =>
        new(new ResolvedFrame(FrameKind.CPython, name, null, 0) { FileName = "/app/main.py", Line = 3 }, endsEvalCall);

    private static string Names(IEnumerable<ResolvedFrame> frames) => string.Join(';', frames.Select(f => f.FunctionName));

    [Fact]
    public void Each_eval_loop_call_is_replaced_by_the_python_frames_it_runs()
    {
        var merged = PythonStackMerger.Merge(Native, [Python("inner", false), Python("middle", true), Python("outer", false), Python("<module>", true)]);

        Assert.Equal("asm_sysvec_apic_timer_interrupt;long_add;inner;middle;PyObject_Call;outer;<module>;PyEval_EvalCode;main", Names(merged));
        Assert.All(merged.Where(f => f.FunctionName is "inner" or "<module>"), f => Assert.Equal((FrameKind.CPython, "/app/main.py", 3L), (f.Kind, f.FileName!, f.Line)));
    }

    [Fact]
    public void When_the_counts_differ_every_python_frame_goes_in_place_of_the_innermost_eval_loop_call()
    {
        var merged = PythonStackMerger.Merge(Native, [Python("a", true), Python("b", true), Python("c", true)]);

        Assert.Equal("asm_sysvec_apic_timer_interrupt;long_add;a;b;c;PyObject_Call;_PyEval_EvalFrameDefault.cold;PyEval_EvalCode;main", Names(merged));
    }

    [Fact]
    public void A_native_stack_without_the_eval_loop_gets_the_python_frames_as_its_callers()
    {
        ResolvedFrame[] native = [new(FrameKind.Native, "sqlite3_step", null, 1), new(FrameKind.Native, null, null, 2)];

        Assert.Equal("sqlite3_step;;query;<module>", Names(PythonStackMerger.Merge(native, [Python("query", false), Python("<module>", true)])));
        Assert.Same(native, PythonStackMerger.Merge(native, []));
    }

    [Fact]
    public void Only_the_eval_loop_and_its_cold_part_are_eval_loop_frames()
    {
        Assert.True(PythonStackMerger.IsEvalLoop(new ResolvedFrame(FrameKind.Native, "_PyEval_EvalFrameDefault", null, 0)));
        Assert.True(PythonStackMerger.IsEvalLoop(new ResolvedFrame(FrameKind.Native, "_PyEval_EvalFrameDefault.cold", null, 0)));
        Assert.False(PythonStackMerger.IsEvalLoop(new ResolvedFrame(FrameKind.Native, "_PyEval_EvalFrameDefaultX", null, 0)));
        Assert.False(PythonStackMerger.IsEvalLoop(new ResolvedFrame(FrameKind.Native, "_PyEval_EvalFrame", null, 0)));
        Assert.False(PythonStackMerger.IsEvalLoop(new ResolvedFrame(FrameKind.CPython, "_PyEval_EvalFrameDefault", null, 0)));
    }
}
