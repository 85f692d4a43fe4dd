namespace OdigosUi.Profiler.Symbolization.Demangling;

/// <summary>Readable names for mangled C++ (Itanium ABI) and Rust (legacy and v0) symbols.</summary>
/// <remarks>
/// The output matches binutils 2.40 <c>c++filt</c> with its default options. Like c++filt, legacy Rust names (which
/// are Itanium names with a hash segment) are tried as Rust first.
/// </remarks>
public static class Demangler
{
    /// <summary>The demangled name, or null when <paramref name="symbol"/> is not a mangled name this demangler reads.</summary>
    public static string? Demangle(string symbol)
    {
        if (symbol.Length < 3 || symbol[0] != '_')
        {
            return null;
        }

        return symbol[1] switch
        {
            'R' => RustV0Demangler.Demangle(symbol),
            'Z' => RustLegacyDemangler.Demangle(symbol) ?? ItaniumDemangler.Demangle(symbol),
            'G' => ItaniumDemangler.Demangle(symbol),
            _ => null,
        };
    }
}
