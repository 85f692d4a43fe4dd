using OdigosUi.TestSupport;
using OdigosUi.Profiler.Symbolization;

namespace OdigosUi.Profiler.Tests;

public sealed class ElfFileTests
{
    [Fact]
    public void Finds_the_function_symbols_of_a_compiled_program_at_the_addresses_nm_reports()
    {
        var program = NativeTestProgram.Instance;
        var elf = ElfFile.Open(program.Path);

        var hotLoop = Assert.Single(elf.Symbols.Symbols, s => s.Name == "hot_loop");
        Assert.Equal(NativeTestProgram.NmAddress(program.Path, "hot_loop"), hotLoop.Address);
        Assert.True(hotLoop.Size > 0);
        Assert.Equal(NativeTestProgram.NmAddress(program.Path, "main"), elf.Symbols.Symbols.Single(s => s.Name == "main").Address);
        Assert.Equal("hot_loop", elf.Symbols.Find(hotLoop.Address + hotLoop.Size / 2)?.Name);
        Assert.Matches("^[0-9a-f]{40}$", elf.BuildId);
    }

    [Fact]
    public void Reads_the_gnu_build_id_note()
    {
        var elf = ElfFile.Open(NativeTestProgram.Instance.PathWithKnownBuildId);

        Assert.Equal(NativeTestProgram.KnownBuildId, elf.BuildId);
    }

    [Fact]
    public void Lists_the_named_sections_at_the_offsets_and_addresses_readelf_reports()
    {
        var program = NativeTestProgram.Instance;
        var elf = ElfFile.Open(program.Path);
        using var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("readelf", ["-W", "-S", program.Path]) { RedirectStandardOutput = true })!;
        var readelf = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        var line = readelf.Split('\n').Single(l => l.Contains(" .eh_frame ", StringComparison.Ordinal));
        var fields = line[(line.IndexOf(".eh_frame ", StringComparison.Ordinal) + 10)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);

        var ehFrame = elf.Section(".eh_frame");
        Assert.NotNull(ehFrame);
        Assert.Equal(Convert.ToUInt64(fields[1], 16), ehFrame.VirtualAddress);
        Assert.Equal(Convert.ToUInt64(fields[2], 16), ehFrame.Offset);
        Assert.Equal(Convert.ToUInt64(fields[3], 16), ehFrame.Size);
        Assert.NotNull(elf.Section(".text"));
        Assert.Null(elf.Section(".no-such-section"));
    }

    [Fact]
    public void Maps_file_offsets_to_virtual_addresses_through_the_load_segments()
    {
        var elf = ElfFile.Open(NativeTestProgram.Instance.Path);
        var hotLoop = elf.Symbols.Symbols.Single(s => s.Name == "hot_loop");
        var segment = Assert.Single(elf.LoadSegments, s => hotLoop.Address >= s.VirtualAddress && hotLoop.Address < s.VirtualAddress + s.MemorySize);
        var fileOffset = hotLoop.Address - segment.VirtualAddress + segment.Offset;

        Assert.Equal(hotLoop.Address, elf.FileOffsetToVirtualAddress(fileOffset));
    }

    [Fact]
    public void Uses_dynsym_when_there_is_no_symtab_and_rejects_non_elf_files()
    {
        var libc = ProcessMaps.ReadSelf().Mappings.First(m => m.Path.Contains("libc.so", StringComparison.Ordinal) || m.Path.Contains("libc-", StringComparison.Ordinal)).Path;
        var elf = ElfFile.Open(libc);
        Assert.Contains(elf.Symbols.Symbols, s => s.Name == "getpid");

        var text = Path.Combine(NativeTestProgram.Instance.Directory, "hot.c");
        Assert.False(ElfFile.TryOpen(text, out _, out var error));
        Assert.Contains("not an ELF file", error);
    }

    [Fact]
    public void Keeps_symbol_names_in_the_file_and_reads_them_only_for_symbols_asked_for_and_only_from_the_same_file()
    {
        var copy = Path.Combine(NativeTestProgram.Instance.Directory, $"hot-names-{Guid.NewGuid():N}");
        File.Copy(NativeTestProgram.Instance.Path, copy);
        var elf = ElfFile.Open(copy);
        var main = NativeTestProgram.NmAddress(copy, "main");
        var hotLoop = NativeTestProgram.NmAddress(copy, "hot_loop");
        var before = elf.EstimatedBytes;

        Assert.NotNull(elf.Symbols.NameReader);
        Assert.Equal("main", elf.Symbols.FindName(main));
        Assert.True(elf.EstimatedBytes > before);

        // Once the file changed, a name not read yet cannot be trusted: the frame stays unnamed.
        File.AppendAllText(copy, "changed");
        Assert.Null(elf.Symbols.FindName(hotLoop));
        Assert.Equal("main", elf.Symbols.FindName(main));
        File.Delete(copy);
    }
}
