namespace OdigosUi.Profiler.Symbolization;

public enum FrameKind
{
    Kernel,
    Native,
    Dotnet,

    /// <summary>Code of a Go binary (one with a .gopclntab), as the OTel eBPF profiler types it.</summary>
    Go,
}

/// <summary>The mapping a frame's address fell in; <see cref="Path"/> is the mapped file or a pseudo name such as [vdso].</summary>
public sealed record FrameMapping(string Path, ulong Start, ulong End, ulong FileOffset, string? BuildId);

/// <summary>
/// A symbolized address. <see cref="FunctionName"/> is null when unresolved; the mapping and address are kept. A C++
/// or Rust name is demangled in <see cref="FunctionName"/> and kept as the symbol in <see cref="SystemName"/>.
/// </summary>
public sealed record ResolvedFrame(FrameKind Kind, string? FunctionName, FrameMapping? Mapping, ulong Address)
{
    /// <summary>The mangled symbol when <see cref="FunctionName"/> is its demangled form; otherwise null (the same name).</summary>
    public string? SystemName { get; init; }
}
