using System.Buffers.Binary;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace OdigosUi.Profiler.Symbolization;

/// <summary>A PT_LOAD segment: file range [Offset, Offset + FileSize) is loaded at VirtualAddress.</summary>
public readonly record struct LoadSegment(ulong Offset, ulong VirtualAddress, ulong FileSize, ulong MemorySize);

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
    private const int SttFunc = 2;
    private const int MaxSectionBytes = 256 << 20;

    private ElfFile(SymbolTable symbols, IReadOnlyList<LoadSegment> segments, string? buildId)
    {
        Symbols = symbols;
        LoadSegments = segments;
        BuildId = buildId;
    }

    public SymbolTable Symbols { get; }

    public IReadOnlyList<LoadSegment> LoadSegments { get; }

    /// <summary>Lower-case hex, or null when the file has no .note.gnu.build-id.</summary>
    public string? BuildId { get; }

    public static bool TryOpen(string path, out ElfFile? elf, out string? error)
    {
        try
        {
            elf = Open(path);
            error = null;
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException or ArgumentException)
        {
            elf = null;
            error = e.Message;
            return false;
        }
    }

    public static ElfFile Open(string path)
    {
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var length = RandomAccess.GetLength(handle);
        var header = ReadBytes(handle, 0, 64, length);
        if (header.Length < 64 || header[0] != 0x7f || header[1] != (byte)'E' || header[2] != (byte)'L' || header[3] != (byte)'F')
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
            var table = ReadBytes(handle, phoff, (ulong)(phentsize * phnum), length);
            for (var i = 0; i < phnum; i++)
            {
                var p = table.AsSpan(i * phentsize);
                if (U32(p, 0) == PtLoad)
                {
                    segments.Add(new LoadSegment(U64(p, 8), U64(p, 16), U64(p, 32), U64(p, 40)));
                }
            }
        }

        var sections = ReadSections(handle, shoff, shentsize, shnum, length);
        string? buildId = null;
        foreach (var section in sections.Where(s => s.Type == ShtNote))
        {
            buildId ??= FindBuildId(ReadBytes(handle, section.Offset, section.Size, length));
        }

        var symbols = ReadFunctions(handle, sections, ShtSymtab, length);
        if (symbols.Count == 0)
        {
            symbols = ReadFunctions(handle, sections, ShtDynsym, length);
        }

        return new ElfFile(new SymbolTable(symbols), segments, buildId);
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

    private readonly record struct Section(uint Type, ulong Offset, ulong Size, uint Link, ulong EntrySize);

    private static List<Section> ReadSections(SafeFileHandle handle, ulong shoff, int shentsize, int shnum, long length)
    {
        var sections = new List<Section>();
        if (shoff == 0 || shentsize < 64)
        {
            return sections;
        }

        var table = ReadBytes(handle, shoff, (ulong)(shentsize * shnum), length);
        for (var i = 0; i < shnum && (i + 1) * shentsize <= table.Length; i++)
        {
            var s = table.AsSpan(i * shentsize);
            sections.Add(new Section(U32(s, 4), U64(s, 24), U64(s, 32), U32(s, 40), U64(s, 56)));
        }

        return sections;
    }

    private static List<Symbol> ReadFunctions(SafeFileHandle handle, List<Section> sections, uint type, long length)
    {
        var symbols = new List<Symbol>();
        foreach (var section in sections.Where(s => s.Type == type))
        {
            if (section.Link >= sections.Count || section.EntrySize < 24)
            {
                continue;
            }

            var strings = sections[(int)section.Link];
            var table = ReadBytes(handle, section.Offset, section.Size, length);
            var names = ReadBytes(handle, strings.Offset, strings.Size, length);
            var entry = (int)section.EntrySize;
            for (var offset = 0; offset + entry <= table.Length; offset += entry)
            {
                var s = table.AsSpan(offset);
                var info = s[4];
                var value = U64(s, 8);
                var size = U64(s, 16);
                if ((info & 0xf) != SttFunc || size == 0 || value == 0)
                {
                    continue;
                }

                var name = CString(names, U32(s, 0));
                if (name.Length > 0)
                {
                    symbols.Add(new Symbol(value, size, name));
                }
            }
        }

        return symbols;
    }

    private static string? FindBuildId(byte[] notes)
    {
        var offset = 0;
        while (offset + 12 <= notes.Length)
        {
            var nameSize = (int)U32(notes, offset);
            var descSize = (int)U32(notes, offset + 4);
            var type = U32(notes, offset + 8);
            var nameStart = offset + 12;
            var descStart = nameStart + Align4(nameSize);
            if (nameSize < 0 || descSize < 0 || descStart + descSize > notes.Length)
            {
                return null;
            }

            if (type == NtGnuBuildId && nameSize == 4 && notes.AsSpan(nameStart, 4).SequenceEqual("GNU\0"u8))
            {
                return Convert.ToHexStringLower(notes, descStart, descSize);
            }

            offset = descStart + Align4(descSize);
        }

        return null;
    }

    private static int Align4(int n) => (n + 3) & ~3;

    private static string CString(byte[] table, uint offset)
    {
        if (offset >= table.Length)
        {
            return "";
        }

        var span = table.AsSpan((int)offset);
        var end = span.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? span : span[..end]);
    }

    private static byte[] ReadBytes(SafeFileHandle handle, ulong offset, ulong count, long length)
    {
        if (count == 0 || offset >= (ulong)length)
        {
            return [];
        }

        var n = (int)Math.Min(Math.Min(count, (ulong)length - offset), MaxSectionBytes);
        var buffer = new byte[n];
        var read = 0;
        while (read < n)
        {
            var got = RandomAccess.Read(handle, buffer.AsSpan(read), (long)offset + read);
            if (got <= 0)
            {
                break;
            }

            read += got;
        }

        return read == n ? buffer : buffer[..read];
    }

    private static ushort U16(ReadOnlySpan<byte> b, int o) => BinaryPrimitives.ReadUInt16LittleEndian(b[o..]);

    private static uint U32(ReadOnlySpan<byte> b, int o) => BinaryPrimitives.ReadUInt32LittleEndian(b[o..]);

    private static ulong U64(ReadOnlySpan<byte> b, int o) => BinaryPrimitives.ReadUInt64LittleEndian(b[o..]);
}
