using System.Text;

namespace OdigosUi.Profiler.Symbolization;

/// <summary>
/// Shortens a HotSpot perf map name (<c>Compiler.perfmap</c>, <c>-XX:+DumpPerfMapAtExit</c>) to the class and method,
/// as the OTel eBPF profiler names Java frames, so every compilation of a method (C1, C2, OSR) is one frame:
/// <c>long Hot.spinJava(long)</c> becomes <c>Hot.spinJava</c>. Code blobs that are not methods (<c>Interpreter</c>,
/// <c>StubRoutines (1)</c>, <c>I2C/C2I adapters</c>) are kept as they are.
/// </summary>
public static class HotSpotFrameName
{
    public static string Normalize(string name)
    {
        var bytes = Encoding.UTF8.GetBytes(name);
        var destination = new byte[bytes.Length];
        return Encoding.UTF8.GetString(destination, 0, Normalize(bytes, destination));
    }

    /// <summary>Writes the shortened name to <paramref name="destination"/> (at least as long as the name) and returns its length.</summary>
    public static int Normalize(ReadOnlySpan<byte> name, Span<byte> destination)
    {
        // "<return type> <class>.<method>(<parameters>)": neither the types nor the names hold a parenthesis.
        var open = name.IndexOf((byte)'(');
        var method = open > 0 && name[^1] == ')' ? name[..open] : default;
        var space = method.LastIndexOf((byte)' ');
        method = space > 0 ? method[(space + 1)..] : default;
        var dot = method.IndexOf((byte)'.');
        if (dot <= 0 || dot == method.Length - 1)
        {
            name.CopyTo(destination);
            return name.Length;
        }

        method.CopyTo(destination);
        return method.Length;
    }
}
