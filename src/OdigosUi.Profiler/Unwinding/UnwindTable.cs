using System.Runtime.InteropServices;

namespace OdigosUi.Profiler.Unwinding;

/// <summary>How the canonical frame address (the caller's stack pointer) of a code range is found on x86-64.</summary>
public enum CfaRule : byte
{
    /// <summary>No call frame information covers the range: walk it by frame pointer.</summary>
    None,

    /// <summary>CFA = rsp + offset.</summary>
    StackPointer,

    /// <summary>CFA = rbp + offset.</summary>
    FramePointer,

    /// <summary>A PLT entry: CFA = rsp + 8, plus 8 when (rip &amp; 15) >= the threshold held in the offset.</summary>
    PltEntry,

    /// <summary>The outermost frame (the return address is undefined, as in <c>_start</c>): the walk is complete.</summary>
    Outermost,

    /// <summary>A rule the unwinder cannot follow (a general DWARF expression, a register other than rsp or rbp).</summary>
    Unsupported,
}

/// <summary>
/// One row of an object's unwind table: from <see cref="Pc"/> (relative to the table's base) to the next row, the CFA
/// rule and where the caller's rbp was saved (<see cref="BpOffset"/> bytes from the CFA; 0: rbp is unchanged). The
/// return address is at CFA - 8, as the x86-64 ABI fixes it (other rules are <see cref="CfaRule.Unsupported"/>).
/// </summary>
[StructLayout(LayoutKind.Sequential, Pack = 4)]
public readonly record struct UnwindRow(uint Pc, int CfaOffset, short BpOffset, CfaRule Rule);

/// <summary>
/// An object's call frame information compiled to sorted rows keyed by link-time address: a lookup is one binary
/// search, whatever the DWARF program that produced the row. Immutable and shared by every process mapping the object.
/// </summary>
public sealed class UnwindTable
{
    private readonly UnwindRow[] _rows;

    internal UnwindTable(ulong basePc, UnwindRow[] rows, int fdeCount, string source)
    {
        BasePc = basePc;
        _rows = rows;
        FdeCount = fdeCount;
        Source = source;
    }

    public static UnwindTable Empty { get; } = new(0, [], 0, "none");

    /// <summary>The lowest address a row covers; row addresses are offsets from it.</summary>
    public ulong BasePc { get; }

    public int Count => _rows.Length;

    public int FdeCount { get; }

    /// <summary>Where the rows came from: <c>.eh_frame</c>, <c>.debug_frame</c> (of the object or its debug file), or none.</summary>
    public string Source { get; }

    public long EstimatedBytes => 64 + _rows.Length * (long)Marshal.SizeOf<UnwindRow>();

    public ReadOnlySpan<UnwindRow> Rows => _rows;

    /// <summary>The row covering the link-time address <paramref name="pc"/>; a <see cref="CfaRule.None"/> row when none does.</summary>
    public UnwindRow Find(ulong pc)
    {
        if (pc < BasePc || pc - BasePc > uint.MaxValue || _rows.Length == 0)
        {
            return default;
        }

        var target = (uint)(pc - BasePc);
        int low = 0, high = _rows.Length - 1;
        while (low <= high)
        {
            var mid = (low + high) >>> 1;
            if (_rows[mid].Pc <= target)
            {
                low = mid + 1;
            }
            else
            {
                high = mid - 1;
            }
        }

        return high < 0 ? default : _rows[high];
    }
}
