namespace OdigosUi.Profiler.Symbolization.Demangling;

internal static class RustV0Demangler
{
    public static string? Demangle(string symbol) => null;
}
