using System.Reflection.PortableExecutable;
using OdigosUi.Profiler.Symbolization;
using OdigosUi.Profiler.Symbolization.ReadyToRun;

namespace OdigosUi.Profiler.Tests;

/// <summary>The symbolizer on this test process's own mapping of System.Private.CoreLib.dll's precompiled code.</summary>
public sealed class ReadyToRunSymbolizerTests
{
    private const string Method = "System.Marvin.ComputeHash32(uint8&,uint32,uint32,uint32)";
    private static readonly string CoreLib = typeof(object).Assembly.Location;

    [Fact]
    public void An_address_in_the_mapped_precompiled_code_of_corelib_names_its_method_without_a_perf_map()
    {
        var address = AddressInThisProcess(Method, offset: 5);
        var symbolizer = new Symbolizer();
        var process = new ProcessSymbols(Environment.ProcessId);

        var leaf = symbolizer.ResolveUser(process, address, isReturnAddress: false);
        var returnAddress = symbolizer.ResolveUser(process, address + 1, isReturnAddress: true);

        Assert.Equal(FrameKind.Dotnet, leaf.Kind);
        Assert.Equal(Method, leaf.FunctionName);
        Assert.Equal(CoreLib, leaf.Mapping?.Path);
        Assert.Equal(Method, returnAddress.FunctionName);
        Assert.Null(process.PerfMap);
        Assert.Equal(1, symbolizer.ReadyToRunCache.Parses);
        Assert.Same(leaf, symbolizer.ResolveUser(process, address, isReturnAddress: false));
    }

    /// <summary>Where this process has <paramref name="method"/>'s code: its RVA, through the section that holds it, in the executable mapping of CoreLib.</summary>
    private static ulong AddressInThisProcess(string method, uint offset)
    {
        Assert.True(ReadyToRunImage.TryOpen(CoreLib, out var image));
        var rva = image!.ReadMethods().First(m => m.Name == method).EntryRva + offset;
        using var pe = new PEReader(File.OpenRead(CoreLib));
        var section = pe.PEHeaders.SectionHeaders.Single(s => rva >= s.VirtualAddress && rva < s.VirtualAddress + s.SizeOfRawData);
        var fileOffset = (ulong)(rva - section.VirtualAddress + section.PointerToRawData);
        var mapping = ProcessMaps.ReadSelf().Mappings.Single(m => m.IsExecutable && m.Path == CoreLib && fileOffset >= m.Offset && fileOffset - m.Offset < m.End - m.Start);
        return mapping.Start + fileOffset - mapping.Offset;
    }
}
