namespace OdigosUi.Profiler.Symbolization.Demangling;

internal static class RustLegacyDemangler
{
    public static string? Demangle(string symbol) => null;
}
