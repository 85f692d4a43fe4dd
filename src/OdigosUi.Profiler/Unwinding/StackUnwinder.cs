using System.Buffers.Binary;

namespace OdigosUi.Profiler.Unwinding;

/// <summary>Why a walk ended: <see cref="Complete"/> is the only ending that reached the thread's first frame.</summary>
public enum UnwindStop
{
    /// <summary>The outermost frame was reached (undefined return address, a zero return address or frame pointer).</summary>
    Complete,

    /// <summary>The next frame lies beyond the copy of the stack the kernel took (raise the stack copy size).</summary>
    StackCopyTooSmall,

    /// <summary>Code without call frame information whose frame pointer does not point into the stack.</summary>
    NoUnwindInfo,

    /// <summary>A return address outside every executable mapping (a frame saved no return address where the rules say).</summary>
    UnmappedAddress,

    /// <summary>A CFI rule the unwinder does not follow (general DWARF expressions, signal frames).</summary>
    UnsupportedRule,

    /// <summary>A frame that does not move up the stack, or points below it.</summary>
    InvalidFrame,

    /// <summary>More frames than <see cref="StackUnwinder.MaxFrames"/>.</summary>
    DepthLimit,
}

/// <summary>What the unwinder needs of a process: the unwind table and link-time address of a code address.</summary>
public interface IUnwindInfo
{
    /// <summary>False when <paramref name="pc"/> is in no executable mapping; a table without rows for code without CFI.</summary>
    bool TryFind(ulong pc, out UnwindTable table, out ulong linkTimePc);
}

/// <summary>
/// The user registers and stack the kernel copied at a sample (PERF_SAMPLE_REGS_USER and PERF_SAMPLE_STACK_USER):
/// <see cref="Stack"/> holds the memory from <see cref="Sp"/> up; <see cref="Truncated"/> when the copy was full.
/// </summary>
public readonly ref struct UserStack(ulong ip, ulong sp, ulong bp, ReadOnlySpan<byte> stack, bool truncated)
{
    public ulong Ip { get; } = ip;
    public ulong Sp { get; } = sp;
    public ulong Bp { get; } = bp;
    public ReadOnlySpan<byte> Stack { get; } = stack;
    public bool Truncated { get; } = truncated;
}

/// <summary>
/// Walks an x86-64 user stack from a sample's registers and stack copy: by the compiled CFI of each object where it
/// has some, by frame pointer where it has none (JIT code, hand-written assembly). Per frame: one mapping lookup and
/// one binary search.
/// </summary>
public static class StackUnwinder
{
    public const int MaxFrames = 128;

    /// <summary>Adds the return addresses, leaf first (the sampled ip first), to <paramref name="frames"/>.</summary>
    public static UnwindStop Unwind(in UserStack sample, IUnwindInfo process, List<ulong> frames)
    {
        var stack = sample.Stack;
        var stackStart = sample.Sp;
        var pc = sample.Ip;
        var sp = sample.Sp;
        var bp = sample.Bp;
        frames.Add(pc);
        for (var depth = 0; depth < MaxFrames; depth++)
        {
            var lookup = depth == 0 ? pc : pc - 1;
            if (!process.TryFind(lookup, out var table, out var linkTimePc))
            {
                return UnwindStop.UnmappedAddress;
            }

            var row = table.Find(linkTimePc);
            ulong cfa, returnAddress, callerBp = bp;
            switch (row.Rule)
            {
                case CfaRule.Outermost:
                    return UnwindStop.Complete;
                case CfaRule.Unsupported:
                    return UnwindStop.UnsupportedRule;
                case CfaRule.None:
                    if (bp == 0)
                    {
                        return UnwindStop.Complete;
                    }

                    if (bp < sp)
                    {
                        return UnwindStop.NoUnwindInfo;
                    }

                    if (!TryRead(stack, stackStart, bp + 8, out returnAddress) || !TryRead(stack, stackStart, bp, out callerBp))
                    {
                        return Beyond(sample, bp + 16);
                    }

                    cfa = bp + 16;
                    break;
                default:
                    cfa = row.Rule switch
                    {
                        CfaRule.StackPointer => sp + (ulong)(long)row.CfaOffset,
                        CfaRule.FramePointer => bp + (ulong)(long)row.CfaOffset,
                        _ => sp + 8 + ((pc & 15) >= (ulong)row.CfaOffset ? 8UL : 0UL),
                    };

                    if (cfa <= sp || cfa - 8 < stackStart)
                    {
                        return UnwindStop.InvalidFrame;
                    }

                    if (!TryRead(stack, stackStart, cfa - 8, out returnAddress))
                    {
                        return Beyond(sample, cfa);
                    }

                    if (row.BpOffset != 0 && !TryRead(stack, stackStart, cfa + (ulong)(long)row.BpOffset, out callerBp))
                    {
                        return Beyond(sample, cfa);
                    }

                    break;
            }

            if (returnAddress == 0)
            {
                return UnwindStop.Complete;
            }

            if (cfa <= sp)
            {
                return UnwindStop.InvalidFrame;
            }

            frames.Add(returnAddress);
            pc = returnAddress;
            sp = cfa;
            bp = callerBp;
        }

        return UnwindStop.DepthLimit;
    }

    private static UnwindStop Beyond(in UserStack sample, ulong address) =>
        sample.Truncated && address > sample.Sp ? UnwindStop.StackCopyTooSmall : UnwindStop.InvalidFrame;

    private static bool TryRead(ReadOnlySpan<byte> stack, ulong stackStart, ulong address, out ulong value)
    {
        var offset = address - stackStart;
        if (address < stackStart || offset > (ulong)stack.Length || (ulong)stack.Length - offset < 8)
        {
            value = 0;
            return false;
        }

        value = BinaryPrimitives.ReadUInt64LittleEndian(stack[(int)offset..]);
        return true;
    }
}
