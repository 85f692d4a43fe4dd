using System.Globalization;
using OdigosUi.Profiler.Runtimes.Python;
using OdigosUi.Profiler.Symbolization;
using OdigosUi.TestSupport;

namespace OdigosUi.Profiler.Tests;

public sealed class PythonInterpreterTests
{
    private const string Libpython313 = "/root/.pyenv/versions/3.13.0/lib/libpython3.13.so.1.0";

    [Fact]
    public void Data_symbols_of_a_stripped_python_executable_are_found_in_its_dynsym_where_readelf_lists_them()
    {
        var python = PythonBuilds.Require(PythonBuilds.Debian311);
        var symbols = ElfFile.FindDataSymbols(python, ["_PyRuntime", "PyCode_Type", "Py_Version", "_PyEval_EvalFrameDefault", "no_such_symbol"]);

        Assert.Equal(["PyCode_Type", "Py_Version", "_PyRuntime"], symbols.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, address) in symbols)
        {
            Assert.Equal(ReadelfAddress(python, name), address);
        }
    }

    [Fact]
    public void The_debug_offsets_a_313_build_publishes_are_the_offsets_of_the_313_table()
    {
        var elf = ElfFile.Open(PythonBuilds.Require(Libpython313));
        var runtime = ElfFile.FindDataSymbols(Libpython313, ["_PyRuntime"])["_PyRuntime"];
        var segment = elf.LoadSegments.Single(s => runtime >= s.VirtualAddress && runtime < s.VirtualAddress + s.FileSize);
        var debugOffsets = File.ReadAllBytes(Libpython313).AsSpan((int)(runtime - segment.VirtualAddress + segment.Offset), PythonOffsets.DebugOffsetsBytes).ToArray();

        Assert.Equal(PythonOffsets.ForMinor(13), PythonOffsets.FromDebugOffsets(debugOffsets));

        var freeThreaded = debugOffsets.ToArray();
        freeThreaded[16] = 1;
        var python314 = debugOffsets.ToArray();
        python314[8 + 2] = 14;
        Assert.Null(PythonOffsets.FromDebugOffsets(freeThreaded));
        Assert.Null(PythonOffsets.FromDebugOffsets(python314));
        Assert.Null(PythonOffsets.FromDebugOffsets(debugOffsets.AsSpan(1)));
    }

    [Theory]
    [MemberData(nameof(PythonBuilds.All), MemberType = typeof(PythonBuilds))]
    public async Task The_interpreter_of_a_running_process_is_the_file_that_exports_PyRuntime_at_the_version_it_reports(string python)
    {
        using var script = new PythonProcess(python, "version.py", """
            import platform, time
            print(platform.python_version(), flush=True)
            time.sleep(60)
            """);
        var version = await script.ReadyAsync();
        var symbols = new ProcessSymbols(script.Pid);
        _ = symbols.FindMapping(0);
        Assert.Equal(Runtimes.ProcessRuntime.CPython, symbols.Runtime);

        var interpreter = PythonInterpreter.Find(symbols, new ElfCache(), new ProcessMemory(script.Pid), out var reason, out _);

        Assert.True(interpreter is not null, reason);
        Assert.Equal(version, interpreter.Version.ToString());
        var minor = interpreter.Version.Minor;
        Assert.Equal(python == PythonBuilds.Debian311 ? "python3.11" : $"libpython3.{minor}.so.1.0", Path.GetFileName(interpreter.Mapping.Path));
        Assert.Equal(minor == 13, interpreter.OffsetsFromDebugOffsets);
        Assert.Equal(PythonOffsets.ForMinor(minor), interpreter.Offsets);
    }

    private static ulong ReadelfAddress(string path, string name)
    {
        var line = Tool.Run("readelf", ["-W", "--dyn-syms", path]).Split('\n').First(l => l.EndsWith($" {name}", StringComparison.Ordinal));
        return ulong.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
    }
}
