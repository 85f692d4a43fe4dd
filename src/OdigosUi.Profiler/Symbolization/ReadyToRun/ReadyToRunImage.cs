using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Text;

namespace OdigosUi.Profiler.Symbolization.ReadyToRun;

/// <summary>
/// The precompiled code of a ReadyToRun .NET assembly (e.g. System.Private.CoreLib.dll of the shared runtime): its
/// RUNTIME_FUNCTIONS (every method body, funclet and cold part, sorted by RVA), each mapped to the method whose entry
/// point it is or follows, from METHODDEF_ENTRYPOINTS (non-generic methods by MethodDef) and INSTANCE_METHOD_ENTRYPOINTS
/// (generic instantiations), see readytorun-format.md. Only these tables are kept (compact arrays); a method is named
/// when one of its addresses is first looked up, from the file's metadata, in the runtime's perf map shape after
/// <see cref="DotnetFrameName"/> (<c>System.String.Concat(string,string)</c>). Thread-safe.
/// </summary>
public sealed class ReadyToRunImage
{
    private const uint HeaderSignature = 0x0052_5452;
    private const ushort Amd64 = 0x8664;
    private const uint RuntimeFunctionsSection = 102;
    private const uint MethodDefEntryPointsSection = 103;
    private const uint InstanceMethodEntryPointsSection = 109;
    private const uint HotColdMapSection = 120;
    private const int RuntimeFunctionBytes = 12;
    private const int MaxSections = 256;
    private const int MaxRuntimeFunctions = 4 << 20;
    private const int MaxSignatureBytes = 1024;
    private const int MaxNameLength = 4096;

    // Machine values of PE files built for other operating systems than Windows are XOR-ed with one of these.
    private static readonly ushort[] OperatingSystemMachineOverrides = [0, 0x7B79, 0x4644, 0xADC4, 0x1993, 0x1992];

    private readonly uint[] _starts;
    private readonly uint[] _ends;
    private readonly int[] _methodOf;
    private readonly int[] _methodKeys;
    private readonly FileSection[] _sections;
    private readonly FileStamp _stamp;
    private readonly RecentPaths _paths;
    private readonly Processes.WorkloadFiles _files;
    private readonly WeakReference<ImageCopy?> _recent = new(null);
    private readonly Dictionary<int, string?> _names = [];
    private long _nameBytes;

    private ReadyToRunImage(uint[] starts, uint[] ends, int[] methodOf, int[] methodKeys, FileSection[] sections, FileStamp stamp, string path, Processes.WorkloadFiles files)
    {
        _files = files;
        _starts = starts;
        _ends = ends;
        _methodOf = methodOf;
        _methodKeys = methodKeys;
        _sections = sections;
        _stamp = stamp;
        _paths = new RecentPaths(path);
    }

    public int RuntimeFunctionCount => _starts.Length;

    public int MethodCount => _methodKeys.Length;

    /// <summary>What this object keeps in memory, in bytes, the names decoded so far included.</summary>
    public long EstimatedBytes
    {
        get
        {
            lock (_names)
            {
                return 256 + _starts.Length * 12L + _methodKeys.Length * 4L + _sections.Length * 16L + _nameBytes;
            }
        }
    }

    /// <summary>
    /// Parses the file at <paramref name="path"/>: false when it cannot be read; true with a null <paramref name="image"/>
    /// when it is not a ReadyToRun image with x64 code (or its tables are broken).
    /// </summary>
    public static bool TryOpen(string path, out ReadyToRunImage? image) => TryOpen(path, null, null, out image);

    /// <summary>Opens through <paramref name="files"/>; a <paramref name="mapped"/> identity must be the opened file's.</summary>
    public static bool TryOpen(string path, Processes.WorkloadFiles? files, FileIdentity? mapped, out ReadyToRunImage? image)
    {
        image = null;
        files ??= Processes.WorkloadFiles.Shared;
        if (!ImageCopy.TryOpen(path, null, files, mapped, out var copy))
        {
            return false;
        }

        try
        {
            image = Parse(copy!, path, files);
            image?._recent.SetTarget(copy);
            GC.KeepAlive(copy);
        }
        catch (Exception e) when (e is BadImageFormatException or InvalidOperationException or ArgumentException or OverflowException)
        {
        }

        return true;
    }

    /// <summary>The RVA a file offset is loaded at (the runtime maps each PE section at base + RVA); null outside every section.</summary>
    public uint? FileOffsetToRva(ulong fileOffset)
    {
        foreach (var section in _sections)
        {
            if (fileOffset >= section.FileOffset && fileOffset - section.FileOffset < section.FileSize)
            {
                return (uint)(fileOffset - section.FileOffset + section.Rva);
            }
        }

        return null;
    }

    /// <summary>The name of the method whose code holds <paramref name="rva"/>; null outside every runtime function or when it cannot be named.</summary>
    public string? FindName(uint rva)
    {
        int lo = 0, hi = _starts.Length - 1, found = -1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            if (_starts[mid] <= rva)
            {
                found = mid;
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }

        if (found < 0 || rva >= _ends[found] || _methodOf[found] is not (var method and >= 0))
        {
            return null;
        }

        lock (_names)
        {
            if (!_names.TryGetValue(method, out var name))
            {
                name = Decode(_methodKeys[method]);
                _names[method] = name;
                _nameBytes += 64 + (name?.Length ?? 0) * 2;
            }

            return name;
        }
    }

    private string? Decode(int key) => WithImage(image => Name(image, key));

    /// <summary>Every method's entry point RVA and name, the file opened once (for tests and tools, not the sampling path).</summary>
    public IReadOnlyList<(uint EntryRva, string? Name)> ReadMethods()
    {
        var entries = new uint[_methodKeys.Length];
        for (var function = _methodOf.Length - 1; function >= 0; function--)
        {
            if (_methodOf[function] >= 0)
            {
                entries[_methodOf[function]] = _starts[function];
            }
        }

        return WithImage(image => _methodKeys.Select((key, method) => (entries[method], Name(image, key))).ToList()) ?? [];
    }

    /// <summary>Where the file can be opened again to name methods (most recent first).</summary>
    public void RememberPaths(ReadOnlySpan<string> paths) => _paths.Remember(paths);

    /// <summary>
    /// Runs <paramref name="read"/> over a copy of the file: the last one read while the collector has not reclaimed it
    /// (names are decoded in bursts when a process starts), else a new one. Callers hold <see cref="_names"/>.
    /// </summary>
    private T? WithImage<T>(Func<ImageCopy, T?> read)
    {
        // The readers over the copy hold a raw pointer into it: the copy must stay reachable until they are done.
        if (_recent.TryGetTarget(out var recent) && recent is not null)
        {
            var result = read(recent);
            GC.KeepAlive(recent);
            return result;
        }

        foreach (var path in _paths.Snapshot())
        {
            if (ImageCopy.TryOpen(path, _stamp, _files, null, out var image))
            {
                _recent.SetTarget(image);
                var result = read(image!);
                GC.KeepAlive(image);
                return result;
            }
        }

        return default;
    }

    private static ReadyToRunImage? Parse(ImageCopy image, string path, Processes.WorkloadFiles files)
    {
        var headers = image.Pe.PEHeaders;
        var machine = (ushort)headers.CoffHeader.Machine;
        if (headers.CorHeader is not { } cor || cor.ManagedNativeHeaderDirectory.Size < 16
            || !OperatingSystemMachineOverrides.Any(os => (machine ^ os) == Amd64))
        {
            return null;
        }

        var sections = headers.SectionHeaders.Select(s => new FileSection((uint)s.PointerToRawData, (uint)s.SizeOfRawData, (uint)s.VirtualAddress)).ToArray();
        var reader = image.Reader;
        var header = Offset(sections, (uint)cor.ManagedNativeHeaderDirectory.RelativeVirtualAddress) ?? throw new BadImageFormatException("no ReadyToRun header in the file");
        var count = reader.UInt32(header + 12);
        if (reader.UInt32(header) != HeaderSignature || count > MaxSections)
        {
            return null;
        }

        // A component of a composite image has no code of its own: it is in the composite file.
        var tables = ReadTables(reader, sections, header + 16, (int)count);
        if (!tables.TryGetValue(RuntimeFunctionsSection, out var functions))
        {
            return null;
        }

        var (starts, ends) = ReadRuntimeFunctions(reader, functions);
        var methods = new MethodMap(starts.Length);
        if (tables.TryGetValue(MethodDefEntryPointsSection, out var methodDefs))
        {
            AddMethodDefEntryPoints(methods, reader, methodDefs, image.Metadata);
        }

        if (tables.TryGetValue(InstanceMethodEntryPointsSection, out var instances))
        {
            AddInstanceEntryPoints(methods, reader, instances);
        }

        if (tables.TryGetValue(HotColdMapSection, out var hotCold))
        {
            for (var pair = hotCold.Offset; pair + 8L <= hotCold.End; pair += 8)
            {
                methods.AddColdPart((int)Math.Min(reader.UInt32(pair), int.MaxValue), (int)Math.Min(reader.UInt32(pair + 4), int.MaxValue));
            }
        }

        var (methodOf, keys) = methods.Build();
        return new ReadyToRunImage(starts, ends, methodOf, keys, sections, image.Stamp, path, files);
    }

    /// <summary>The READYTORUN_SECTION entries (type, RVA, size) whose bytes are in the file, by type.</summary>
    private static Dictionary<uint, Table> ReadTables(ImageReader reader, FileSection[] sections, int offset, int count)
    {
        var tables = new Dictionary<uint, Table>();
        for (var entry = offset; entry < offset + count * 12; entry += 12)
        {
            var size = reader.UInt32(entry + 8);
            if (Offset(sections, reader.UInt32(entry + 4)) is { } start && size <= reader.Length - start)
            {
                tables.TryAdd(reader.UInt32(entry), new Table(start, (int)size));
            }
        }

        return tables;
    }

    private static void AddMethodDefEntryPoints(MethodMap methods, ImageReader reader, Table table, MetadataReader metadata)
    {
        var array = new NativeArray(reader, table.Offset);
        var rids = Math.Min(array.Count, (uint)metadata.GetTableRowCount(TableIndex.MethodDef));
        for (var rid = 1u; rid <= rids; rid++)
        {
            if (array.TryGet(rid - 1, out var entryPoint))
            {
                methods.Add(RuntimeFunctionIndex(reader, entryPoint), (int)rid);
            }
        }
    }

    private static void AddInstanceEntryPoints(MethodMap methods, ImageReader reader, Table table)
    {
        foreach (var signature in NativeHashtable.Entries(reader, table.Offset, table.End, Math.Min(table.Size, MaxRuntimeFunctions)))
        {
            if (InstanceEntry.Read(reader, signature, null) is { } entry)
            {
                methods.Add(RuntimeFunctionIndex(reader, entry.EntryPointOffset), ~signature);
            }
        }
    }

    private static (uint[] Starts, uint[] Ends) ReadRuntimeFunctions(ImageReader reader, Table table)
    {
        var (offset, count) = (table.Offset, table.Size / RuntimeFunctionBytes);
        if (count > MaxRuntimeFunctions)
        {
            throw new BadImageFormatException($"{count} runtime functions");
        }

        var starts = new uint[count];
        var ends = new uint[count];
        for (var i = 0; i < count; i++)
        {
            starts[i] = reader.UInt32(offset + i * RuntimeFunctionBytes);
            ends[i] = reader.UInt32(offset + i * RuntimeFunctionBytes + 4);
            if (ends[i] < starts[i] || (i > 0 && starts[i] < ends[i - 1]))
            {
                throw new BadImageFormatException("RUNTIME_FUNCTIONS not sorted");
            }
        }

        return (starts, ends);
    }

    private static int RuntimeFunctionIndex(ImageReader reader, int offset)
    {
        // The low bit says a fixup list follows (then the index is shifted by two).
        var id = reader.NativeUnsigned(ref offset);
        return (int)((id & 1) != 0 ? id >> 2 : id >> 1);
    }

    /// <summary>The file offset of <paramref name="rva"/>; null outside the file bytes of every section.</summary>
    private static int? Offset(FileSection[] sections, uint rva)
    {
        foreach (var section in sections)
        {
            if (rva >= section.Rva && rva - section.Rva < section.FileSize)
            {
                return (int)Math.Min((long)rva - section.Rva + section.FileOffset, int.MaxValue);
            }
        }

        return null;
    }

    /// <summary>A method's name: key &gt; 0 a MethodDef RID, key &lt; 0 the complement of its instance entry's offset.</summary>
    private static string? Name(ImageCopy image, int key)
    {
        try
        {
            var metadata = image.Metadata;
            var (rid, owner) = key > 0 ? (key, null) : InstanceEntry.Read(image.Reader, ~key, metadata) is { } entry ? (entry.MethodDefRid, entry.Owner) : (0, null);
            return rid > 0 && rid <= metadata.GetTableRowCount(TableIndex.MethodDef) ? MethodName(metadata, MetadataTokens.MethodDefinitionHandle(rid), owner) : null;
        }
        catch (Exception e) when (e is BadImageFormatException or InvalidOperationException or ArgumentException or OverflowException)
        {
            return null;
        }
    }

    private static string? MethodName(MetadataReader metadata, MethodDefinitionHandle handle, string? owner)
    {
        var method = metadata.GetMethodDefinition(handle);
        if (metadata.GetBlobReader(method.Signature).Length > MaxSignatureBytes
            || !TypeSignatureReader.IsBoundedMethodSignature(metadata.GetBlobBytes(method.Signature)))
        {
            return null;
        }

        var signature = method.DecodeSignature(IlSignatureTypes.Instance, null);
        var name = new StringBuilder();
        if (owner is null)
        {
            RuntimeTypeName.AppendDefinition(name, metadata, method.GetDeclaringType());
        }
        else
        {
            name.Append(owner);
        }

        name.Append('.').Append(metadata.GetString(method.Name)).Append('(').Append(IlSignatureTypes.Parameters(signature)).Append(')');
        return name.Length <= MaxNameLength ? name.ToString() : null;
    }

    private readonly record struct FileSection(uint FileOffset, uint FileSize, uint Rva);

    private readonly record struct Table(int Offset, int Size)
    {
        public int End => Offset + Size;
    }

    /// <summary>Which method each runtime function belongs to: its entry point's, else (funclets, cold code) the one before it.</summary>
    private sealed class MethodMap
    {
        private readonly int[] _methodOf;
        private readonly List<int> _keys = [];

        public MethodMap(int functions)
        {
            _methodOf = new int[functions];
            Array.Fill(_methodOf, -1);
        }

        public void Add(int function, int key)
        {
            if ((uint)function < (uint)_methodOf.Length && _methodOf[function] < 0)
            {
                _methodOf[function] = _keys.Count;
                _keys.Add(key);
            }
        }

        public void AddColdPart(int cold, int hot)
        {
            if ((uint)cold < (uint)_methodOf.Length && (uint)hot < (uint)_methodOf.Length && _methodOf[cold] < 0)
            {
                _methodOf[cold] = _methodOf[hot];
            }
        }

        public (int[] MethodOf, int[] Keys) Build()
        {
            for (var i = 1; i < _methodOf.Length; i++)
            {
                if (_methodOf[i] < 0)
                {
                    _methodOf[i] = _methodOf[i - 1];
                }
            }

            return (_methodOf, [.. _keys]);
        }
    }
}
