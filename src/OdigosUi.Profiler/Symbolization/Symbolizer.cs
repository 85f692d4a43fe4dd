namespace OdigosUi.Profiler.Symbolization;

/// <summary>
/// Resolves sampled addresses of any process: kernel addresses through kallsyms, user addresses through the
/// process's mappings to ELF symbols, or to JIT names of its perf map. Not thread-safe.
/// </summary>
public sealed class Symbolizer(ElfCache? elfCache = null, KernelSymbols? kernelSymbols = null)
{
    private static readonly TimeSpan MapsRefreshInterval = TimeSpan.FromMilliseconds(200);
    private const int MaxFramesPerProcess = 200_000;
    private static readonly FrameMapping KernelMapping = new("[kernel.kallsyms]", 0, 0, 0, null);

    private readonly ElfCache _elfCache = elfCache ?? new ElfCache();
    private readonly Dictionary<int, ProcessSymbols> _processes = [];
    private readonly Dictionary<ulong, ResolvedFrame> _kernelFrames = [];
    private KernelSymbols? _kernel = kernelSymbols;

    public int ProcessCount => _processes.Count;

    public KernelSymbols Kernel => _kernel ??= KernelSymbols.Read();

    public ResolvedFrame ResolveKernel(ulong address)
    {
        if (!_kernelFrames.TryGetValue(address, out var frame))
        {
            if (_kernelFrames.Count >= MaxFramesPerProcess)
            {
                _kernelFrames.Clear();
            }

            frame = new ResolvedFrame(FrameKind.Kernel, Kernel.Resolve(address), KernelMapping, address);
            _kernelFrames[address] = frame;
        }

        return frame;
    }

    /// <summary>
    /// Resolves a user address of <paramref name="pid"/>. Return addresses (every frame but the leaf) are looked up
    /// one byte earlier so a call at the very end of a function still names the caller.
    /// </summary>
    public ResolvedFrame ResolveUser(int pid, ulong address, bool isReturnAddress)
    {
        if (!_processes.TryGetValue(pid, out var process))
        {
            process = new ProcessSymbols(pid);
            _processes[pid] = process;
        }

        if (process.Frames.TryGetValue(address, out var cached))
        {
            return cached;
        }

        var frame = Resolve(process, address, isReturnAddress && address > 0 ? address - 1 : address);
        if (process.Frames.Count >= MaxFramesPerProcess)
        {
            process.Frames.Clear();
        }

        process.Frames[address] = frame;
        return frame;
    }

    /// <summary>Drops the state of processes that no longer exist.</summary>
    public void ForgetExitedProcesses()
    {
        foreach (var pid in _processes.Keys.ToArray())
        {
            if (!Directory.Exists($"/proc/{pid}"))
            {
                _processes.Remove(pid);
            }
        }
    }

    private ResolvedFrame Resolve(ProcessSymbols process, ulong address, ulong lookup)
    {
        var mapping = process.FindMapping(lookup, MapsRefreshInterval);
        if (mapping is null)
        {
            return new ResolvedFrame(FrameKind.Native, null, null, address);
        }

        if (mapping.IsFileBacked)
        {
            var elf = process.Elf(mapping, _elfCache);
            var frameMapping = new FrameMapping(mapping.Path, mapping.Start, mapping.End, mapping.Offset, elf?.BuildId);
            var name = elf?.FileOffsetToVirtualAddress(lookup - mapping.Start + mapping.Offset) is { } vaddr
                ? elf.Symbols.Find(vaddr)?.Name
                : null;
            return new ResolvedFrame(FrameKind.Native, name, frameMapping, address);
        }

        var jitName = process.PerfMapSymbol(lookup);
        var pseudo = new FrameMapping(mapping.Path, mapping.Start, mapping.End, mapping.Offset, null);
        return jitName is null
            ? new ResolvedFrame(FrameKind.Native, null, pseudo, address)
            : new ResolvedFrame(FrameKind.Dotnet, jitName, pseudo, address);
    }

    private sealed class ProcessSymbols(int pid)
    {
        private ProcessMaps? _maps;
        private DateTime _mapsReadAt;
        private readonly Dictionary<ulong, ElfFile?> _elfByMapping = [];
        private SymbolTable? _perfMap;
        private long _perfMapLength = -1;

        public Dictionary<ulong, ResolvedFrame> Frames { get; } = [];

        public MemoryMapping? FindMapping(ulong address, TimeSpan refreshInterval)
        {
            if (_maps?.Find(address) is { } found)
            {
                return found;
            }

            if (_maps is not null && DateTime.UtcNow - _mapsReadAt < refreshInterval)
            {
                return null;
            }

            try
            {
                _maps = ProcessMaps.Read(pid);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                _maps ??= new ProcessMaps([]);
            }

            _mapsReadAt = DateTime.UtcNow;
            _elfByMapping.Clear();
            return _maps.Find(address);
        }

        public ElfFile? Elf(MemoryMapping mapping, ElfCache cache)
        {
            if (_elfByMapping.TryGetValue(mapping.Start, out var elf))
            {
                return elf;
            }

            // Through the process's root so files inside containers resolve from the host.
            elf = cache.Get($"/proc/{pid}/root{mapping.Path}", mapping.Inode) ?? cache.Get(mapping.Path, mapping.Inode);
            _elfByMapping[mapping.Start] = elf;
            return elf;
        }

        public string? PerfMapSymbol(ulong address)
        {
            if (_perfMap?.Find(address) is { } symbol && address - symbol.Address < Math.Max(symbol.Size, 1))
            {
                return symbol.Name;
            }

            var path = PerfMapPath();
            if (path is null)
            {
                return null;
            }

            var length = new FileInfo(path).Length;
            if (length == _perfMapLength)
            {
                return null;
            }

            try
            {
                _perfMap = PerfMap.Read(path);
                _perfMapLength = length;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return null;
            }

            return _perfMap.Find(address) is { } found && address - found.Address < Math.Max(found.Size, 1) ? found.Name : null;
        }

        private string? PerfMapPath()
        {
            var inside = $"/proc/{pid}/root/tmp/perf-{NamespacePid()}.map";
            if (File.Exists(inside))
            {
                return inside;
            }

            var host = $"/tmp/perf-{pid}.map";
            return File.Exists(host) ? host : null;
        }

        private int NamespacePid()
        {
            try
            {
                foreach (var line in File.ReadLines($"/proc/{pid}/status"))
                {
                    if (line.StartsWith("NSpid:", StringComparison.Ordinal))
                    {
                        var parts = line.Split('\t', ' ', StringSplitOptions.RemoveEmptyEntries);
                        return int.Parse(parts[^1]);
                    }
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
            {
            }

            return pid;
        }
    }
}
