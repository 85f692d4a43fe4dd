using System.Buffers.Binary;
using OdigosUi.Profiler.Symbolization;

namespace OdigosUi.Profiler.Runtimes.Python;

/// <summary>
/// The CPython interpreter a process runs: the mapping of the file that holds <c>_PyRuntime</c> (libpython3.N.so, or a
/// statically linked python3.N executable such as Debian's, which exports it in .dynsym), the run-time addresses of
/// <c>_PyRuntime</c> and <c>PyCode_Type</c> (their link-time addresses from the file's symbols plus the mapping's load
/// bias), the version and the structure offsets of that version.
/// </summary>
internal sealed record PythonInterpreter(FrameMapping Mapping, PythonVersion Version, PythonOffsets Offsets, bool OffsetsFromDebugOffsets, ulong RuntimeAddress, ulong CodeTypeAddress)
{
    private const string Runtime = "_PyRuntime";
    private const string CodeType = "PyCode_Type";
    private const string VersionHex = "Py_Version";
    private static readonly string[] Symbols = [Runtime, CodeType, VersionHex];

    /// <summary>
    /// The interpreter of the process whose mappings <paramref name="process"/> knows, or null with the reason: no mapped
    /// Python file exports <c>_PyRuntime</c> (yet: an embedding program may load libpython later), or its version has
    /// no known offsets (<paramref name="unsupported"/> then says which, for good).
    /// </summary>
    public static PythonInterpreter? Find(ProcessSymbols process, ElfCache cache, IRemoteMemory memory, out string reason, out PythonVersion? unsupported)
    {
        unsupported = null;
        reason = "no mapped python file exports _PyRuntime";
        foreach (var mapping in process.ExecutableMappings)
        {
            if (!mapping.IsFileBacked || RuntimeDetector.PythonMinorVersion(mapping.Path) is not { } fileMinor)
            {
                continue;
            }

            var file = process.File(mapping, cache);
            if (file.Elf?.FileOffsetToVirtualAddress(mapping.Offset) is not { } mappedAt
                || DataSymbols(process.Pid, mapping, cache.Files) is not { } symbols
                || !symbols.TryGetValue(Runtime, out var runtime) || !symbols.TryGetValue(CodeType, out var codeType))
            {
                continue;
            }

            var bias = mapping.Start - mappedAt;
            Span<byte> word = stackalloc byte[8];
            var version = symbols.TryGetValue(VersionHex, out var versionAt) && memory.TryRead(versionAt + bias, word)
                ? PythonVersion.FromHex(BinaryPrimitives.ReadUInt64LittleEndian(word))
                : new PythonVersion(3, fileMinor, null);
            var offsets = version.Minor >= 13 ? DebugOffsets(runtime + bias, memory) : null;
            var fromDebugOffsets = offsets is not null;
            offsets ??= version.Major == 3 ? PythonOffsets.ForMinor(version.Minor) : null;
            if (offsets is null)
            {
                unsupported = version;
                reason = $"no structure offsets for Python {version}";
                return null;
            }

            reason = "";
            return new PythonInterpreter(file.Mapping, version, offsets, fromDebugOffsets, runtime + bias, codeType + bias);
        }

        return null;
    }

    private static PythonOffsets? DebugOffsets(ulong runtime, IRemoteMemory memory)
    {
        var bytes = new byte[PythonOffsets.DebugOffsetsBytes];
        return memory.TryRead(runtime, bytes) ? PythonOffsets.FromDebugOffsets(bytes) : null;
    }

    // map_files opens exactly the mapped file (also inside a container); then the container's root, then the host path.
    private static IReadOnlyDictionary<string, ulong>? DataSymbols(int pid, MemoryMapping mapping, Processes.WorkloadFiles files)
    {
        foreach (var path in (ReadOnlySpan<string>)[$"/proc/{pid}/map_files/{mapping.Start:x}-{mapping.End:x}", $"/proc/{pid}/root{mapping.Path}", mapping.Path])
        {
            try
            {
                return ElfFile.FindDataSymbols(path, Symbols, files, mapping.Identity);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException or ArgumentException or NotSupportedException)
            {
            }
        }

        return null;
    }
}
