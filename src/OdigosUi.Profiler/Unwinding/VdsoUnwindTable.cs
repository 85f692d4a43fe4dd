using OdigosUi.Profiler.Symbolization;

namespace OdigosUi.Profiler.Unwinding;

/// <summary>
/// The unwind table of the kernel's vDSO (clock_gettime, gettimeofday, time: hot in many services), compiled from the
/// copy mapped into this process: every 64-bit process on the node maps the same image. Built once, on first use.
/// </summary>
public static class VdsoUnwindTable
{
    private static readonly Lazy<(UnwindTable Table, long Bias)> Compiled = new(Compile);

    /// <summary>The table; <see cref="UnwindTable.Empty"/> when this process has no vDSO or it has no .eh_frame.</summary>
    public static UnwindTable Table => Compiled.Value.Table;

    /// <summary>The link-time address of <paramref name="offset"/> bytes into a process's [vdso] mapping.</summary>
    public static ulong LinkTimeAddress(ulong offset) => (ulong)((long)offset + Compiled.Value.Bias);

    private static unsafe (UnwindTable, long) Compile()
    {
        try
        {
            var vdso = ProcessMaps.Read(Environment.ProcessId).Mappings.FirstOrDefault(m => m.Path == "[vdso]");
            if (vdso is null)
            {
                return (UnwindTable.Empty, 0);
            }

            var start = (byte*)vdso.Start;
            var length = vdso.End - vdso.Start;
            var elf = ElfFile.FromMemory(start, length, "[vdso]");
            if (elf.Section(".eh_frame") is not { Size: > 0 } section || section.Offset + section.Size > length || elf.LoadSegments.Count == 0)
            {
                return (UnwindTable.Empty, 0);
            }

            var table = CallFrameInfoCompiler.Compile(new ReadOnlySpan<byte>(start + section.Offset, (int)section.Size), section.VirtualAddress, isDebugFrame: false);
            var load = elf.LoadSegments[0];
            return (table, (long)load.VirtualAddress - (long)load.Offset);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            return (UnwindTable.Empty, 0);
        }
    }
}
