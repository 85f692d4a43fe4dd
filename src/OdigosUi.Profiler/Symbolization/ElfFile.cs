using System.Buffers.Binary;
using OdigosUi.Profiler.Processes;

namespace OdigosUi.Profiler.Symbolization;

/// <summary>A PT_LOAD segment: file range [Offset, Offset + FileSize) is loaded at VirtualAddress.</summary>
public readonly record struct LoadSegment(ulong Offset, ulong VirtualAddress, ulong FileSize, ulong MemorySize);

/// <summary>A section header: <see cref="Type"/> 8 (SHT_NOBITS) has no bytes in the file.</summary>
public sealed record ElfSection(string Name, uint Type, ulong VirtualAddress, ulong Offset, ulong Size)
{
    private const uint ShtNobits = 8;

    /// <summary>True when the file holds the section's bytes (not SHT_NOBITS, as in a debug file's copies of code sections, and not empty).</summary>
    public bool HasBytes => Type != ShtNobits && Size > 0;
}

/// <summary>Where an ELF file's function symbols came from, best first.</summary>
public enum SymbolSource
{
    Symtab,
    GoPclnTab,
    Dynsym,
    None,
}

/// <summary>
/// The parts of a 64-bit little-endian ELF file a profiler needs: function symbols (.symtab, else .dynsym),
/// PT_LOAD segments to turn file offsets into virtual addresses, and the GNU build ID.
/// </summary>
public sealed class ElfFile
{
    private const uint ShtSymtab = 2;
    private const uint ShtNote = 7;
    private const uint ShtDynsym = 11;
    private const uint PtLoad = 1;
    private const uint NtGnuBuildId = 3;
    private const int SttObject = 1;
    private const int SttFunc = 2;

    private ElfFile(string path, SymbolTable symbols, SymbolSource source, IReadOnlyList<LoadSegment> segments, IReadOnlyList<ElfSection> sections, string? buildId, string? debugLink)
    {
        SymbolSource = source;
        DebugLink = debugLink;
        IsGo = GoPclnTab.FindSection(sections) is not null;
        Path = path;
        Symbols = symbols;
        LoadSegments = segments;
        Sections = sections;
        BuildId = buildId;
    }

    /// <summary>The path the file was opened by (a /proc/PID/map_files path is gone with its process).</summary>
    public string Path { get; }

    public SymbolTable Symbols { get; }

    public SymbolSource SymbolSource { get; }

    /// <summary>The file name in <c>.gnu_debuglink</c>: where the separate debug file of a stripped file is.</summary>
    public string? DebugLink { get; }

    /// <summary>The separate debug file (found by build id or debug link) once attached; its .symtab names what .dynsym does not.</summary>
    public ElfFile? DebugFile { get; private set; }

    /// <summary>True once a debug file was looked for (found or not).</summary>
    internal bool DebugFileSearched { get; private set; }

    /// <summary>The most complete function symbols: the debug file's .symtab when it has one.</summary>
    public SymbolTable BestSymbols => DebugFile is { SymbolSource: SymbolSource.Symtab } debug ? debug.Symbols : Symbols;

    /// <summary>A Go binary: it has the Go runtime's pc-line table.</summary>
    public bool IsGo { get; }

    /// <summary>True when a separate debug file may name more than this file's own symbols.</summary>
    public bool WantsDebugFile => SymbolSource is SymbolSource.Dynsym or SymbolSource.None || Section(".eh_frame") is null;

    internal void AttachDebugFile(ElfFile? debugFile)
    {
        DebugFileSearched = true;
        DebugFile = debugFile;
    }

    public IReadOnlyList<LoadSegment> LoadSegments { get; }

    /// <summary>The named sections (headers only: read their bytes from the file when needed).</summary>
    public IReadOnlyList<ElfSection> Sections { get; }

    public ElfSection? Section(string name)
    {
        foreach (var section in Sections)
        {
            if (section.Name == name)
            {
                return section;
            }
        }

        return null;
    }

    /// <summary>Lower-case hex, or null when the file has no .note.gnu.build-id.</summary>
    public string? BuildId { get; }

    /// <summary>Where the file can be opened again to read symbol names (most recent first).</summary>
    internal void RememberPaths(ReadOnlySpan<string> paths)
    {
        if (Symbols.NameReader is ElfStringTable strings)
        {
            strings.Remember(paths);
        }
    }

    /// <summary>What this object keeps in memory, in bytes.</summary>
    public long EstimatedBytes => 128 + Symbols.EstimatedBytes + LoadSegments.Count * 32L + Sections.Sum(s => 64L + s.Name.Length * 2) + (DebugFile?.EstimatedBytes ?? 0);

    /// <summary>
    /// The bytes of <paramref name="section"/> of the file at <paramref name="path"/>, by positioned reads of that range
    /// only; null when the file cannot be read, is shorter than the section says (truncated) or the section is over the
    /// ELF limit of <paramref name="files"/>.
    /// </summary>
    public static byte[]? ReadSection(string path, ElfSection section, WorkloadFiles? files = null)
    {
        files ??= WorkloadFiles.Shared;
        if (!section.HasBytes || section.Size > int.MaxValue || section.Offset > long.MaxValue - section.Size)
        {
            return null;
        }

        if ((long)section.Size > files.Limits.MaxElfBytes)
        {
            files.Skipped(path, WorkloadFileRefusal.TooLarge, $"section {section.Name}: {section.Size} bytes, over the Elf limit of {files.Limits.MaxElfBytes}");
            return null;
        }

        try
        {
            using var file = files.Open(path, WorkloadFileKind.Elf);
            if (file is null)
            {
                return null;
            }

            var bytes = GC.AllocateUninitializedArray<byte>((int)section.Size);
            if ((ulong)file.Length < section.Offset + section.Size || !file.TryReadExactly(bytes, (long)section.Offset))
            {
                files.Skipped(path, WorkloadFileRefusal.Truncated, $"section {section.Name} ends past the end of the file");
                return null;
            }

            return bytes;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return null;
        }
    }

    public static bool TryOpen(string path, out ElfFile? elf, out string? error) => TryOpen(path, null, null, out elf, out error);

    /// <summary>Opens through <paramref name="files"/>; a <paramref name="mapped"/> identity must be the opened file's.</summary>
    public static bool TryOpen(string path, WorkloadFiles? files, FileIdentity? mapped, out ElfFile? elf, out string? error)
    {
        try
        {
            elf = Open(path, files, mapped);
            error = null;
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException or ArgumentException or NotSupportedException)
        {
            elf = null;
            error = e.Message;
            return false;
        }
    }

    /// <summary>
    /// Parses the file with positioned reads of its headers and of the sections it needs (at most the ELF limit of
    /// <paramref name="files"/> in all): only the compact symbol table is kept; a file truncated while it is read fails
    /// with <see cref="InvalidDataException"/>, never a fault of a mapping.
    /// </summary>
    public static ElfFile Open(string path, WorkloadFiles? files = null, FileIdentity? mapped = null) =>
        WithImage(path, files, mapped, (image, stamp, files) => Parse(image, path, stamp, files));

    /// <summary>
    /// The link-time addresses of the named data (OBJECT) symbols of the file at <paramref name="path"/>, from .symtab
    /// and .dynsym (a stripped executable still exports its globals in .dynsym); names it lacks are not in the result.
    /// The parsed file keeps function symbols only, so this reads the file again: meant for a few names, once.
    /// </summary>
    public static IReadOnlyDictionary<string, ulong> FindDataSymbols(string path, IReadOnlyCollection<string> names, WorkloadFiles? files = null, FileIdentity? mapped = null) => WithImage(path, files, mapped, (image, _, _) =>
    {
        var header = image.Slice(0, 64);
        if (header.Length < 64 || header[0] != 0x7f || header[1] != (byte)'E' || header[4] != 2 || header[5] != 1)
        {
            throw new InvalidDataException($"{path} is not a 64-bit little-endian ELF file");
        }

        var sections = ReadSections(image, U64(header, 0x28), U16(header, 0x3A), U16(header, 0x3C));
        var found = new Dictionary<string, ulong>(StringComparer.Ordinal);
        foreach (var section in sections)
        {
            if (section.Type is ShtSymtab or ShtDynsym && section.Link < sections.Count && section.EntrySize >= 24)
            {
                ScanDataSymbols(image, section, sections[(int)section.Link], names, found);
            }
        }

        return (IReadOnlyDictionary<string, ulong>)found;
    });

    private static void ScanDataSymbols(Image file, SectionHeader section, SectionHeader strings, IReadOnlyCollection<string> wanted, Dictionary<string, ulong> found)
    {
        var utf8 = wanted.Select(System.Text.Encoding.UTF8.GetBytes).ToArray();
        var table = file.Slice(section.Offset, section.Size);
        var names = file.Slice(strings.Offset, strings.Size);
        var entry = (int)Math.Min(section.EntrySize, int.MaxValue);
        for (var offset = 0; offset + entry <= table.Length && found.Count < wanted.Count; offset += entry)
        {
            var s = table[offset..];
            var value = U64(s, 8);
            var nameOffset = U32(s, 0);
            if ((s[4] & 0xf) != SttObject || value == 0 || nameOffset >= names.Length)
            {
                continue;
            }

            var name = names[(int)nameOffset..];
            var end = name.IndexOf((byte)0);
            name = end < 0 ? name : name[..end];
            foreach (var candidate in utf8)
            {
                if (name.SequenceEqual(candidate))
                {
                    found.TryAdd(System.Text.Encoding.UTF8.GetString(candidate), value);
                }
            }
        }
    }

    /// <summary>
    /// Runs <paramref name="read"/> over the file opened through <paramref name="files"/>; what it slices is read then,
    /// within the ELF limit; a refusal (over the limit, truncated) is counted and thrown as <see cref="InvalidDataException"/>.
    /// </summary>
    private static T WithImage<T>(string path, WorkloadFiles? files, FileIdentity? mapped, Func<Image, FileStamp, WorkloadFiles, T> read)
    {
        files ??= WorkloadFiles.Shared;
        using var file = files.Open(path, WorkloadFileKind.Elf, mapped) ?? throw new FileNotFoundException($"{path} cannot be opened as a regular file");
        if (file.Length < 64)
        {
            throw new InvalidDataException($"{path} is not an ELF file");
        }

        var image = new Image(file, files.Limits.MaxElfBytes);
        try
        {
            return read(image, file.Stamp, files);
        }
        catch (InvalidDataException e) when (image.Refusal is { } refusal)
        {
            files.Skipped(path, refusal, e.Message);
            throw;
        }
    }

    /// <summary>
    /// Parses an ELF image in this process's memory (the kernel's vDSO): its headers and sections; symbol names cannot
    /// be read again later, so only <see cref="Sections"/> and <see cref="LoadSegments"/> are meant to be used.
    /// </summary>
    internal static unsafe ElfFile FromMemory(byte* start, ulong length, string name) => Parse(new Image(start, length), name, default, WorkloadFiles.Shared);

    private static ElfFile Parse(Image file, string path, FileStamp stamp, WorkloadFiles files)
    {
        var header = file.Slice(0, 64);
        if (header[0] != 0x7f || header[1] != (byte)'E' || header[2] != (byte)'L' || header[3] != (byte)'F')
        {
            throw new InvalidDataException($"{path} is not an ELF file");
        }

        if (header[4] != 2 || header[5] != 1)
        {
            throw new InvalidDataException($"{path} is not a 64-bit little-endian ELF file");
        }

        var phoff = U64(header, 0x20);
        var shoff = U64(header, 0x28);
        var phentsize = U16(header, 0x36);
        var phnum = U16(header, 0x38);
        var shentsize = U16(header, 0x3A);
        var shnum = U16(header, 0x3C);

        var segments = new List<LoadSegment>();
        if (phoff != 0 && phentsize >= 56)
        {
            var table = file.Slice(phoff, (ulong)(phentsize * phnum));
            for (var i = 0; (i + 1) * phentsize <= table.Length; i++)
            {
                var p = table[(i * phentsize)..];
                if (U32(p, 0) == PtLoad)
                {
                    segments.Add(new LoadSegment(U64(p, 8), U64(p, 16), U64(p, 32), U64(p, 40)));
                }
            }
        }

        var shstrndx = U16(header, 0x3E);
        var sections = ReadSections(file, shoff, shentsize, shnum);
        var named = NameSections(file, sections, shstrndx);
        string? buildId = null;
        foreach (var section in sections)
        {
            if (section.Type == ShtNote)
            {
                buildId ??= FindBuildId(file.Slice(section.Offset, section.Size));
            }
        }

        var symbols = ReadFunctions(file, sections, ShtSymtab, path, stamp, files);
        var source = SymbolSource.Symtab;
        if (symbols.Count == 0 && GoPclnTab.FindSection(named) is { } gopclntab)
        {
            // A stripped Go binary still has every function's name in the runtime's pc-line table.
            var text = named.Find(s => s.Name == ".text")?.VirtualAddress ?? 0;
            symbols = GoPclnTab.ReadSymbols(file.Slice(gopclntab.Offset, gopclntab.Size), gopclntab, text, path, stamp, files) ?? SymbolTable.Empty;
            source = SymbolSource.GoPclnTab;
        }

        if (symbols.Count == 0)
        {
            symbols = ReadFunctions(file, sections, ShtDynsym, path, stamp, files);
            source = symbols.Count == 0 ? SymbolSource.None : SymbolSource.Dynsym;
        }

        var debugLink = named.Find(s => s.Name == ".gnu_debuglink") is { HasBytes: true } link ? ReadDebugLink(file.Slice(link.Offset, link.Size)) : null;
        return new ElfFile(path, symbols, source, segments, named, buildId, debugLink);
    }

    /// <summary>The link-time virtual address of a file offset, through the PT_LOAD segment that holds it.</summary>
    public ulong? FileOffsetToVirtualAddress(ulong fileOffset)
    {
        foreach (var segment in LoadSegments)
        {
            if (fileOffset >= segment.Offset && fileOffset < segment.Offset + Math.Max(segment.FileSize, 1))
            {
                return fileOffset - segment.Offset + segment.VirtualAddress;
            }
        }

        return null;
    }

    private readonly record struct SectionHeader(uint NameOffset, uint Type, ulong Address, ulong Offset, ulong Size, uint Link, ulong EntrySize);

    private static List<ElfSection> NameSections(Image file, List<SectionHeader> sections, int shstrndx)
    {
        var named = new List<ElfSection>();
        if (shstrndx <= 0 || shstrndx >= sections.Count)
        {
            return named;
        }

        var names = file.Slice(sections[shstrndx].Offset, sections[shstrndx].Size);
        foreach (var section in sections)
        {
            if (section.NameOffset >= names.Length || names[(int)section.NameOffset] == 0)
            {
                continue;
            }

            var name = names[(int)section.NameOffset..];
            var end = name.IndexOf((byte)0);
            named.Add(new ElfSection(System.Text.Encoding.UTF8.GetString(end < 0 ? name : name[..end]), section.Type, section.Address, section.Offset, section.Size));
        }

        return named;
    }

    private static List<SectionHeader> ReadSections(Image file, ulong shoff, int shentsize, int shnum)
    {
        var sections = new List<SectionHeader>();
        if (shoff == 0 || shentsize < 64)
        {
            return sections;
        }

        var table = file.Slice(shoff, (ulong)(shentsize * shnum));
        for (var i = 0; i < shnum && (i + 1) * shentsize <= table.Length; i++)
        {
            var s = table[(i * shentsize)..];
            sections.Add(new SectionHeader(U32(s, 0), U32(s, 4), U64(s, 16), U64(s, 24), U64(s, 32), U32(s, 40), U64(s, 56)));
        }

        return sections;
    }

    /// <summary>
    /// The function symbols of the (first) section of <paramref name="type"/>: counted first, so the table is allocated
    /// once; their names stay in the file and are read when a sample first hits them.
    /// </summary>
    private static SymbolTable ReadFunctions(Image file, List<SectionHeader> sections, uint type, string path, FileStamp stamp, WorkloadFiles files)
    {
        var index = sections.FindIndex(s => s.Type == type && s.Link < sections.Count && s.EntrySize >= 24);
        if (index < 0)
        {
            return SymbolTable.Empty;
        }

        var count = ScanFunctions(file, sections, sections[index], null);
        if (count == 0)
        {
            return SymbolTable.Empty;
        }

        var strings = sections[(int)sections[index].Link];
        var builder = new SymbolTable.Builder(count, 0, new ElfStringTable(path, strings.Offset, strings.Size, stamp, files));

        // Of the names at one address the table finds the one added last: add them from the least to the most telling.
        for (var rank = 0; rank <= MaxRank; rank++)
        {
            ScanFunctions(file, sections, sections[index], builder, rank);
        }

        return builder.Build();
    }

    private const int MaxRank = 5;

    /// <summary>
    /// How well a symbol names its address among aliases, as perf chooses: global over weak over local, and a default
    /// or unversioned name over a compatibility version (<c>__libc_start_main@@GLIBC_2.34</c> over
    /// <c>__libc_start_main@GLIBC_2.2.5</c>, <c>__libc_start_main_impl</c> and <c>__libc_start_main_alias_1</c>).
    /// </summary>
    private static int Rank(byte info, ReadOnlySpan<byte> name)
    {
        var binding = (info >> 4) switch
        {
            1 => 2,
            2 => 1,
            _ => 0,
        };
        var at = name.IndexOf((byte)'@');
        var compatVersion = at >= 0 && (at + 1 >= name.Length || name[at + 1] != (byte)'@');
        return binding * 2 + (compatVersion ? 0 : 1);
    }

    private static int ScanFunctions(Image file, List<SectionHeader> sections, SectionHeader section, SymbolTable.Builder? builder, int rank = -1)
    {
        var count = 0;
        var strings = sections[(int)section.Link];
        var table = file.Slice(section.Offset, section.Size);
        var names = file.Slice(strings.Offset, strings.Size);
        var entry = (int)Math.Min(section.EntrySize, int.MaxValue);
        for (var offset = 0; offset + entry <= table.Length; offset += entry)
        {
            var s = table[offset..];
            var info = s[4];
            var value = U64(s, 8);
            var size = U64(s, 16);
            if ((info & 0xf) != SttFunc || size == 0 || value == 0)
            {
                continue;
            }

            var nameOffset = U32(s, 0);
            if (nameOffset < names.Length && names[(int)nameOffset] != 0)
            {
                if (rank >= 0)
                {
                    var name = names[(int)nameOffset..];
                    var end = name.IndexOf((byte)0);
                    if (Rank(info, end < 0 ? name : name[..end]) != rank)
                    {
                        continue;
                    }
                }

                count++;
                builder?.Add(value, size, (int)nameOffset);
            }
        }

        return count;
    }

    private static string? FindBuildId(ReadOnlySpan<byte> notes)
    {
        var offset = 0;
        while (offset + 12 <= notes.Length)
        {
            var nameSize = (int)U32(notes, offset);
            var descSize = (int)U32(notes, offset + 4);
            var type = U32(notes, offset + 8);
            var nameStart = offset + 12;
            var descStart = nameStart + Align4(nameSize);
            if (nameSize < 0 || descSize < 0 || descStart < 0 || descStart + descSize > notes.Length)
            {
                return null;
            }

            if (type == NtGnuBuildId && nameSize == 4 && notes.Slice(nameStart, 4).SequenceEqual("GNU\0"u8))
            {
                return Convert.ToHexStringLower(notes.Slice(descStart, descSize));
            }

            offset = descStart + Align4(descSize);
        }

        return null;
    }

    // The section holds a NUL-terminated file name, padding to 4 bytes and the file's CRC-32.
    private static string? ReadDebugLink(ReadOnlySpan<byte> section)
    {
        var end = section.IndexOf((byte)0);
        if (end <= 0 || end > 255)
        {
            return null;
        }

        var name = System.Text.Encoding.UTF8.GetString(section[..end]);
        return name.Contains('/') || name is "." or ".." ? null : name;
    }

    private static int Align4(int n) => (n + 3) & ~3;

    /// <summary>
    /// The file's bytes by range, clamped to the file (and to 2 GiB, a span's limit): in memory (the vDSO), or read from
    /// the file when first sliced, each range once, all of them within a byte budget.
    /// </summary>
    private sealed unsafe class Image
    {
        private readonly byte* _memory;
        private readonly WorkloadFile? _file;
        private readonly ulong _length;
        private readonly Dictionary<(ulong Offset, int Count), byte[]> _read = [];
        private readonly long _limit;
        private long _budget;

        public Image(byte* memory, ulong length)
        {
            _memory = memory;
            _length = length;
        }

        public Image(WorkloadFile file, long budget)
        {
            _file = file;
            _length = (ulong)file.Length;
            _budget = _limit = budget;
        }

        /// <summary>Why a slice could not be read (then thrown as <see cref="InvalidDataException"/>).</summary>
        public WorkloadFileRefusal? Refusal { get; private set; }

        public ReadOnlySpan<byte> Slice(ulong offset, ulong count)
        {
            if (count == 0 || offset >= _length)
            {
                return default;
            }

            var n = (int)Math.Min(Math.Min(count, _length - offset), int.MaxValue);
            if (_file is null)
            {
                return new ReadOnlySpan<byte>(_memory + offset, n);
            }

            if (_read.TryGetValue((offset, n), out var bytes))
            {
                return bytes;
            }

            if (n > _budget)
            {
                Refusal = WorkloadFileRefusal.TooLarge;
                throw new InvalidDataException($"{_file.Path}: its headers and symbol sections need more than the Elf limit of {_limit} bytes");
            }

            _budget -= n;
            bytes = GC.AllocateUninitializedArray<byte>(n);
            if (!_file.TryReadExactly(bytes, (long)offset))
            {
                Refusal = WorkloadFileRefusal.Truncated;
                throw new InvalidDataException($"{_file.Path}: shorter than its headers say (truncated while read)");
            }

            _read[(offset, n)] = bytes;
            return bytes;
        }
    }

    private static ushort U16(ReadOnlySpan<byte> b, int o) => BinaryPrimitives.ReadUInt16LittleEndian(b[o..]);

    private static uint U32(ReadOnlySpan<byte> b, int o) => BinaryPrimitives.ReadUInt32LittleEndian(b[o..]);

    private static ulong U64(ReadOnlySpan<byte> b, int o) => BinaryPrimitives.ReadUInt64LittleEndian(b[o..]);
}
