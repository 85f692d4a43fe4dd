using System.Diagnostics;

namespace OdigosUi.TestSupport;

/// <summary>
/// The C demo program (<c>tests/OdigosUi.DemoService/Native/hot.c</c>) compiled once per test run: <c>main</c> calls
/// <c>hot_loop</c> (about two thirds of the time) and <c>warm_loop</c> until its time is up (<c>hot SECONDS</c>) or for
/// a fixed number of rounds (<c>hot -n ROUNDS</c>, then it prints the wall time).
/// </summary>
public sealed class NativeTestProgram
{
    public const string KnownBuildId = "0123456789abcdef0123456789abcdef01234567";

    private static readonly Lazy<NativeTestProgram> Compiled = new(Compile);

    private NativeTestProgram(string directory, string withDefaultBuildId, string withKnownBuildId)
    {
        Directory = directory;
        Path = withDefaultBuildId;
        PathWithKnownBuildId = withKnownBuildId;
    }

    public string Directory { get; }

    /// <summary>Linked with the default (sha1) build id.</summary>
    public string Path { get; }

    /// <summary>Linked with <see cref="KnownBuildId"/>.</summary>
    public string PathWithKnownBuildId { get; }

    public static NativeTestProgram Instance => Compiled.Value;

    private static NativeTestProgram Compile()
    {
        var directory = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "odigos-profiler-tests-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(directory);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => DeleteQuietly(directory);
        var program = System.IO.Path.Combine(directory, "hot");
        var known = System.IO.Path.Combine(directory, "hot-known-id");
        OdigosDemo.NativeDemo.Compile(program);
        OdigosDemo.NativeDemo.Compile(known, KnownBuildId);
        return new NativeTestProgram(directory, program, known);
    }

    private static void DeleteQuietly(string directory)
    {
        try
        {
            System.IO.Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>
    /// A copy of the program under a name of its own (<paramref name="prefix"/> and 6 hex digits), so its workload
    /// (<c>local/Process/NAME</c>) holds no other test's process.
    /// </summary>
    public string UniqueCopy(string prefix)
    {
        var copy = System.IO.Path.Combine(Directory, $"{prefix}-{Guid.NewGuid().ToString("N")[..6]}");
        File.Copy(Path, copy);
        return copy;
    }

    /// <summary>The address of a defined text symbol according to <c>nm</c>.</summary>
    public static ulong NmAddress(string path, string symbol)
    {
        using var nm = Process.Start(new ProcessStartInfo("nm", path) { RedirectStandardOutput = true })
            ?? throw new InvalidOperationException("nm did not start");
        var output = nm.StandardOutput.ReadToEnd();
        nm.WaitForExit();
        foreach (var line in output.Split('\n'))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 3 && parts[2] == symbol && parts[1] is "T" or "t")
            {
                return Convert.ToUInt64(parts[0], 16);
            }
        }

        throw new InvalidOperationException($"nm does not list {symbol} in {path}");
    }
}
