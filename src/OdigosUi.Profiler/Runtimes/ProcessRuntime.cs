using System.Text.RegularExpressions;
using OdigosUi.Profiler.Symbolization;

namespace OdigosUi.Profiler.Runtimes;

/// <summary>The language runtime a process runs, which decides how its managed or interpreted frames are named.</summary>
[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<ProcessRuntime>))]
public enum ProcessRuntime
{
    /// <summary>Native code only (C, C++, Rust...): ELF symbols and CFI.</summary>
    Native,

    /// <summary>A Go binary (it has a .gopclntab).</summary>
    Go,

    /// <summary>The .NET runtime (libcoreclr.so is mapped).</summary>
    Dotnet,

    /// <summary>The HotSpot JVM (libjvm.so is mapped).</summary>
    Jvm,

    /// <summary>The CPython interpreter (a libpython3.x or a python3.x executable).</summary>
    CPython,

    /// <summary>Node.js (V8 linked into the node executable).</summary>
    Node,
}

/// <summary>Tells a process's runtime from its executable mappings, as the OTel eBPF profiler's interpreter loaders do.</summary>
public static partial class RuntimeDetector
{
    [GeneratedRegex(@"/(lib)?python3\.(\d+)[a-z]*(\.so[.\d]*)?$")]
    private static partial Regex PythonFile();

    public static ProcessRuntime Detect(IReadOnlyList<MemoryMapping> mappings, string? executablePath)
    {
        foreach (var mapping in mappings)
        {
            var path = mapping.Path;
            if (path.EndsWith("/libcoreclr.so", StringComparison.Ordinal))
            {
                return ProcessRuntime.Dotnet;
            }

            if (path.EndsWith("/libjvm.so", StringComparison.Ordinal))
            {
                return ProcessRuntime.Jvm;
            }
        }

        foreach (var mapping in mappings)
        {
            if (mapping.IsExecutable && PythonFile().IsMatch(mapping.Path))
            {
                return ProcessRuntime.CPython;
            }
        }

        var executable = executablePath is null ? null : Path.GetFileName(executablePath);
        if (executable is "node" or "nodejs")
        {
            return ProcessRuntime.Node;
        }

        return ProcessRuntime.Native;
    }

    /// <summary>The minor version of Python 3 a mapping's file name says (11 for libpython3.11.so.1.0), or null.</summary>
    public static int? PythonMinorVersion(string path) =>
        PythonFile().Match(path) is { Success: true } match ? int.Parse(match.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture) : null;

    /// <summary>The frame kind of names a process's perf map gives.</summary>
    public static FrameKind JitFrameKind(ProcessRuntime runtime) => runtime switch
    {
        ProcessRuntime.Dotnet => FrameKind.Dotnet,
        ProcessRuntime.Jvm => FrameKind.Jvm,
        ProcessRuntime.Node => FrameKind.V8js,
        _ => FrameKind.Native,
    };
}
