namespace OdigosUi.Profiler.Symbolization;

public enum FrameKind
{
    Kernel,
    Native,
    Dotnet,

    /// <summary>Code of a Go binary (one with a .gopclntab), as the OTel eBPF profiler types it.</summary>
    Go,

    /// <summary>Code the HotSpot JVM compiled or interprets.</summary>
    Jvm,

    /// <summary>A Python function the CPython interpreter runs (read from its frame chain).</summary>
    CPython,

    /// <summary>JavaScript code V8 compiled or interprets (Node.js).</summary>
    V8js,
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

    /// <summary>The source file of the function, where the runtime says it (Python).</summary>
    public string? FileName { get; init; }

    /// <summary>The source line running in the function; 0 when unknown.</summary>
    public long Line { get; init; }

    /// <summary>The line the function starts on; 0 when unknown.</summary>
    public long FunctionStartLine { get; init; }
}
