using System.Buffers.Binary;
using System.Reflection.PortableExecutable;
using OdigosUi.Profiler.Symbolization.ReadyToRun;
using OdigosUi.TestSupport;

namespace OdigosUi.Profiler.Tests;

/// <summary>Broken and hostile files give no names: never an exception, never memory for counts the file claims.</summary>
public sealed class ReadyToRunHostileInputTests : IDisposable
{
    private const uint RuntimeFunctions = 102;
    private const uint MethodDefEntryPoints = 103;
    private const uint InstanceMethodEntryPoints = 109;

    private static readonly string CoreLib = typeof(object).Assembly.Location;
    private static readonly byte[] Image = File.ReadAllBytes(CoreLib);

    private readonly TempDirectory _directory = new("odigos-r2r-");

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void NativeFormat_integers_decode_as_the_format_documents()
    {
        byte[] bytes = [0x18, 0xa1, 0x0f, 0xfb, 0xff, 0xff, 0x77, 0x56, 0x34, 0x12, 0x0f, 0xef, 0xcd, 0xab, 0x89, 0xfe, 0xfd, 0xff, 0x1f];
        var reader = new ImageReader(bytes);
        var offset = 0;

        Assert.Equal(12u, reader.NativeUnsigned(ref offset));
        Assert.Equal(1000u, reader.NativeUnsigned(ref offset));
        Assert.Equal(0x1fffffu, reader.NativeUnsigned(ref offset));
        Assert.Equal(0x1234567u, reader.NativeUnsigned(ref offset));
        Assert.Equal(0x89abcdefu, reader.NativeUnsigned(ref offset));
        Assert.Equal(-1, reader.NativeSigned(ref offset));
        Assert.Equal(-1, reader.NativeSigned(ref offset));
        Assert.Equal(bytes.Length - 1, offset);
        Assert.Throws<BadImageFormatException>(() => new ImageReader(bytes).NativeUnsigned(ref offset));
        Assert.Throws<BadImageFormatException>(() => new ImageReader(bytes[..2]).UInt32(0));

        byte[] compressed = [0x03, 0x80, 0x80, 0xc0, 0x00, 0x40, 0x00];
        offset = 0;
        Assert.Equal(3u, new ImageReader(compressed).Compressed(ref offset));
        Assert.Equal(0x80u, new ImageReader(compressed).Compressed(ref offset));
        Assert.Equal(0x4000u, new ImageReader(compressed).Compressed(ref offset));
    }

    [Fact]
    public void Random_bytes_and_truncated_images_give_no_names()
    {
        var random = new byte[1 << 20];
        new Random(42).NextBytes(random);
        var functions = Table(RuntimeFunctions).Offset;
        var metadata = MetadataOffset();

        AssertNoNames(Write("random.dll", random));
        AssertNoNames(Write("empty.dll", []));
        AssertNoNames(Write("headers.dll", Image[..1024]));
        AssertNoNames(Write("in-runtime-functions.dll", Image[..(functions + 4000)]));
        AssertNoNames(Write("in-metadata.dll", Image[..(metadata + 1000)]));
    }

    [Fact]
    public void Absurd_counts_give_no_names_and_allocate_nothing_for_them()
    {
        var (header, _) = Header();
        var functions = Table(RuntimeFunctions);
        var methodDefs = Table(MethodDefEntryPoints);
        var instances = Table(InstanceMethodEntryPoints);

        AssertNoNames(Patch("sections.dll", header + 12, uint.MaxValue));
        AssertNoNames(Patch("runtime-functions.dll", functions.Entry + 8, int.MaxValue - 11));
        AssertNoNames(Patch("unsorted.dll", functions.Offset + 12, 0));
        AssertNoNames(Patch("hashtable-buckets.dll", instances.Offset, 0xFF));
        AssertNoNames(Patch("hashtable-bucket.dll", instances.Offset + 1, 0xFFFFFFFF));

        // A method entry point array claiming 2^29 elements: only as many as the metadata has methods are looked up.
        var before = GC.GetAllocatedBytesForCurrentThread();
        Assert.True(ReadyToRunImage.TryOpen(Patch("entry-points.dll", methodDefs.Offset, [0x0f, 0x00, 0x00, 0x00, 0x80]), out var image));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 64 << 20, $"{GC.GetAllocatedBytesForCurrentThread() - before} bytes allocated");
        Assert.True(image is null || image.MethodCount < 1_000_000);
    }

    private static void AssertNoNames(string path)
    {
        var opened = ReadyToRunImage.TryOpen(path, out var image);
        Assert.True(opened || new FileInfo(path).Length == 0, path);
        if (image is not null)
        {
            var named = image.ReadMethods().Count(m => m.Name is not null);
            Assert.True(named == 0, $"{path}: {named} methods named");
        }
    }

    private string Write(string name, byte[] bytes)
    {
        var path = Path.Combine(_directory.Path, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private string Patch(string name, int offset, uint value)
    {
        var bytes = new byte[value <= 0xFF ? 1 : 4];
        if (value <= 0xFF)
        {
            bytes[0] = (byte)value;
        }
        else
        {
            BinaryPrimitives.WriteUInt32LittleEndian(bytes, value);
        }

        return Patch(name, offset, bytes);
    }

    private string Patch(string name, int offset, byte[] patch)
    {
        var bytes = (byte[])Image.Clone();
        patch.CopyTo(bytes, offset);
        return Write(name, bytes);
    }

    private static (int Header, int Sections) Header()
    {
        using var pe = new PEReader(new MemoryStream(Image));
        var header = Offset(pe, pe.PEHeaders.CorHeader!.ManagedNativeHeaderDirectory.RelativeVirtualAddress);
        return (header, (int)BinaryPrimitives.ReadUInt32LittleEndian(Image.AsSpan(header + 12)));
    }

    private static (int Entry, int Offset) Table(uint type)
    {
        using var pe = new PEReader(new MemoryStream(Image));
        var (header, sections) = Header();
        for (var i = 0; i < sections; i++)
        {
            var entry = header + 16 + i * 12;
            if (BinaryPrimitives.ReadUInt32LittleEndian(Image.AsSpan(entry)) == type)
            {
                return (entry, Offset(pe, (int)BinaryPrimitives.ReadUInt32LittleEndian(Image.AsSpan(entry + 4))));
            }
        }

        throw new InvalidOperationException($"CoreLib has no ReadyToRun section {type}");
    }

    private static int MetadataOffset()
    {
        using var pe = new PEReader(new MemoryStream(Image));
        return Offset(pe, pe.PEHeaders.CorHeader!.MetadataDirectory.RelativeVirtualAddress);
    }

    private static int Offset(PEReader pe, int rva)
    {
        var section = pe.PEHeaders.SectionHeaders.Single(s => rva >= s.VirtualAddress && rva < s.VirtualAddress + s.SizeOfRawData);
        return rva - section.VirtualAddress + section.PointerToRawData;
    }
}
