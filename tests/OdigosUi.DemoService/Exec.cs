using System.Runtime.InteropServices;

namespace OdigosDemo;

/// <summary>Replaces the current process image (same pid), so a profiler sees the program it was asked to watch.</summary>
internal static unsafe partial class Exec
{
    /// <summary>Runs <paramref name="path"/> with <paramref name="arguments"/> (argv[0] first) and the current environment plus <paramref name="extraEnvironment"/>.</summary>
    public static Exception Replace(string path, IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string>? extraEnvironment = null)
    {
        var environment = Environment.GetEnvironmentVariables()
            .Cast<System.Collections.DictionaryEntry>()
            .ToDictionary(e => (string)e.Key, e => (string?)e.Value ?? "", StringComparer.Ordinal);
        foreach (var (key, value) in extraEnvironment ?? new Dictionary<string, string>())
        {
            environment[key] = value;
        }

        var argv = ToCStrings(arguments);
        var envp = ToCStrings(environment.Select(e => $"{e.Key}={e.Value}").ToList());
        var file = Marshal.StringToCoTaskMemUTF8(path);
        Execve((byte*)file, argv, envp);
        return new InvalidOperationException($"execve {path} failed: errno {Marshal.GetLastPInvokeError()}");
    }

    /// <summary>argv[] of this process, from /proc/self/cmdline.</summary>
    public static IReadOnlyList<string> CommandLine() =>
        File.ReadAllText("/proc/self/cmdline").TrimEnd('\0').Split('\0');

    private static byte** ToCStrings(IReadOnlyList<string> values)
    {
        var array = (byte**)NativeMemory.AllocZeroed((nuint)(values.Count + 1), (nuint)sizeof(nint));
        for (var i = 0; i < values.Count; i++)
        {
            array[i] = (byte*)Marshal.StringToCoTaskMemUTF8(values[i]);
        }

        return array;
    }

    [LibraryImport("libc", EntryPoint = "execve", SetLastError = true)]
    private static partial int Execve(byte* path, byte** argv, byte** envp);
}
