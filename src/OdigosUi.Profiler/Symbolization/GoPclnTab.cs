using System.Buffers.Binary;
using System.Text;

namespace OdigosUi.Profiler.Symbolization;

/// <summary>
/// The Go runtime's pc-line table (<c>.gopclntab</c>, <c>.data.rel.ro.gopclntab</c> in a PIE) of Go 1.16 and later:
/// every function's entry pc and name, and the pc-value tables that map a pc to its file and line. The runtime needs
/// it for tracebacks, so <c>go build -ldflags='-s -w'</c> keeps it while it drops <c>.symtab</c>, which makes it the
/// only symbol table most Go container images have.
/// <para>
/// Layout (all little-endian): a header (magic, two zero bytes, the pc quantum, the pointer size, then pointer-sized
/// nfunc, nfiles, the text start (1.18+), and the offsets of funcnametab, cutab, filetab, pctab and the func table),
/// then at the func table nfunc + 1 pairs of (entry, offset of the function's _func record from the func table); the
/// last pair's entry is the end of the text. Entries are 32-bit offsets from the text start since 1.18 and pointers
/// before. A _func record starts with its entry, then a 32-bit name offset into funcnametab (NUL-terminated names),
/// and holds the offsets of its pcfile and pcln tables in pctab and its compilation unit's first index into cutab.
/// </para>
/// Nothing read from the file is trusted: every count is clamped to what the section can hold, every offset is
/// checked, and a malformed table gives null or fewer functions, never an exception.
/// </summary>
public sealed class GoPclnTab
{
    /// <summary>Larger sections are refused (the biggest Go binaries have pclntabs of tens of MiB).</summary>
    public const long MaxSectionBytes = 256L << 20;

    private readonly byte[] _data;
    private readonly Layout _layout;

    private GoPclnTab(byte[] data, Layout layout, SymbolTable symbols)
    {
        _data = data;
        _layout = layout;
        Symbols = symbols;
    }

    /// <summary>The Go version range the table's magic number names.</summary>
    public GoPclnTabVersion Version => _layout.Version;

    /// <summary>The text start the function entries are relative to (1.18+), or 0 before 1.18 (absolute entries).</summary>
    public ulong TextStart => _layout.TextStart;

    /// <summary>Every function: link-time entry address, size up to the next entry, exact Go name (<c>main.(*T).Method</c>).</summary>
    public SymbolTable Symbols { get; }

    /// <summary>The pclntab section among <paramref name="sections"/> (a PIE has it as <c>.data.rel.ro.gopclntab</c>), or null.</summary>
    public static ElfSection? FindSection(IReadOnlyList<ElfSection> sections)
    {
        foreach (var section in sections)
        {
            if (section.HasBytes && section.Name is ".gopclntab" or ".data.rel.ro.gopclntab")
            {
                return section;
            }
        }

        return null;
    }

    /// <summary>
    /// Reads the pclntab section of <paramref name="elf"/> from <see cref="ElfFile.Path"/> (only that section, kept in
    /// memory for <see cref="FileLine"/>; the names are copied into <see cref="Symbols"/>) and parses it; null when the file has none, it is larger than <see cref="MaxSectionBytes"/>, cannot be read or is
    /// not a pclntab this parser knows.
    /// </summary>
    public static GoPclnTab? Read(ElfFile elf, Processes.WorkloadFiles? files = null)
    {
        if (FindSection(elf.Sections) is not { } section || section.Size > MaxSectionBytes || section.Offset > long.MaxValue - section.Size)
        {
            return null;
        }

        if (ElfFile.ReadSection(elf.Path, section, files) is not { } data)
        {
            return null;
        }

        return Parse(data, elf.Section(".text")?.VirtualAddress ?? 0);
    }

    /// <summary>Only the function table of <paramref name="elf"/>'s pclntab (see <see cref="Read"/>).</summary>
    public static SymbolTable? ReadSymbols(ElfFile elf) => Read(elf)?.Symbols;

    /// <summary>
    /// Parses a pclntab section's bytes (kept, for <see cref="FileLine"/>). <paramref name="textAddress"/> (the .text
    /// section's address) is used only when a 1.18+ header has no text start.
    /// </summary>
    public static GoPclnTab? Parse(byte[] section, ulong textAddress)
    {
        try
        {
            return ParseUnguarded(section, textAddress);
        }
        catch (Exception e) when (e is IndexOutOfRangeException or ArgumentException or OverflowException)
        {
            // Every read is bounds-checked; this only keeps a parser bug from taking the profiler down with it.
            return null;
        }
    }

    /// <summary><see cref="Parse"/> without its safety net, so tests see a bounds bug as the exception it is.</summary>
    internal static GoPclnTab? ParseUnguarded(byte[] section, ulong textAddress)
    {
        if (Layout.Read(section, textAddress) is not { } layout)
        {
            return null;
        }

        var symbols = BuildSymbols(section, layout, null);
        return symbols is null ? null : new GoPclnTab(section, layout, symbols);
    }

    /// <summary>
    /// For <see cref="ElfFile"/>'s parse of a mapped file: the function table with the names left in the file (read
    /// through an <see cref="ElfStringTable"/> over funcnametab, like .symtab's names). Null when there is no table.
    /// </summary>
    internal static SymbolTable? ReadSymbols(ReadOnlySpan<byte> section, ElfSection header, ulong textAddress, string path, FileStamp stamp, Processes.WorkloadFiles files)
    {
        try
        {
            if ((ulong)section.Length != header.Size || header.Size > MaxSectionBytes || Layout.Read(section, textAddress) is not { } layout)
            {
                return null;
            }

            var names = new ElfStringTable(path, header.Offset + (ulong)layout.FuncNames, (ulong)(layout.FuncNamesEnd - layout.FuncNames), stamp, files);
            return BuildSymbols(section, layout, names);
        }
        catch (Exception e) when (e is IndexOutOfRangeException or ArgumentException or OverflowException)
        {
            return null;
        }
    }

    /// <summary>
    /// The source file and line of <paramref name="pc"/> (a link-time address inside a function; for a return address
    /// pass the call's, pc - 1) from the function's pcfile and pcln tables; null when no function covers it or its
    /// tables do not say. Where code was inlined this is the inlined code's position (the inline tree that would name
    /// the inlined function is not read).
    /// </summary>
    public (string File, int Line)? FileLine(ulong pc)
    {
        try
        {
            return FileLineUnguarded(pc);
        }
        catch (Exception e) when (e is IndexOutOfRangeException or ArgumentException or OverflowException)
        {
            return null;
        }
    }

    internal (string File, int Line)? FileLineUnguarded(ulong pc)
    {
        var d = (ReadOnlySpan<byte>)_data;
        var index = FindFunction(d, _layout, pc);
        if (index < 0 || FuncRecord(d, _layout, index) is not { } func)
        {
            return null;
        }

        var entry = _layout.Entry(d, index);
        var fields = _layout.FuncFieldsStart;
        var pcfile = U32(d, func + fields + 16);
        var pcln = U32(d, func + fields + 20);
        var cu = U32(d, func + fields + 28);
        if (PcValue(d, _layout, pcfile, entry, pc) is not { } fileIndex || PcValue(d, _layout, pcln, entry, pc) is not { } line)
        {
            return null;
        }

        // cutab holds, per compilation unit, 32-bit offsets into filetab; the function's file index is relative to its unit.
        var slot = (long)_layout.CuTab + ((long)cu + fileIndex) * 4;
        if (fileIndex < 0 || slot + 4 > _layout.CuTabEnd)
        {
            return null;
        }

        var fileOffset = U32(d, (int)slot);
        if (fileOffset == uint.MaxValue || !TryCString(d, (long)_layout.FileTab + fileOffset, _layout.FileTabEnd, out var file))
        {
            return null;
        }

        return (Encoding.UTF8.GetString(file), line);
    }

    // Where Go's own traceback stops: the first frame of a goroutine or of a thread's system stack.
    private static readonly HashSet<string> OutermostFunctions = new(StringComparer.Ordinal)
    {
        "runtime.goexit", "runtime.mstart", "runtime.rt0_go", "runtime.mcall", "runtime.morestack", "runtime.systemstack_switch", "runtime.asmcgocall",
    };

    /// <summary>
    /// Adds x86-64 unwind rows for every Go function from its pcsp table (the stack pointer's offset from the function's
    /// entry at each pc, which is how Go unwinds itself): CFA = rsp + offset + 8; once the function has a frame, the
    /// caller's rbp is saved just below the return address. Leaf functions without a frame are covered too, which
    /// frame-pointer walks skip. Returns the number of functions added.
    /// </summary>
    internal int AddUnwindRows(List<(ulong Pc, Unwinding.UnwindRow Row)> rows)
    {
        try
        {
            return AddUnwindRowsUnguarded(rows);
        }
        catch (Exception e) when (e is IndexOutOfRangeException or ArgumentException or OverflowException)
        {
            return 0;
        }
    }

    internal int AddUnwindRowsUnguarded(List<(ulong Pc, Unwinding.UnwindRow Row)> rows)
    {
        var d = (ReadOnlySpan<byte>)_data;
        var added = 0;
        for (var i = 0; i < _layout.FunctionCount; i++)
        {
            if (!TryFunction(d, _layout, i, out var function) || function.Size == 0 || FuncRecord(d, _layout, i) is not { } func)
            {
                continue;
            }

            var end = function.Address + function.Size;
            added++;
            if (OutermostFunctions.Contains(Encoding.UTF8.GetString(function.Name)))
            {
                rows.Add((function.Address, new Unwinding.UnwindRow(0, 0, 0, Unwinding.CfaRule.Outermost)));
                rows.Add((end, default));
                continue;
            }

            var pcsp = U32(d, func + _layout.FuncFieldsStart + 12);
            var position = (long)_layout.PcTab + pcsp;
            if (pcsp == 0 || position >= _layout.PcTabEnd)
            {
                continue;
            }

            var table = d[(int)position.._layout.PcTabEnd];
            long value = -1;
            var pc = function.Address;
            var at = 0;
            var first = true;
            while (at < table.Length && pc < end)
            {
                if (!Uvarint(table, ref at, out var valueDelta) || (valueDelta == 0 && !first) || !Uvarint(table, ref at, out var pcDelta))
                {
                    break;
                }

                first = false;
                value += (long)(valueDelta >> 1) ^ -(long)(valueDelta & 1);
                if (value is < 0 or > int.MaxValue - 8)
                {
                    break;
                }

                rows.Add((pc, new Unwinding.UnwindRow(0, (int)value + 8, value > 0 ? (short)-16 : (short)0, Unwinding.CfaRule.StackPointer)));
                pc += pcDelta * (ulong)_layout.MinLc;
            }

            rows.Add((end, default));
        }

        return added;
    }

    /// <summary>Counts the named functions, then adds them to a builder of exactly that size.</summary>
    private static SymbolTable? BuildSymbols(ReadOnlySpan<byte> d, Layout layout, ISymbolNameReader? names)
    {
        var count = 0;
        long nameBytes = 0;
        for (var i = 0; i < layout.FunctionCount; i++)
        {
            if (TryFunction(d, layout, i, out var f))
            {
                count++;
                nameBytes += f.Name.Length;
            }
        }

        if (count == 0)
        {
            return null;
        }

        var builder = new SymbolTable.Builder(count, names is null ? (int)nameBytes : 0, names);
        for (var i = 0; i < layout.FunctionCount; i++)
        {
            if (!TryFunction(d, layout, i, out var f))
            {
                continue;
            }

            if (names is null)
            {
                builder.Add(f.Address, f.Size, f.Name);
            }
            else
            {
                builder.Add(f.Address, f.Size, f.NameOffset);
            }
        }

        return builder.Build();
    }

    private readonly ref struct FunctionEntry(ulong address, ulong size, int nameOffset, ReadOnlySpan<byte> name)
    {
        public ulong Address { get; } = address;

        public ulong Size { get; } = size;

        /// <summary>From the start of funcnametab.</summary>
        public int NameOffset { get; } = nameOffset;

        public ReadOnlySpan<byte> Name { get; } = name;
    }

    /// <summary>The i-th function of the func table; false when its record or name is out of bounds or disagrees with the table.</summary>
    private static bool TryFunction(ReadOnlySpan<byte> d, Layout layout, int i, out FunctionEntry function)
    {
        function = default;
        if (FuncRecord(d, layout, i) is not { } func)
        {
            return false;
        }

        var nameOffset = I32(d, func + layout.FuncFieldsStart);
        if (nameOffset < 0 || !TryCString(d, (long)layout.FuncNames + nameOffset, layout.FuncNamesEnd, out var name) || name.Length == 0)
        {
            return false;
        }

        var entry = layout.Entry(d, i);
        var next = layout.Entry(d, i + 1);
        function = new FunctionEntry(entry, next > entry ? next - entry : 0, nameOffset, name);
        return true;
    }

    /// <summary>Where the i-th function's _func record starts, when all of it that is read lies in the section and its entry matches the table's.</summary>
    private static int? FuncRecord(ReadOnlySpan<byte> d, Layout layout, int i)
    {
        var funcOffset = layout.FuncOffset(d, i);
        var start = (long)layout.FuncTab + (long)funcOffset;
        if (funcOffset > int.MaxValue || start + layout.FuncFieldsStart + 32 > d.Length)
        {
            return null;
        }

        var func = (int)start;
        var recordEntry = layout.Version == GoPclnTabVersion.Go116 ? layout.Pointer(d, func) : U32(d, func);
        var tableEntry = layout.Version == GoPclnTabVersion.Go116 ? layout.Pointer(d, layout.FuncTab + i * 2 * layout.FieldSize) : U32(d, layout.FuncTab + i * 8);
        return recordEntry == tableEntry ? func : null;
    }

    /// <summary>The function whose [entry, next entry) holds <paramref name="pc"/>, by binary search of the func table.</summary>
    private static int FindFunction(ReadOnlySpan<byte> d, Layout layout, ulong pc)
    {
        int lo = 0, hi = layout.FunctionCount - 1, found = -1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            if (layout.Entry(d, mid) <= pc)
            {
                found = mid;
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return found >= 0 && pc < layout.Entry(d, found + 1) ? found : -1;
    }

    /// <summary>
    /// Decodes a pc-value table at <paramref name="tableOffset"/> in pctab: pairs of (zig-zag varint value delta,
    /// varint pc delta in units of the pc quantum) from value -1 at the function's entry; a zero value delta after the
    /// first pair ends the table. The value of a pair holds for the pcs before the pc it advances to.
    /// </summary>
    private static int? PcValue(ReadOnlySpan<byte> d, Layout layout, uint tableOffset, ulong entry, ulong target)
    {
        var position = (long)layout.PcTab + tableOffset;
        if (tableOffset == 0 || position >= layout.PcTabEnd)
        {
            return null;
        }

        var table = d[(int)position..layout.PcTabEnd];
        long value = -1;
        var pc = entry;
        var first = true;
        var at = 0;
        while (at < table.Length)
        {
            if (!Uvarint(table, ref at, out var valueDelta) || (valueDelta == 0 && !first))
            {
                return null;
            }

            first = false;
            value += (long)(valueDelta >> 1) ^ -(long)(valueDelta & 1);
            if (!Uvarint(table, ref at, out var pcDelta))
            {
                return null;
            }

            pc += pcDelta * (ulong)layout.MinLc;
            if (target < pc)
            {
                return value is >= int.MinValue and <= int.MaxValue ? (int)value : null;
            }
        }

        return null;
    }

    /// <summary>An unsigned LEB128 of at most 32 bits.</summary>
    private static bool Uvarint(ReadOnlySpan<byte> b, ref int at, out uint value)
    {
        value = 0;
        for (var shift = 0; shift < 35 && at < b.Length; shift += 7)
        {
            var next = b[at++];
            value |= (uint)(next & 0x7f) << shift;
            if ((next & 0x80) == 0)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The bytes of a NUL-terminated string at [start, end); false when it runs past <paramref name="end"/>.</summary>
    private static bool TryCString(ReadOnlySpan<byte> d, long start, int end, out ReadOnlySpan<byte> value)
    {
        value = default;
        if (start < 0 || start >= end)
        {
            return false;
        }

        var bytes = d[(int)start..end];
        var nul = bytes.IndexOf((byte)0);
        if (nul < 0)
        {
            return false;
        }

        value = bytes[..nul];
        return true;
    }

    private static uint U32(ReadOnlySpan<byte> b, int o) => BinaryPrimitives.ReadUInt32LittleEndian(b[o..]);

    private static int I32(ReadOnlySpan<byte> b, int o) => BinaryPrimitives.ReadInt32LittleEndian(b[o..]);

    /// <summary>The header, its offsets checked against the section and its function count clamped to the func table that fits.</summary>
    private sealed record Layout(
        GoPclnTabVersion Version,
        int MinLc,
        int PtrSize,
        int FunctionCount,
        ulong TextStart,
        int FuncNames,
        int FuncNamesEnd,
        int CuTab,
        int CuTabEnd,
        int FileTab,
        int FileTabEnd,
        int PcTab,
        int PcTabEnd,
        int FuncTab)
    {
        /// <summary>Bytes of one field of a func table pair: a pointer before 1.18, 32 bits after.</summary>
        public int FieldSize => Version == GoPclnTabVersion.Go116 ? PtrSize : 4;

        /// <summary>Where a _func record's fields after its entry start (the name offset is the first).</summary>
        public int FuncFieldsStart => Version == GoPclnTabVersion.Go116 ? PtrSize : 4;

        public ulong Pointer(ReadOnlySpan<byte> d, int o) => PtrSize == 8 ? BinaryPrimitives.ReadUInt64LittleEndian(d[o..]) : U32(d, o);

        /// <summary>The link-time address of func table entry <paramref name="i"/> (i = FunctionCount is the end of the text).</summary>
        public ulong Entry(ReadOnlySpan<byte> d, int i)
        {
            var o = FuncTab + i * 2 * FieldSize;
            return Version == GoPclnTabVersion.Go116 ? Pointer(d, o) : TextStart + U32(d, o);
        }

        public ulong FuncOffset(ReadOnlySpan<byte> d, int i)
        {
            var o = FuncTab + (i * 2 + 1) * FieldSize;
            return Version == GoPclnTabVersion.Go116 ? Pointer(d, o) : U32(d, o);
        }

        public static Layout? Read(ReadOnlySpan<byte> d, ulong textAddress)
        {
            if (d.Length < 8 || d[4] != 0 || d[5] != 0 || d[6] is not (1 or 2 or 4) || d[7] is not (4 or 8))
            {
                return null;
            }

            var version = U32(d, 0) switch
            {
                0xfffffffa => GoPclnTabVersion.Go116,
                0xfffffff0 => GoPclnTabVersion.Go118,
                0xfffffff1 => GoPclnTabVersion.Go120,
                _ => (GoPclnTabVersion?)null,
            };
            if (version is not { } v)
            {
                return null;
            }

            int minLc = d[6], ptrSize = d[7];
            var fields = v == GoPclnTabVersion.Go116 ? 7 : 8;
            if (d.Length < 8 + fields * ptrSize)
            {
                return null;
            }

            ulong Field(ReadOnlySpan<byte> s, int n) => ptrSize == 8 ? BinaryPrimitives.ReadUInt64LittleEndian(s[(8 + n * 8)..]) : U32(s, 8 + n * 4);

            var nfunc = Field(d, 0);
            var next = 2;
            var textStart = 0UL;
            if (v != GoPclnTabVersion.Go116)
            {
                textStart = Field(d, next++);
                if (textStart == 0)
                {
                    textStart = textAddress;
                }
            }

            var offsets = new ulong[5];
            for (var k = 0; k < offsets.Length; k++)
            {
                offsets[k] = Field(d, next + k);
                if (offsets[k] >= (ulong)d.Length)
                {
                    return null;
                }
            }

            // The tables follow each other in this order; each ends where the next begins (the section's end if not).
            var length = (ulong)d.Length;
            int End(int k) => (int)(k + 1 < offsets.Length && offsets[k + 1] >= offsets[k] ? offsets[k + 1] : length);

            var funcTab = (int)offsets[4];
            var pairBytes = 2 * (v == GoPclnTabVersion.Go116 ? ptrSize : 4);
            var fits = (d.Length - funcTab) / pairBytes - 1;
            var count = (int)Math.Min(nfunc, (ulong)Math.Max(fits, 0));
            if (count <= 0)
            {
                return null;
            }

            return new Layout(v, minLc, ptrSize, count, textStart, (int)offsets[0], End(0), (int)offsets[1], End(1), (int)offsets[2], End(2), (int)offsets[3], End(3), funcTab);
        }
    }
}

/// <summary>The pclntab layouts by the Go releases that write them.</summary>
public enum GoPclnTabVersion
{
    /// <summary>Go 1.16 and 1.17 (magic 0xfffffffa): pointer-sized entries.</summary>
    Go116,

    /// <summary>Go 1.18 and 1.19 (magic 0xfffffff0): 32-bit entries relative to the text start.</summary>
    Go118,

    /// <summary>Go 1.20 and later (magic 0xfffffff1): as 1.18, with a start line in each _func.</summary>
    Go120,
}
