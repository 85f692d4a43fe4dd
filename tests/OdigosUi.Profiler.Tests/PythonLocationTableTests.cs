using System.Text.Json;
using OdigosUi.Profiler.Runtimes.Python;
using OdigosUi.TestSupport;

namespace OdigosUi.Profiler.Tests;

public sealed class PythonLocationTableTests
{
    /// <summary>Prints, for every code object compiled from a few stdlib modules, its line table, first line and the line of each code unit as co_positions() says.</summary>
    private const string DumpScript = """
        import argparse, dis, json, json.decoder, types

        def walk(code):
            yield code
            for const in code.co_consts:
                if isinstance(const, types.CodeType):
                    yield from walk(const)

        for module in (argparse, dis, json.decoder):
            with open(module.__file__) as source:
                top = compile(source.read(), module.__file__, "exec")
            for code in walk(top):
                lines = [p[0] if p[0] is not None else -1 for p in code.co_positions()]
                print(json.dumps({"name": code.co_qualname, "table": code.co_linetable.hex(), "first": code.co_firstlineno, "lines": lines}))
        """;

    [Theory]
    [MemberData(nameof(PythonBuilds.All), MemberType = typeof(PythonBuilds))]
    public void Every_code_unit_of_stdlib_code_gets_the_line_cpython_gives_it(string python)
    {
        using var directory = new TempDirectory("odigos-linetable-");
        var script = Path.Combine(directory.Path, "dump.py");
        File.WriteAllText(script, DumpScript);
        var units = 0;
        var mismatches = new List<string>();
        foreach (var line in Tool.Run(PythonBuilds.Require(python), [script]).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var code = JsonDocument.Parse(line).RootElement;
            var table = Convert.FromHexString(code.GetProperty("table").GetString()!);
            var first = code.GetProperty("first").GetInt32();
            var unit = 0;
            foreach (var expected in code.GetProperty("lines").EnumerateArray().Select(e => e.GetInt32()))
            {
                var actual = LocationTable.Line(table, first, unit) ?? -1;
                if (actual != expected && mismatches.Count < 10)
                {
                    mismatches.Add($"{code.GetProperty("name").GetString()} unit {unit}: {actual}, CPython {expected}");
                }

                unit++;
                units++;
            }
        }

        Assert.True(units > 20_000, $"only {units} code units");
        Assert.True(mismatches.Count == 0, string.Join('\n', mismatches));
    }

    [Fact]
    public void Each_entry_form_moves_the_line_as_the_format_says()
    {
        byte[] table =
        [
            0x80 | (0 << 3) | 1, 0x12, // short form, 2 units: same line
            0x80 | (11 << 3) | 0, 4, 9, // one-line form, 1 unit: line + 1
            0x80 | (13 << 3) | 0, 0x07, // no columns, 1 unit: signed varint 7 = -3
            0x80 | (15 << 3) | 2, // no location, 3 units
            0x80 | (14 << 3) | 0, 0x40 | 12, 0x02, 0x00, 0x05, 0x09, // long form, 1 unit: signed varint 140 = +70 over two 6-bit groups
        ];

        int?[] expected = [10, 10, 11, 8, null, null, null, 78, null];
        Assert.Equal(expected, Enumerable.Range(0, expected.Length).Select(unit => LocationTable.Line(table, 10, unit)));
        Assert.Null(LocationTable.Line(table, 10, -1));
        Assert.Null(LocationTable.Line([0x12, 0x80], 10, 0));
        Assert.Null(LocationTable.Line([], 10, 0));
    }
}
