using System.Diagnostics;

namespace OdigosUi.TestSupport;

/// <summary>A small C program compiled once per test run: <c>main</c> calls <c>hot_loop</c> until its time is up.</summary>
public sealed class NativeTestProgram
{
    public const string KnownBuildId = "0123456789abcdef0123456789abcdef01234567";

    private const string Source = """
        #include <stdio.h>
        #include <stdlib.h>
        #include <time.h>

        volatile unsigned long sink;

        __attribute__((noinline)) void hot_loop(void)
        {
            for (unsigned long i = 0; i < 20000000UL; i++)
                sink += i * 7;
        }

        int main(int argc, char **argv)
        {
            int seconds = argc > 1 ? atoi(argv[1]) : 5;
            time_t end = time(NULL) + seconds;
            printf("ready\n");
            fflush(stdout);
            while (time(NULL) < end)
                hot_loop();
            return 0;
        }
        """;

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
        var source = System.IO.Path.Combine(directory, "hot.c");
        File.WriteAllText(source, Source);
        var program = System.IO.Path.Combine(directory, "hot");
        var known = System.IO.Path.Combine(directory, "hot-known-id");
        Gcc($"-O0 -fno-omit-frame-pointer -g -Wl,--build-id -o {program} {source}");
        Gcc($"-O0 -fno-omit-frame-pointer -g -Wl,--build-id=0x{KnownBuildId} -o {known} {source}");
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

    private static void Gcc(string arguments)
    {
        Process gcc;
        try
        {
            gcc = Process.Start(new ProcessStartInfo("gcc", arguments) { RedirectStandardError = true, RedirectStandardOutput = true })
                ?? throw new InvalidOperationException("gcc did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"these tests need gcc on PATH to compile their native test program (apt-get install gcc): {e.Message}", e);
        }

        using (gcc)
        {
            var stderr = gcc.StandardError.ReadToEnd();
            gcc.StandardOutput.ReadToEnd();
            gcc.WaitForExit();
            if (gcc.ExitCode != 0)
            {
                throw new InvalidOperationException($"gcc {arguments} failed with exit code {gcc.ExitCode}: {stderr}");
            }
        }
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
