using System.IO.MemoryMappedFiles;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace OdigosUi.Profiler.Symbolization.ReadyToRun;

/// <summary>
/// A file mapped read-only for as long as it is read, with a <see cref="PEReader"/> over the mapping: nothing of the
/// file is copied to the managed heap. Opening fails (false) for a file that cannot be read, is empty, or no longer has
/// the <see cref="FileStamp"/> it was parsed with.
/// </summary>
internal sealed unsafe class MappedImage : IDisposable
{
    private readonly MemoryMappedFile _file;
    private readonly MemoryMappedViewAccessor _view;
    private readonly byte* _pointer;
    private MetadataReader? _metadata;

    private MappedImage(MemoryMappedFile file, MemoryMappedViewAccessor view, byte* pointer, int length, FileStamp stamp)
    {
        _file = file;
        _view = view;
        _pointer = pointer;
        Length = length;
        Stamp = stamp;
        Pe = new PEReader(pointer, length);
    }

    public int Length { get; }

    public FileStamp Stamp { get; }

    public PEReader Pe { get; }

    public ImageReader Reader => new(new ReadOnlySpan<byte>(_pointer, Length));

    public MetadataReader Metadata => _metadata ??= Pe.GetMetadataReader();

    public static bool TryOpen(string path, FileStamp? expected, out MappedImage? image)
    {
        image = null;
        try
        {
            using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            var length = RandomAccess.GetLength(handle);
            var stamp = new FileStamp(length, File.GetLastWriteTimeUtc(handle));
            if (length == 0 || length > int.MaxValue || (expected is { } want && want != stamp))
            {
                return false;
            }

            var file = MemoryMappedFile.CreateFromFile(handle, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: true);
            try
            {
                var view = file.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
                byte* pointer = null;
                view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
                image = new MappedImage(file, view, pointer + view.PointerOffset, (int)length, stamp);
                return true;
            }
            catch
            {
                file.Dispose();
                throw;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return false;
        }
    }

    public void Dispose()
    {
        Pe.Dispose();
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _file.Dispose();
    }
}
