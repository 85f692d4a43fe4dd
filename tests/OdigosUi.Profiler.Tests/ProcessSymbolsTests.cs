using OdigosUi.Profiler.Symbolization;

namespace OdigosUi.Profiler.Tests;

public sealed class ProcessSymbolsTests
{
    [Fact]
    public void A_mapping_reported_by_the_kernel_joins_the_known_mappings_and_replaces_frames_cached_as_unmapped_without_reading_proc_again()
    {
        var symbolizer = new Symbolizer();
        var process = new ProcessSymbols(Environment.ProcessId);
        const ulong address = 0x10010;

        var before = symbolizer.ResolveUser(process, address, isReturnAddress: false);
        Assert.Null(before.Mapping);
        Assert.Equal(1, process.MapsReads);
        Assert.Same(before, symbolizer.ResolveUser(process, address, isReturnAddress: false));

        process.MappingAdded(new MemoryMapping(0x10000, 0x11000, "r-xp", 0, "00:00", 0, ""));
        var after = symbolizer.ResolveUser(process, address, isReturnAddress: false);

        Assert.NotNull(after.Mapping);
        Assert.Equal(0x10000UL, after.Mapping.Start);
        Assert.Equal(1, process.MapsReads);
    }

    [Fact]
    public void A_process_that_maps_libjvm_after_its_maps_were_read_is_told_a_jvm()
    {
        using var sleep = System.Diagnostics.Process.Start("sleep", "30");
        try
        {
            var process = new ProcessSymbols(sleep.Id);
            new Symbolizer().ResolveUser(process, 0x10010, isReturnAddress: false);
            Assert.Equal(Runtimes.ProcessRuntime.Native, process.Runtime);

            process.MappingAdded(new MemoryMapping(0x7f0000000000, 0x7f0001000000, "r-xp", 0, "08:01", 42, "/usr/lib/jvm/java-17-openjdk-amd64/lib/server/libjvm.so"));

            Assert.Equal(Runtimes.ProcessRuntime.Jvm, process.Runtime);
        }
        finally
        {
            sleep.Kill();
        }
    }

    [Fact]
    public void Libc_frames_of_this_process_resolve_to_libc_functions()
    {
        var symbolizer = new Symbolizer();
        var process = new ProcessSymbols(Environment.ProcessId);
        var getpid = (ulong)System.Runtime.InteropServices.NativeLibrary.GetExport(System.Runtime.InteropServices.NativeLibrary.Load("libc.so.6"), "getpid");

        var frame = symbolizer.ResolveUser(process, getpid, isReturnAddress: false);

        Assert.Equal(FrameKind.Native, frame.Kind);
        Assert.Contains("getpid", frame.FunctionName);
        Assert.Contains("libc", frame.Mapping?.Path);
        Assert.Matches("^[0-9a-f]{40}$", frame.Mapping?.BuildId);
    }
}
