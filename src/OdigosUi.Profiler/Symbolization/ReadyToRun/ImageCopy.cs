using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using OdigosUi.Profiler.Processes;

namespace OdigosUi.Profiler.Symbolization.ReadyToRun;

/// <summary>
/// A copy of a PE file read with positioned reads into a pinned array, with a <see cref="PEReader"/> over it: never a
/// mapping of the file, which the workload could truncate under the reader. Opening fails (false) for a file that cannot
/// be read, is empty, over the ReadyToRun limit, truncated while read, or no longer has the <see cref="FileStamp"/> it
/// was parsed with. <see cref="Pe"/> and <see cref="Metadata"/> read through a raw pointer into the copy: keep this
/// object reachable (<see cref="GC.KeepAlive"/>) until they are done with.
/// </summary>
internal sealed unsafe class ImageCopy
{
    private readonly byte[] _bytes;
    private MetadataReader? _metadata;

    private ImageCopy(byte[] bytes, FileStamp stamp)
    {
        _bytes = bytes;
        Stamp = stamp;
        Pe = new PEReader(Pointer, bytes.Length);
    }

    public int Length => _bytes.Length;

    public FileStamp Stamp { get; }

    public PEReader Pe { get; }

    public ImageReader Reader => new(_bytes);

    public MetadataReader Metadata => _metadata ??= Pe.GetMetadataReader();

    // The array is on the pinned object heap: it never moves while this object holds it.
    private byte* Pointer => (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_bytes));

    public static bool TryOpen(string path, FileStamp? expected, WorkloadFiles files, FileIdentity? mapped, out ImageCopy? image)
    {
        image = null;
        try
        {
            using var file = files.Open(path, WorkloadFileKind.ReadyToRun, mapped);
            if (file is null || file.Length == 0 || file.Length > int.MaxValue || (expected is { } want && want != file.Stamp))
            {
                return false;
            }

            var bytes = GC.AllocateUninitializedArray<byte>((int)file.Length, pinned: true);
            if (!file.TryReadExactly(bytes, 0))
            {
                files.Skipped(path, WorkloadFileRefusal.Truncated, "shorter than when it was opened (truncated while read)");
                return false;
            }

            image = new ImageCopy(bytes, file.Stamp);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return false;
        }
    }
}
