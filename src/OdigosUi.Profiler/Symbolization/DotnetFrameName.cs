using System.Text;

namespace OdigosUi.Profiler.Symbolization;

/// <summary>
/// Shortens a .NET perf map name to what a flame graph should show, so that every tier of a method is one frame:
/// <c>uint64 [odigos-demo] OdigosDemo.Checkout::HashLoop(uint64,int32)[OptimizedTier1]</c> becomes
/// <c>OdigosDemo.Checkout.HashLoop(uint64,int32)</c> (return type, assembly and tier dropped, <c>::</c> as <c>.</c>).
/// Names of another shape (stubs, other runtimes' perf maps) are kept as they are.
/// </summary>
public static class DotnetFrameName
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
        var method = name;
        var module = FindModule(name);
        if (module >= 0)
        {
            method = name[module..];
            if (method.Length > 0 && method[^1] == ']' && method.LastIndexOf((byte)'[') is var tier and > 0 && method[tier - 1] == ')'
                && IsWord(method[(tier + 1)..^1]))
            {
                method = method[..tier];
            }
        }

        var separator = module >= 0 ? method.IndexOf("::"u8) : -1;
        if (separator < 0 || method.IndexOf((byte)'(') < separator)
        {
            name.CopyTo(destination);
            return name.Length;
        }

        method[..separator].CopyTo(destination);
        destination[separator] = (byte)'.';
        method[(separator + 2)..].CopyTo(destination[(separator + 1)..]);
        return method.Length - 1;
    }

    /// <summary>Where the method name starts after "[assembly] " (the bracket at the start or after a space), or -1.</summary>
    private static int FindModule(ReadOnlySpan<byte> name)
    {
        for (var open = name.IndexOf((byte)'['); open >= 0 && open < name.Length;)
        {
            var close = name[open..].IndexOf("] "u8);
            if (close < 0)
            {
                return -1;
            }

            if ((open == 0 || name[open - 1] == ' ') && name.Slice(open + 1, close - 1).IndexOfAny(" []"u8) < 0)
            {
                return open + close + 2;
            }

            var next = name[(open + 1)..].IndexOf((byte)'[');
            open = next < 0 ? -1 : open + 1 + next;
        }

        return -1;
    }

    private static bool IsWord(ReadOnlySpan<byte> text)
    {
        foreach (var c in text)
        {
            if (!char.IsAsciiLetterOrDigit((char)c))
            {
                return false;
            }
        }

        return !text.IsEmpty;
    }
}
