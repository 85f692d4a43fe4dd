using OdigosUi.Profiler.Symbolization;
using OdigosUi.TestSupport;

namespace OdigosUi.Profiler.Tests;

public sealed class DebugFileTests
{
    private const string Libc = "/lib/x86_64-linux-gnu/libc.so.6";

    /// <summary>Debian's libc6-dbg installs libc's debug file by build id: its .symtab names what libc's .dynsym does not.</summary>
    [Fact]
    public void A_library_without_symtab_is_named_from_its_debug_file_found_by_build_id()
    {
        var cache = new ElfCache();
        var libc = cache.Get(new FileIdentity("libc", 1), Libc)!;
        Assert.Equal(SymbolSource.Dynsym, libc.SymbolSource);
        var address = NativeTestProgram.NmAddress($"/usr/lib/debug/.build-id/{libc.BuildId![..2]}/{libc.BuildId[2..]}.debug", "__libc_start_call_main");
        Assert.Null(libc.Symbols.FindName(address + 1));

        var before = cache.Bytes;
        var debug = cache.AttachDebugFile(libc, "", Libc);

        Assert.NotNull(debug);
        Assert.Equal(libc.BuildId, debug.BuildId);
        Assert.Equal("__libc_start_call_main", libc.BestSymbols.FindName(address + 1));

        // Five names share __libc_start_main's address in the debug file; the default version names it, as perf does.
        var start = NativeTestProgram.NmAddress(debug.Path, "__libc_start_main_impl");
        Assert.Equal("__libc_start_main@@GLIBC_2.34", libc.BestSymbols.FindName(start + 1));
        Assert.True(cache.Bytes > before, "the debug file's symbols count toward the cache's bound");
        Assert.Same(debug, cache.AttachDebugFile(libc, "", Libc));
    }

    /// <summary>
    /// A program stripped the way distributions ship it (objcopy --only-keep-debug, strip, --add-gnu-debuglink) inside
    /// a directory tree standing for a container's root: its debug file is found by the debug link in the root's
    /// <c>.debug</c> folder, never outside the root, and one with another build id is refused.
    /// </summary>
    [Fact]
    public void A_stripped_program_is_named_from_the_debug_file_its_debuglink_names_inside_the_process_root()
    {
        using var rootDirectory = new TempDirectory("odigos-debuglink-");
        var root = rootDirectory.Path;
        var bin = Path.Combine(root, "app");
        Directory.CreateDirectory(Path.Combine(bin, ".debug"));
        var source = Path.Combine(root, "spin.c");
        File.WriteAllText(source, "static __attribute__((noinline)) int hidden(int n) { return n * 3; }\nint main(int c, char **v) { return hidden(c); }\n");
        var program = Path.Combine(bin, "spin");
        NoFramePointerProgram.Run("gcc", $"-O2 -g -o {program} {source}");
        var address = NativeTestProgram.NmAddress(program, "hidden");
        NoFramePointerProgram.Run("objcopy", $"--only-keep-debug {program} {bin}/.debug/spin.debug");
        NoFramePointerProgram.Run("strip", $"--strip-all {program}");
        NoFramePointerProgram.Run("objcopy", $"--add-gnu-debuglink={bin}/.debug/spin.debug {program}");

        var cache = new ElfCache();
        var elf = cache.Get(new FileIdentity("spin", 1), program)!;
        Assert.Equal("spin.debug", elf.DebugLink);
        Assert.Null(elf.BestSymbols.FindName(address));

        var outside = new ElfCache();
        Assert.Null(outside.AttachDebugFile(outside.Get(new FileIdentity("spin", 2), program)!, "/nonexistent-root", "/app/spin"));

        var found = cache.AttachDebugFile(elf, root, "/app/spin");
        Assert.Equal($"{root}/app/.debug/spin.debug", found?.Path);
        Assert.Equal("hidden", elf.BestSymbols.FindName(address));

        NoFramePointerProgram.Run("gcc", $"-O2 -g -Wl,--build-id=0x0123456789 -o {bin}/.debug/spin.debug {source}");
        var other = new ElfCache();
        var again = other.Get(new FileIdentity("spin", 3), program)!;
        Assert.Null(other.AttachDebugFile(again, root, "/app/spin"));
    }
}
