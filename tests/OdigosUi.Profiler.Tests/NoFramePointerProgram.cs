using OdigosUi.TestSupport;
using System.Diagnostics;

namespace OdigosUi.Profiler.Tests;

/// <summary>
/// A C program built as distributions build theirs (gcc -O2 -fomit-frame-pointer, so rbp is a general register and
/// only the CFI says where each frame is): <c>main → outer → middle → inner → spin</c>, every function with a frame of
/// a different size and work after its call (no tail calls). <c>nofp SECONDS</c>. Compiled with gcc at test time.
/// </summary>
internal sealed class NoFramePointerProgram
{
    public static readonly string[] CallPath = ["main", "outer", "middle", "inner", "spin"];

    private const string Source = """
        #include <stdio.h>
        #include <stdlib.h>
        #include <time.h>
        volatile unsigned long sink;
        __attribute__((noinline)) unsigned long spin(unsigned long n)
        {
            unsigned long acc = n;
            for (unsigned long i = 0; i < 3000000UL; i++)
                acc = acc * 6364136223846793005UL + i;
            return acc;
        }
        __attribute__((noinline)) unsigned long inner(unsigned long n)
        {
            volatile unsigned long pad[7];
            pad[n % 7] = n;
            return spin(n + pad[n % 7]) ^ pad[0];
        }
        __attribute__((noinline)) unsigned long middle(unsigned long n)
        {
            volatile unsigned long pad[33];
            pad[n % 33] = n;
            return inner(n * 3) + pad[n % 33] + 1;
        }
        __attribute__((noinline)) unsigned long outer(unsigned long n)
        {
            volatile char pad[600];
            pad[n % 600] = (char)n;
            return middle(n + 5) - pad[n % 600];
        }
        int main(int argc, char **argv)
        {
            time_t end = time(NULL) + (argc > 1 ? atoi(argv[1]) : 10);
            printf("ready\n");
            fflush(stdout);
            for (unsigned long n = 0; time(NULL) < end; n++)
                sink += outer(n);
            return 0;
        }
        """;

    private static readonly Lazy<NoFramePointerProgram> Compiled = new(Compile);

    private NoFramePointerProgram(string path) => Path = path;

    public static NoFramePointerProgram Instance => Compiled.Value;

    public string Path { get; }

    public Process Start(int seconds) =>
        Process.Start(new ProcessStartInfo(Path, seconds.ToString(System.Globalization.CultureInfo.InvariantCulture)) { RedirectStandardOutput = true })
        ?? throw new InvalidOperationException($"{Path} did not start");

    private static NoFramePointerProgram Compile()
    {
        var directory = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "odigos-nofp-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(directory);
        var source = System.IO.Path.Combine(directory, "nofp.c");
        File.WriteAllText(source, Source);
        var path = System.IO.Path.Combine(directory, "nofp");
        Run("gcc", $"-O2 -fomit-frame-pointer -fno-optimize-sibling-calls -o {path} {source}");
        return new NoFramePointerProgram(path);
    }

    public static string Run(string file, string arguments, bool allowFailure = false) =>
        Tool.Run(file, arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries), allowFailure: allowFailure);
}
