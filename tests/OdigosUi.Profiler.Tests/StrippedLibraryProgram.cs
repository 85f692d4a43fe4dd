using OdigosUi.TestSupport;
using System.Diagnostics;
using System.Globalization;

namespace OdigosUi.Profiler.Tests;

/// <summary>
/// A program that dlopens a stripped shared library, <c>libspin.so</c>, and spends its time in the library's static
/// function <c>spin</c>, which no symbol table of the stripped file names (its exported caller <c>spin_for</c> stays
/// in <c>.dynsym</c>). <c>spin-main LIBRARY SECONDS PAD_PAGES DELAY_MS</c> spins in main for DELAY_MS, then maps PAD_PAGES anonymous
/// pages before it loads the library, so two processes load it at different addresses even without ASLR. Compiled with gcc at test time.
/// </summary>
internal sealed class StrippedLibraryProgram
{
    public const string HotFunction = "spin";

    private const string LibrarySource = """
        #include <time.h>
        volatile unsigned long spin_sink;
        static __attribute__((noinline)) void spin(void)
        {
            for (unsigned long i = 0; i < 20000000UL; i++)
                spin_sink += i * 7;
        }
        void spin_for(int seconds)
        {
            time_t end = time(NULL) + seconds;
            while (time(NULL) < end)
                spin();
        }
        """;

    private const string MainSource = """
        #include <dlfcn.h>
        #include <stdio.h>
        #include <stdlib.h>
        #include <sys/mman.h>
        #include <time.h>
        static double now_ms(void)
        {
            struct timespec ts;
            clock_gettime(CLOCK_MONOTONIC, &ts);
            return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
        }
        int main(int argc, char **argv)
        {
            double load_at = now_ms() + atol(argv[4]);
            while (now_ms() < load_at)
                ;
            long pad = atol(argv[3]);
            if (pad > 0 && mmap(NULL, pad * 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED)
                return 3;
            void *library = dlopen(argv[1], RTLD_NOW);
            if (library == NULL) { fprintf(stderr, "%s\n", dlerror()); return 2; }
            void (*spin_for)(int) = (void (*)(int))dlsym(library, "spin_for");
            printf("ready\n");
            fflush(stdout);
            spin_for(atoi(argv[2]));
            return 0;
        }
        """;

    private static readonly Lazy<StrippedLibraryProgram> Compiled = new(Compile);

    private StrippedLibraryProgram(string main, string library, string unstrippedLibrary)
    {
        MainPath = main;
        LibraryPath = library;
        UnstrippedLibraryPath = unstrippedLibrary;
    }

    public static StrippedLibraryProgram Instance => Compiled.Value;

    public string MainPath { get; }

    /// <summary>The stripped library the program loads.</summary>
    public string LibraryPath { get; }

    /// <summary>The same library before <c>strip</c>: the oracle for where <see cref="HotFunction"/> is.</summary>
    public string UnstrippedLibraryPath { get; }

    public Process Start(int seconds, int padPages, int loadDelayMs = 0)
    {
        var start = new ProcessStartInfo(MainPath) { RedirectStandardOutput = true };
        start.ArgumentList.Add(LibraryPath);
        start.ArgumentList.Add(seconds.ToString(CultureInfo.InvariantCulture));
        start.ArgumentList.Add(padPages.ToString(CultureInfo.InvariantCulture));
        start.ArgumentList.Add(loadDelayMs.ToString(CultureInfo.InvariantCulture));
        return Process.Start(start) ?? throw new InvalidOperationException($"{MainPath} did not start");
    }

    /// <summary>
    /// [start, end) of <paramref name="function"/> as offsets in the library file: its value and size from
    /// <c>readelf -s</c> on the unstripped copy, turned into a file offset through the LOAD segment that holds it.
    /// </summary>
    public (ulong Start, ulong End) FunctionFileRange(string function)
    {
        (ulong Value, ulong Size)? symbol = null;
        foreach (var line in Run("readelf", "-sW", UnstrippedLibraryPath).Split('\n'))
        {
            // "   10: 0000000000001109    74 FUNC    LOCAL  DEFAULT   12 spin"
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length == 8 && fields[3] == "FUNC" && fields[7] == function)
            {
                symbol = (Hex(fields[1]), ulong.Parse(fields[2], CultureInfo.InvariantCulture));
            }
        }

        var (value, size) = symbol ?? throw new InvalidOperationException($"readelf -s does not list {function} in {UnstrippedLibraryPath}");
        foreach (var line in Run("readelf", "-lW", UnstrippedLibraryPath).Split('\n'))
        {
            // "  LOAD           0x001000 0x0000000000001000 0x0000000000001000 0x000199 0x000199 R E 0x1000"
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length >= 6 && fields[0] == "LOAD")
            {
                var (offset, vaddr, fileSize) = (Hex(fields[1]), Hex(fields[2]), Hex(fields[4]));
                if (value >= vaddr && value < vaddr + fileSize)
                {
                    return (value - vaddr + offset, value - vaddr + offset + size);
                }
            }
        }

        throw new InvalidOperationException($"no LOAD segment of {UnstrippedLibraryPath} holds {function} at 0x{value:x}");
    }

    private static ulong Hex(string text) =>
        ulong.Parse(text.StartsWith("0x", StringComparison.Ordinal) ? text[2..] : text, NumberStyles.HexNumber, CultureInfo.InvariantCulture);

    private static StrippedLibraryProgram Compile()
    {
        var directory = Path.Combine(Path.GetTempPath(), "odigos-stripped-library-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Directory.Delete(directory, recursive: true);
        var librarySource = Path.Combine(directory, "libspin.c");
        var mainSource = Path.Combine(directory, "spin-main.c");
        File.WriteAllText(librarySource, LibrarySource);
        File.WriteAllText(mainSource, MainSource);

        var unstripped = Path.Combine(directory, "libspin-unstripped.so");
        var library = Path.Combine(directory, "libspin.so");
        var main = Path.Combine(directory, "spin-main");
        Run("gcc", "-O0", "-fno-omit-frame-pointer", "-g", "-shared", "-fPIC", "-o", unstripped, librarySource);
        Run("strip", "-o", library, unstripped);
        Run("gcc", "-O0", "-fno-omit-frame-pointer", "-o", main, mainSource, "-ldl");
        return new StrippedLibraryProgram(main, library, unstripped);
    }

    private static string Run(string tool, params string[] arguments) => Tool.Run(tool, arguments);
}
