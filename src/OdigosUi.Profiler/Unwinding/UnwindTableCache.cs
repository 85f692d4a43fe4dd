using OdigosUi.Profiler.Symbolization;

namespace OdigosUi.Profiler.Unwinding;

/// <summary>
/// Compiled unwind tables keyed by the object's GNU build id (else the file's device and inode), so libc mapped by
/// every process of the node, in every container image, is compiled once; least recently used evicted beyond
/// <see cref="MaxBytes"/>. The CFI is read with positioned reads of its section only. Not thread-safe.
/// </summary>
public sealed class UnwindTableCache(long maxBytes = UnwindTableCache.DefaultMaxBytes, Processes.WorkloadFiles? files = null)
{
    private readonly Processes.WorkloadFiles _files = files ?? Processes.WorkloadFiles.Shared;

    public const long DefaultMaxBytes = 64L << 20;

    /// <summary>Call frame sections larger than this are not read (the largest binaries have a few tens of MiB).</summary>
    public const long MaxSectionBytes = 128L << 20;

    private readonly Dictionary<string, LinkedListNode<(string Key, UnwindTable Table)>> _entries = new(StringComparer.Ordinal);
    private readonly LinkedList<(string Key, UnwindTable Table)> _order = [];

    public long MaxBytes { get; } = maxBytes;

    public long Bytes { get; private set; }

    public int Count => _entries.Count;

    /// <summary>Tables compiled so far (cache misses).</summary>
    public long Compiles { get; private set; }

    /// <summary>
    /// The table of <paramref name="elf"/>, compiled from its <c>.eh_frame</c> (read from the first of
    /// <paramref name="paths"/> that opens), else from the <c>.debug_frame</c> of the object or of <paramref name="debugFile"/>.
    /// </summary>
    public UnwindTable Get(ElfFile elf, FileIdentity identity, ElfFile? debugFile, params ReadOnlySpan<string> paths)
    {
        var key = elf.BuildId ?? $"{identity.Device}:{identity.Inode}";
        if (_entries.TryGetValue(key, out var node))
        {
            _order.Remove(node);
            _order.AddFirst(node);
            return node.Value.Table;
        }

        Compiles++;
        var table = Compile(elf, paths);
        if (table.Count == 0 && debugFile?.Section(".debug_frame") is { HasBytes: true })
        {
            table = Compile(debugFile, [debugFile.Path]);
        }

        _entries[key] = _order.AddFirst((key, table));
        Bytes += table.EstimatedBytes;
        while (Bytes > MaxBytes && _order.Last is { } last && last != _order.First)
        {
            _order.Remove(last);
            _entries.Remove(last.Value.Key);
            Bytes -= last.Value.Table.EstimatedBytes;
        }

        return table;
    }

    private UnwindTable Compile(ElfFile elf, ReadOnlySpan<string> paths)
    {
        var rows = new List<(ulong Pc, UnwindRow Row)>();
        var sources = new List<string>();
        var entries = 0;
        var section = elf.Section(".eh_frame") is { HasBytes: true } ehFrame ? ehFrame : elf.Section(".debug_frame");
        if (section is { HasBytes: true, Size: <= MaxSectionBytes })
        {
            foreach (var path in paths)
            {
                if (ElfFile.ReadSection(path, section, _files) is { } bytes)
                {
                    entries += CallFrameInfoCompiler.AddRows(bytes, section.VirtualAddress, section.Name == ".debug_frame", rows);
                    sources.Add(section.Name);
                    break;
                }
            }
        }

        // Go functions have no CFI in .eh_frame (cgo binaries have some for their C code only): their pcsp tables say it.
        if (elf.IsGo && GoPclnTab.Read(elf, _files) is { } pclntab)
        {
            entries += pclntab.AddUnwindRows(rows);
            sources.Add(".gopclntab");
        }

        return rows.Count == 0 ? UnwindTable.Empty : CallFrameInfoCompiler.Build(rows, entries, string.Join('+', sources));
    }
}
