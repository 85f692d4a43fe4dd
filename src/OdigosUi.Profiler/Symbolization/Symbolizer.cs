using OdigosUi.Profiler.Runtimes;
using OdigosUi.Profiler.Symbolization.ReadyToRun;

namespace OdigosUi.Profiler.Symbolization;

/// <summary>
/// Resolves sampled addresses: kernel addresses through kallsyms, user addresses of a process through its mappings
/// to ELF symbols, to the methods of .NET ReadyToRun images, or to JIT names of its perf map. The per-process state is
/// a <see cref="ProcessSymbols"/>; the parsed files are shared through the <see cref="ElfCache"/> and the
/// <see cref="ReadyToRunCache"/>. Not thread-safe.
/// </summary>
public sealed class Symbolizer(ElfCache? elfCache = null, KernelSymbols? kernelSymbols = null, ReadyToRunCache? readyToRunCache = null)
{
    private const int MaxKernelFrames = 20_000;
    private static readonly FrameMapping KernelMapping = new("[kernel.kallsyms]", 0, 0, 0, null);

    private readonly Dictionary<ulong, ResolvedFrame> _kernelFrames = [];
    private KernelSymbols? _kernel = kernelSymbols;

    public ElfCache ElfCache { get; } = elfCache ?? new ElfCache();

    public ReadyToRunCache ReadyToRunCache { get; } = readyToRunCache ?? new ReadyToRunCache();

    public KernelSymbols Kernel => _kernel ??= KernelSymbols.Read();

    public ResolvedFrame ResolveKernel(ulong address)
    {
        if (!_kernelFrames.TryGetValue(address, out var frame))
        {
            if (_kernelFrames.Count >= MaxKernelFrames)
            {
                _kernelFrames.Clear();
            }

            frame = new ResolvedFrame(FrameKind.Kernel, Kernel.Resolve(address), KernelMapping, address);
            _kernelFrames[address] = frame;
        }

        return frame;
    }

    /// <summary>
    /// Resolves a user address of <paramref name="process"/>. Return addresses (every frame but the leaf) are looked
    /// up one byte earlier so a call at the very end of a function still names the caller.
    /// </summary>
    public ResolvedFrame ResolveUser(ProcessSymbols process, ulong address, bool isReturnAddress)
    {
        if (process.Frames.TryGetValue(address, out var cached))
        {
            return cached;
        }

        var frame = Resolve(process, address, isReturnAddress && address > 0 ? address - 1 : address, out var final);
        if (final)
        {
            process.Cache(address, frame);
        }

        return frame;
    }

    // Not final: an address a perf map that is still growing may name later. An address outside every mapping
    // (a broken frame-pointer chain, mostly) is final: a new mapping there drops it (ProcessSymbols.MappingAdded).
    private ResolvedFrame Resolve(ProcessSymbols process, ulong address, ulong lookup, out bool final)
    {
        var mapping = process.FindMapping(lookup);
        if (mapping is null)
        {
            final = true;
            return new ResolvedFrame(FrameKind.Native, null, null, address);
        }

        if (mapping.IsFileBacked)
        {
            var file = process.File(mapping, ElfCache);
            var fileOffset = lookup - mapping.Start + mapping.Offset;
            var name = file.Elf?.FileOffsetToVirtualAddress(fileOffset) is { } vaddr
                ? file.Elf.BestSymbols.FindName(vaddr)
                : null;
            if (name is not null || file.Elf is not null)
            {
                final = true;
                var kind = file.Elf?.IsGo == true ? FrameKind.Go : FrameKind.Native;
                return Demangling.Demangler.Demangle(name ?? "") is { } demangled
                    ? new ResolvedFrame(kind, demangled, file.Mapping, address) { SystemName = name }
                    : new ResolvedFrame(kind, name, file.Mapping, address);
            }

            // Not ELF: a .NET assembly, whose precompiled (ReadyToRun) code its image names; its JIT code is in the perf map.
            if (process.Runtime == ProcessRuntime.Dotnet && process.FindReadyToRunImage(file, ReadyToRunCache) is { } image
                && image.FileOffsetToRva(fileOffset) is { } rva && image.FindName(rva) is { } method)
            {
                final = true;
                return new ResolvedFrame(FrameKind.Dotnet, method, file.Mapping, address);
            }

            return Jit(process, address, lookup, file.Mapping, ElfCache.Files, out final);
        }

        return Jit(process, address, lookup, new FrameMapping(mapping.Path, mapping.Start, mapping.End, mapping.Offset, null), ElfCache.Files, out final);
    }

    private static ResolvedFrame Jit(ProcessSymbols process, ulong address, ulong lookup, FrameMapping mapping, Processes.WorkloadFiles files, out bool final)
    {
        var name = process.JitName(lookup, files);
        final = name is not null || process.PerfMap is null;
        if (name is null)
        {
            process.JitMisses++;
        }

        if (name is not null && process.Runtime == Runtimes.ProcessRuntime.Node)
        {
            var v8 = Runtimes.Node.V8FrameName.Parse(name);
            return new ResolvedFrame(FrameKind.V8js, v8.Function, mapping, address) { FileName = v8.FileName, FunctionStartLine = v8.Line };
        }

        return new ResolvedFrame(name is not null ? Runtimes.RuntimeDetector.JitFrameKind(process.Runtime) : FrameKind.Native, name, mapping, address);
    }
}
