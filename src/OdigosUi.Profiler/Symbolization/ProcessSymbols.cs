using OdigosUi.Profiler.Symbolization.ReadyToRun;
using OdigosUi.Profiler.Unwinding;

namespace OdigosUi.Profiler.Symbolization;

/// <summary>
/// What the symbolizer keeps for one process: its executable mappings, the ELF file behind each, its JIT perf map
/// and the frames resolved so far. Mappings are read from /proc once, then kept current by the kernel's mmap records
/// (a .NET service maps new JIT code all the time); /proc is read again only for an address outside every known
/// mapping, at most every 5 s (a lost record; mostly, though, such addresses come from broken frame-pointer chains).
/// </summary>
public sealed class ProcessSymbols(int pid)
{
    private const long MapsFallbackRefreshMs = 5000;
    private const long PerfMapRefreshMs = 250;
    private const long PerfMapSearchMs = 5000;

    private readonly Dictionary<ulong, MappedFile> _files = [];
    private readonly HashSet<ulong> _unmapped = [];
    private ProcessMaps? _maps;
    private string? _executable;
    private bool _executableChanged;
    private long _mapsReadAt;
    private PerfMap? _perfMap;
    private long _perfMapCheckedAt = long.MinValue / 2;
    private long _perfMapSearchedAt = long.MinValue / 2;
    private long _perfMapExpectedUntil = long.MinValue / 2;
    private int _perfMapReloadRequested;

    public int Pid { get; } = pid;

    /// <summary>Resolved frames by address (the whole address, not the lookup address of a return address).</summary>
    internal Dictionary<ulong, ResolvedFrame> Frames { get; } = [];

    public int CachedFrames => Frames.Count;

    /// <summary>The perf map once one was found (JIT runtimes write it: .NET with DOTNET_PerfMapEnabled=1).</summary>
    public PerfMap? PerfMap => _perfMap;

    /// <summary>The runtime the process runs, from its mappings (decides the type of its perf map frames).</summary>
    public Runtimes.ProcessRuntime Runtime { get; private set; }

    /// <summary>The executable, as /proc/PID/exe links it (null until the maps were read).</summary>
    public string? Executable => _executable;

    /// <summary>Lookups of code outside every file the perf map did not name (code compiled since the map was written, mostly).</summary>
    public long JitMisses { get; internal set; }

    /// <summary>The executable mappings known so far (none before the first lookup read /proc/PID/maps).</summary>
    internal IReadOnlyList<MemoryMapping> ExecutableMappings => _maps?.Mappings ?? [];

    /// <summary>Times /proc/PID/maps was read.</summary>
    public int MapsReads { get; private set; }

    public void ClearFrames()
    {
        Frames.Clear();
        _unmapped.Clear();
    }

    internal void Cache(ulong address, ResolvedFrame frame)
    {
        Frames[address] = frame;
        if (frame.Mapping is null)
        {
            _unmapped.Add(address);
        }
    }

    /// <summary>
    /// The kernel reported a new executable mapping: it joins the known mappings (replacing those it overlaps), and
    /// frames resolved in its range (before it existed, or in a mapping it replaced) are dropped.
    /// </summary>
    public void MappingAdded(MemoryMapping mapping)
    {
        if (_maps is null)
        {
            return;
        }

        // A new range can only hold frames cached as unmapped; a replaced one also frames of what it replaced.
        var replaces = _maps.Mappings.Any(m => m.Start < mapping.End && mapping.Start < m.End);
        _maps = _maps.With(mapping);
        if (Runtime == Runtimes.ProcessRuntime.Native)
        {
            // The java launcher maps libjvm.so after exec: the maps may have been read before.
            Runtime = Runtimes.RuntimeDetector.Detect([mapping], _executable);
        }

        List<ulong>? stale = null;
        foreach (var address in replaces ? (IEnumerable<ulong>)Frames.Keys : _unmapped)
        {
            if (mapping.Contains(address))
            {
                (stale ??= []).Add(address);
            }
        }

        foreach (var address in stale ?? [])
        {
            Frames.Remove(address);
            _unmapped.Remove(address);
        }

        _files.Remove(mapping.Start);
    }

    internal MemoryMapping? FindMapping(ulong address)
    {
        if (_maps?.Find(address) is { } found)
        {
            return found;
        }

        if (_maps is not null && Environment.TickCount64 - _mapsReadAt < MapsFallbackRefreshMs)
        {
            return null;
        }

        try
        {
            _maps = ProcessMaps.ReadExecutable(Pid);
            MapsReads++;
            DetectExec();
            Runtime = Runtimes.RuntimeDetector.Detect(_maps.Mappings, _executable);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _maps ??= new ProcessMaps([]);
        }

        _mapsReadAt = Environment.TickCount64;
        return _maps.Find(address);
    }

    /// <summary>
    /// True once after the maps showed another executable than before: the process exec'ed and its exec record was
    /// lost (ring buffer overrun). The resolved frames are dropped then; the owner drops what it read about the process.
    /// </summary>
    public bool TakeExecutableChanged()
    {
        var changed = _executableChanged;
        _executableChanged = false;
        return changed;
    }

    private void DetectExec()
    {
        string? executable;
        try
        {
            executable = new FileInfo($"/proc/{Pid}/exe").LinkTarget;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return;
        }

        if (_executable is not null && executable is not null && executable != _executable)
        {
            _executableChanged = true;
            ClearFrames();
            _files.Clear();
            _perfMap = null;
        }

        _executable = executable ?? _executable;
    }

    internal MappedFile File(MemoryMapping mapping, ElfCache cache)
    {
        if (_files.TryGetValue(mapping.Start, out var file) && file.Source == mapping)
        {
            return file;
        }

        // map_files opens exactly the mapped file (also when deleted or inside a container); then the container's root.
        // Every path must open the file with the mapping's device and inode; a container path resolves in the container.
        var elf = cache.GetMapped(mapping.Identity, $"/proc/{Pid}/map_files/{mapping.Start:x}-{mapping.End:x}", $"/proc/{Pid}/root{mapping.Path}", mapping.Path);
        if (elf is { WantsDebugFile: true, DebugFileSearched: false })
        {
            cache.AttachDebugFile(elf, $"/proc/{Pid}/root", mapping.Path);
        }

        if (elf is { IsGo: true } && Runtime == Runtimes.ProcessRuntime.Native && mapping.Path == _executable)
        {
            Runtime = Runtimes.ProcessRuntime.Go;
        }

        file = new MappedFile(mapping, elf, new FrameMapping(mapping.Path, mapping.Start, mapping.End, mapping.Offset, elf?.BuildId));
        _files[mapping.Start] = file;
        return file;
    }

    /// <summary>
    /// The ReadyToRun image behind <paramref name="file"/> (a .NET assembly that is not ELF), looked up once per mapping
    /// through <paramref name="cache"/>; null when the file is not one.
    /// </summary>
    internal ReadyToRunImage? FindReadyToRunImage(MappedFile file, ReadyToRunCache cache)
    {
        if (!file.ReadyToRunSearched)
        {
            var mapping = file.Source;
            file.ReadyToRunImage = cache.GetMapped(mapping.Identity, $"/proc/{Pid}/map_files/{mapping.Start:x}-{mapping.End:x}", $"/proc/{Pid}/root{mapping.Path}");
            file.ReadyToRunSearched = true;
        }

        return file.ReadyToRunImage;
    }

    /// <summary>
    /// Asks for the perf map to be looked for and read from its start at the next lookup: a runtime was just told to
    /// write one, or rewrote it (HotSpot's <c>Compiler.perfmap</c> truncates and writes the whole map). Thread-safe.
    /// </summary>
    public void RequestPerfMapReload() => Volatile.Write(ref _perfMapReloadRequested, 1);

    /// <summary>The perf map name of <paramref name="address"/>; reads what the runtime appended at most every 250 ms.</summary>
    internal string? JitName(ulong address, Processes.WorkloadFiles? files = null)
    {
        if (Interlocked.Exchange(ref _perfMapReloadRequested, 0) == 1)
        {
            _perfMap = null;
            _perfMapSearchedAt = long.MinValue / 2;
            _perfMapExpectedUntil = Environment.TickCount64 + PerfMapSearchMs;
            foreach (var stale in Frames.Where(f => f.Value.FunctionName is null || f.Value.Kind is FrameKind.Dotnet or FrameKind.Jvm or FrameKind.V8js).Select(f => f.Key).ToList())
            {
                Frames.Remove(stale);
            }
        }

        if (_perfMap?.Find(address) is { } name)
        {
            return name;
        }

        var now = Environment.TickCount64;
        if (_perfMap is null)
        {
            // A runtime just told to write its map may not have created it yet: look for it more often for a while.
            if (now - _perfMapSearchedAt < (now < _perfMapExpectedUntil ? PerfMapRefreshMs : PerfMapSearchMs))
            {
                return null;
            }

            _perfMapSearchedAt = now;
            if (PerfMapLocator.Find(Pid, files) is not { } path)
            {
                return null;
            }

            _perfMap = new PerfMap(path, Runtime, files);
        }
        else if (now - _perfMapCheckedAt < PerfMapRefreshMs)
        {
            return null;
        }

        _perfMapCheckedAt = now;
        return _perfMap.Refresh() ? _perfMap.Find(address) : null;
    }

    /// <summary>
    /// The unwind table and link-time address of <paramref name="pc"/>: false outside every executable mapping; an
    /// empty table for code without CFI (anonymous JIT code, files that are not ELF).
    /// </summary>
    internal bool TryFindUnwindTable(ulong pc, ElfCache elfCache, UnwindTableCache tables, out UnwindTable table, out ulong linkTimePc)
    {
        table = UnwindTable.Empty;
        linkTimePc = pc;
        if (FindMapping(pc) is not { } mapping)
        {
            return false;
        }

        if (!mapping.IsFileBacked)
        {
            if (mapping.Path == "[vdso]")
            {
                table = VdsoUnwindTable.Table;
                linkTimePc = VdsoUnwindTable.LinkTimeAddress(pc - mapping.Start);
            }

            return true;
        }

        var file = File(mapping, elfCache);
        if (file.Elf is not { } elf || elf.FileOffsetToVirtualAddress(pc - mapping.Start + mapping.Offset) is not { } vaddr)
        {
            return true;
        }

        file.Unwind ??= tables.Get(elf, mapping.Identity, elf.DebugFile, $"/proc/{Pid}/map_files/{mapping.Start:x}-{mapping.End:x}", $"/proc/{Pid}/root{mapping.Path}", elf.Path);
        table = file.Unwind;
        linkTimePc = vaddr;
        return true;
    }

    internal sealed record MappedFile(MemoryMapping Source, ElfFile? Elf, FrameMapping Mapping)
    {
        public UnwindTable? Unwind { get; set; }

        public ReadyToRunImage? ReadyToRunImage { get; set; }

        public bool ReadyToRunSearched { get; set; }
    }
}
