using OdigosUi.Profiler.Symbolization;

namespace OdigosUi.Profiler.Unwinding;

/// <summary>The unwind tables of the objects mapped by <see cref="Process"/>, set for the sample being walked. Not thread-safe.</summary>
public sealed class ProcessUnwindInfo(ElfCache elfCache, UnwindTableCache tables) : IUnwindInfo
{
    public UnwindTableCache Tables { get; } = tables;

    public ProcessSymbols? Process { get; set; }

    public bool TryFind(ulong pc, out UnwindTable table, out ulong linkTimePc)
    {
        if (Process is null)
        {
            table = UnwindTable.Empty;
            linkTimePc = 0;
            return false;
        }

        return Process.TryFindUnwindTable(pc, elfCache, Tables, out table, out linkTimePc);
    }
}
