using System.Reflection.PortableExecutable;
using OdigosUi.Profiler.Symbolization.ReadyToRun;

namespace OdigosUi.Profiler.Tests;

/// <summary>The ReadyToRun reader on the shared runtime's own System.Private.CoreLib.dll (a ReadyToRun image).</summary>
public sealed class ReadyToRunImageTests
{
    private static readonly string CoreLib = typeof(object).Assembly.Location;

    [Fact]
    public void Names_well_known_corelib_methods_as_the_perf_map_does_and_finds_their_code_by_rva()
    {
        string[] expected =
        [
            "System.String.Concat(string,string)",
            "System.Int32.ToString()",
            "System.Marvin.ComputeHash32(uint8&,uint32,uint32,uint32)",
            "System.Collections.Generic.Dictionary`2[System.__Canon,System.__Canon].TryGetValue(!0,!1&)",
            "System.Collections.Generic.List`1+Enumerator[System.__Canon].MoveNext()",
        ];
        Assert.True(ReadyToRunImage.TryOpen(CoreLib, out var image));
        Assert.NotNull(image);

        var methods = image.ReadMethods();
        Assert.True(image.RuntimeFunctionCount > 10_000 && methods.Count > 10_000, $"{image.RuntimeFunctionCount} runtime functions, {methods.Count} methods");
        var unnamed = methods.Count(m => m.Name is null);
        Assert.True(unnamed <= methods.Count / 100, $"{unnamed} of {methods.Count} methods unnamed");
        foreach (var name in expected)
        {
            var entry = methods.FirstOrDefault(m => m.Name == name).EntryRva;
            Assert.True(entry > 0, $"no method {name}; e.g. {string.Join(", ", methods.Take(5).Select(m => m.Name))}");
            Assert.Equal(name, image.FindName(entry));
            Assert.Equal(name, image.FindName(entry + 2));
        }

        Assert.Null(image.FindName(0));
        Assert.Null(image.FindName(uint.MaxValue));
    }

    [Fact]
    public void Turns_file_offsets_into_rvas_through_the_section_headers()
    {
        Assert.True(ReadyToRunImage.TryOpen(CoreLib, out var image));
        Assert.NotNull(image);
        using var pe = new PEReader(File.OpenRead(CoreLib));
        var text = pe.PEHeaders.SectionHeaders.Single(s => s.Name == ".text");

        Assert.Equal((uint)text.VirtualAddress, image.FileOffsetToRva((ulong)text.PointerToRawData));
        Assert.Equal((uint)text.VirtualAddress + 0x1234, image.FileOffsetToRva((ulong)text.PointerToRawData + 0x1234));
        Assert.Null(image.FileOffsetToRva((ulong)new FileInfo(CoreLib).Length + 1));
    }

    [Fact]
    public void A_managed_assembly_without_precompiled_code_and_a_native_library_are_not_images()
    {
        var ilOnly = typeof(ReadyToRunImageTests).Assembly.Location;
        var native = Path.Combine(Path.GetDirectoryName(CoreLib)!, "libcoreclr.so");

        Assert.True(ReadyToRunImage.TryOpen(ilOnly, out var managed));
        Assert.Null(managed);
        Assert.True(ReadyToRunImage.TryOpen(native, out var elf));
        Assert.Null(elf);
        Assert.False(ReadyToRunImage.TryOpen("/nonexistent/System.Private.CoreLib.dll", out _));
    }
}
