using OdigosUi.TestSupport;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using OdigosUi.Profiler.Symbolization;
using Xunit.Abstractions;

namespace OdigosUi.Profiler.Tests;

public sealed class GoPclnTabTests(ITestOutputHelper output)
{
    [Fact]
    public void The_stripped_binary_has_no_symtab_but_a_gopclntab()
    {
        var go = GoTestProgram.Instance;
        var sections = GoTestProgram.Run("readelf", ["-W", "-S", go.Stripped]);

        Assert.DoesNotContain(" .symtab ", sections, StringComparison.Ordinal);
        Assert.Contains(" .gopclntab ", sections, StringComparison.Ordinal);
        Assert.Contains(" .symtab ", GoTestProgram.Run("readelf", ["-W", "-S", go.Full]), StringComparison.Ordinal);
    }

    [Fact]
    public void Resolves_every_function_of_the_unstripped_symtab_to_the_same_name_in_the_stripped_binary()
    {
        var go = GoTestProgram.Instance;
        var table = GoPclnTab.Read(ElfFile.Open(go.Stripped));

        Assert.NotNull(table);
        Assert.Equal(GoPclnTabVersion.Go118, table.Version);
        AssertAgreement(go.TextSymbols(go.Full), table.Symbols, "stripped");
        foreach (var name in GoTestProgram.KnownFunctions)
        {
            Assert.Contains(table.Symbols.Symbols, s => s.Name == name);
        }
    }

    [Fact]
    public void ElfFile_uses_the_pclntab_when_the_binary_is_stripped_and_reads_the_names_from_the_file()
    {
        var go = GoTestProgram.Instance;
        var elf = ElfFile.Open(go.Stripped);
        var nm = go.TextSymbols(go.Full);

        Assert.NotNull(elf.Symbols.NameReader);
        AssertAgreement(nm, elf.Symbols, "ElfFile");
        var spin = nm.Single(s => s.Name == "main.spin");
        Assert.Equal("main.spin", elf.Symbols.FindName(spin.Address + 1));
        Assert.Equal(spin.Address, elf.Symbols.Find(spin.Address + 1)?.Address);

        // Unstripped: .symtab as before.
        Assert.Equal("main.spin", ElfFile.Open(go.Full).Symbols.FindName(spin.Address + 1));
    }

    [Fact]
    public void Resolves_the_functions_of_a_stripped_pie_build()
    {
        var go = GoTestProgram.Instance;
        if (go.StrippedPie is null || go.FullPie is null)
        {
            output.WriteLine($"-buildmode=pie did not build: {go.PieError}");
            return;
        }

        var elf = ElfFile.Open(go.StrippedPie);
        Assert.Contains(" DYN ", GoTestProgram.Run("readelf", ["-h", go.StrippedPie]), StringComparison.Ordinal);
        Assert.NotNull(GoPclnTab.FindSection(elf.Sections));
        var table = GoPclnTab.Read(elf);

        Assert.NotNull(table);
        var nm = go.TextSymbols(go.FullPie);
        AssertAgreement(nm, table.Symbols, "pie");
        AssertAgreement(nm, elf.Symbols, "pie ElfFile");
    }

    [Fact]
    public void FileLine_agrees_with_go_tool_addr2line()
    {
        var go = GoTestProgram.Instance;
        var table = GoPclnTab.Read(ElfFile.Open(go.Stripped));
        Assert.NotNull(table);

        // Every 7th function's entry, middle and last byte, and all of main's functions.
        var functions = go.TextSymbols(go.Full).Where(s => s.Size > 0).ToList();
        var pcs = functions.Where((s, i) => i % 7 == 0 || s.Name.StartsWith("main.", StringComparison.Ordinal))
            .SelectMany(s => new[] { s.Address, s.Address + s.Size / 2, s.Address + s.Size - 1 })
            .ToList();
        var expected = go.Addr2Line(go.Full, pcs);

        int agree = 0, compared = 0;
        for (var i = 0; i < pcs.Count; i++)
        {
            if (expected[i] is not { } want)
            {
                continue;
            }

            compared++;
            var got = table.FileLine(pcs[i]);
            if (got == want)
            {
                agree++;
            }
            else if (compared - agree <= 20)
            {
                output.WriteLine($"0x{pcs[i]:x}: addr2line {want.File}:{want.Line}, pclntab {got?.File}:{got?.Line}");
            }
        }

        output.WriteLine($"file:line agreement {agree}/{compared} of {pcs.Count} pcs");
        Assert.True(compared > 500, $"addr2line answered for only {compared} pcs");
        Assert.True(agree >= compared * 0.99, $"file:line agreement {agree}/{compared}");
        var spin = functions.Single(s => s.Name == "main.spin");
        var line = table.FileLine(spin.Address);
        Assert.NotNull(line);
        Assert.EndsWith("/main.go", line.Value.File, StringComparison.Ordinal);
        Assert.Equal(GoTestProgram.SpinLine, line.Value.Line);
        Assert.Null(table.FileLine(0));
    }

    [Fact]
    public async Task Profiles_a_stripped_go_program_with_the_names_of_its_pclntab()
    {
        var go = GoTestProgram.Instance;
        using var child = Process.Start(new ProcessStartInfo(go.Stripped, "12") { RedirectStandardOutput = true })
            ?? throw new InvalidOperationException("the Go test program did not start");
        try
        {
            // It prints f(1000) first, then spins in main.spin, called by the closure main.main.func1, until its time is up.
            Assert.NotNull(await child.StandardOutput.ReadLineAsync());
            using var profiler = new NodeProfiler(new NodeProfilerOptions { SamplesPerSecond = 99, ReportInterval = TimeSpan.FromSeconds(1) });
            profiler.Start();
            var stacks = new List<IReadOnlyList<(string Name, string Type)>>();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await profiler.RunAsync(
                (request, _) =>
                {
                    if (ProfilerDriver.Process(request, child.Id) is { } resource)
                    {
                        stacks.AddRange(ProfilerDriver.Stacks(request, resource));
                        if (stacks.Count(s => s[0].Name == "main.spin") >= 20)
                        {
                            timeout.Cancel();
                        }
                    }

                    return ValueTask.CompletedTask;
                },
                timeout.Token);

            var spin = stacks.Count(s => s[0].Name == "main.spin");
            output.WriteLine($"{stacks.Count} stacks, {spin} with main.spin as the leaf; e.g. {string.Join(";", stacks.FirstOrDefault(s => s[0].Name == "main.spin")?.Reverse().Select(f => f.Name) ?? [])}");
            Assert.True(spin >= 5, $"only {spin} of {stacks.Count} stacks end in main.spin; stats {profiler.Stats}");
            // main.spin has no frame of its own: the pcsp walk keeps the closure that calls it, which frame pointers skip.
            Assert.Contains(stacks, s => ProfilerDriver.Calls(s, "main.main.func1", "main.spin") && ProfilerDriver.Calls(s, "main.main", "main.main.func1") && ProfilerDriver.Calls(s, "runtime.main", "main.main"));
            Assert.All(stacks.Where(s => s[0].Name == "main.spin"), s => Assert.Equal("go", s[0].Type));
        }
        finally
        {
            if (!child.HasExited)
            {
                child.Kill();
            }
        }
    }

    /// <summary>
    /// Only Go 1.19 is installed, so the other layouts are made from its table: 1.20+ differs only in the magic and in
    /// a field after the ones read; 1.16-1.17 has no text start and pointer-sized entries in the func table and _func.
    /// </summary>
    [Fact]
    public void Reads_the_go_1_16_and_1_20_layouts_the_same_as_the_1_18_one()
    {
        var section = GoTestProgram.Instance.StrippedSection();
        var original = Parse(section);
        Assert.NotNull(original);
        var pcs = original.Symbols.Symbols.Where((_, i) => i % 5 == 0).SelectMany(s => new[] { s.Address, s.Address + s.Size / 2 }).ToList();

        var go120 = (byte[])section.Clone();
        BinaryPrimitives.WriteUInt32LittleEndian(go120, 0xfffffff1);
        var go116 = ToGo116(section);

        foreach (var (version, bytes) in new[] { (GoPclnTabVersion.Go120, go120), (GoPclnTabVersion.Go116, go116) })
        {
            var table = Parse(bytes);
            Assert.NotNull(table);
            Assert.Equal(version, table.Version);
            Assert.Equal(original.Symbols.Symbols, table.Symbols.Symbols);
            Assert.Equal(pcs.Select(original.FileLine), pcs.Select(table.FileLine));
        }
    }

    /// <summary>The 1.18 table rewritten in the 1.16 layout: the same name, cu, file and pc tables, a new func table and _func records at the end.</summary>
    private static byte[] ToGo116(byte[] go118)
    {
        var d = go118.AsSpan();
        var nfunc = (int)BinaryPrimitives.ReadUInt64LittleEndian(d[8..]);
        var textStart = BinaryPrimitives.ReadUInt64LittleEndian(d[24..]);
        var funcTab = (int)BinaryPrimitives.ReadUInt64LittleEndian(d[(32 + 4 * 8)..]);
        const int Record = 48;
        var pairs = (nfunc + 1) * 16;
        var result = new byte[funcTab + pairs + nfunc * Record];
        d[..funcTab].CopyTo(result);
        var r = result.AsSpan();
        BinaryPrimitives.WriteUInt32LittleEndian(r, 0xfffffffa);

        // nfunc, nfiles, then the five offsets (the func table's unchanged: the new one starts where the old one did).
        for (var field = 0; field < 7; field++)
        {
            var value = BinaryPrimitives.ReadUInt64LittleEndian(d[(8 + (field < 2 ? field : field + 1) * 8)..]);
            BinaryPrimitives.WriteUInt64LittleEndian(r[(8 + field * 8)..], value);
        }

        for (var i = 0; i <= nfunc; i++)
        {
            var entry = textStart + BinaryPrimitives.ReadUInt32LittleEndian(d[(funcTab + i * 8)..]);
            var funcOffset = BinaryPrimitives.ReadUInt32LittleEndian(d[(funcTab + i * 8 + 4)..]);
            BinaryPrimitives.WriteUInt64LittleEndian(r[(funcTab + i * 16)..], entry);
            if (i == nfunc)
            {
                break;
            }

            var record = pairs + i * Record;
            BinaryPrimitives.WriteUInt64LittleEndian(r[(funcTab + i * 16 + 8)..], (ulong)record);
            BinaryPrimitives.WriteUInt64LittleEndian(r[(funcTab + record)..], entry);

            // nameoff, args, deferreturn, pcsp, pcfile, pcln, npcdata, cuOffset, then funcID, pad and nfuncdata.
            d.Slice(funcTab + (int)funcOffset + 4, 36).CopyTo(r[(funcTab + record + 8)..]);
        }

        return result;
    }

    [Fact]
    public void Truncated_sections_give_null_or_fewer_functions_and_never_throw()
    {
        var section = GoTestProgram.Instance.StrippedSection();
        var whole = Parse(section);
        Assert.NotNull(whole);

        foreach (var length in new[] { 0, 1, 7, 8, 63, 64, 71, 72, 73, 100, 4096, section.Length / 2, section.Length - 4096, section.Length - 1 })
        {
            var table = Parse(section[..length]);
            Assert.True(table is null || table.Symbols.Count <= whole.Symbols.Count, $"truncated to {length}");
            table?.FileLine(table.Symbols.Symbols[^1].Address);
        }
    }

    [Fact]
    public void A_huge_function_count_is_clamped_to_the_func_table_that_fits()
    {
        var section = GoTestProgram.Instance.StrippedSection();
        var nfunc = BinaryPrimitives.ReadUInt64LittleEndian(section.AsSpan(8));

        foreach (var huge in new[] { ulong.MaxValue, (ulong)int.MaxValue + 1, (ulong)int.MaxValue, nfunc * 1000 })
        {
            var copy = (byte[])section.Clone();
            BinaryPrimitives.WriteUInt64LittleEndian(copy.AsSpan(8), huge);
            var stopwatch = Stopwatch.StartNew();
            var table = Parse(copy);
            Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(10));

            // Beyond the real table the "pairs" are _func records and tables: few of them pass as functions.
            Assert.NotNull(table);
            Assert.InRange(table.Symbols.Count, (int)nfunc - 1, (int)nfunc + (section.Length / 8 / 10));
        }
    }

    [Fact]
    public void Offsets_out_of_the_section_give_null()
    {
        var section = GoTestProgram.Instance.StrippedSection();

        // Go 1.18+: nfunc, nfiles, textStart, then five offsets.
        for (var field = 3; field < 8; field++)
        {
            foreach (var bad in new[] { (ulong)section.Length, (ulong)section.Length + 1, uint.MaxValue, ulong.MaxValue, 1UL << 63 })
            {
                var copy = (byte[])section.Clone();
                BinaryPrimitives.WriteUInt64LittleEndian(copy.AsSpan(8 + field * 8), bad);
                Assert.Null(Parse(copy));
            }
        }

        foreach (var magic in new[] { 0u, 0xfffffffbu, 0xfffffff2u })
        {
            var copy = (byte[])section.Clone();
            BinaryPrimitives.WriteUInt32LittleEndian(copy, magic);
            Assert.Null(Parse(copy));
        }
    }

    [Fact]
    public void Random_bytes_and_corrupted_tables_never_throw_and_take_bounded_time()
    {
        var section = GoTestProgram.Instance.StrippedSection();
        var random = new Random(1234);
        var stopwatch = Stopwatch.StartNew();

        // Random bytes after a valid header start, with small offsets so the parser gets past the header.
        foreach (var magic in new[] { 0xfffffffau, 0xfffffff0u, 0xfffffff1u })
        {
            for (var round = 0; round < 2000; round++)
            {
                var bytes = new byte[random.Next(8, 8192)];
                random.NextBytes(bytes);
                BinaryPrimitives.WriteUInt32LittleEndian(bytes, magic);
                bytes[4] = bytes[5] = 0;
                bytes[6] = 1;
                bytes[7] = 8;
                for (var field = 0; field < 8 && 16 + field * 8 <= bytes.Length; field++)
                {
                    BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(8 + field * 8), (ulong)random.Next(0, bytes.Length + 16));
                }

                Exercise(Parse(bytes), random);
            }
        }

        // The real table with bytes overwritten here and there.
        for (var round = 0; round < 600; round++)
        {
            var copy = (byte[])section.Clone();
            for (var k = 0; k < 64; k++)
            {
                copy[random.Next(round % 2 == 0 ? 80 : copy.Length)] = (byte)random.Next(256);
            }

            Exercise(Parse(copy), random);
        }

        output.WriteLine($"fuzzing took {stopwatch.ElapsedMilliseconds} ms");
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(60));
    }

    [Fact]
    public void ElfFile_opens_a_stripped_go_binary_with_a_corrupted_pclntab()
    {
        var go = GoTestProgram.Instance;
        var header = GoPclnTab.FindSection(ElfFile.Open(go.Stripped).Sections)!;
        var copy = Path.Combine(go.Directory, $"corrupt-{Guid.NewGuid():N}");
        var bytes = File.ReadAllBytes(go.Stripped);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan((int)header.Offset + 8), ulong.MaxValue);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan((int)header.Offset + 8 + 3 * 8), 0xfffffff0);
        File.WriteAllBytes(copy, bytes);

        var elf = ElfFile.Open(copy);

        Assert.Equal(0, elf.Symbols.Count);
        Assert.Null(GoPclnTab.Read(elf));
    }

    private static GoPclnTab? Parse(byte[] section) => GoPclnTab.ParseUnguarded(section, 0x401000);

    private static void Exercise(GoPclnTab? table, Random random)
    {
        if (table is null)
        {
            return;
        }

        var symbols = table.Symbols.Symbols;
        for (var i = 0; i < 20; i++)
        {
            var pc = symbols.Count > 0 && i % 2 == 0 ? symbols[random.Next(symbols.Count)].Address + (ulong)random.Next(64) : (ulong)random.NextInt64();
            table.FileLineUnguarded(pc);
        }
    }

    /// <summary>
    /// Every function symbol of the symtab (T or t with a size: <c>runtime.text</c> and the like mark addresses) must
    /// resolve to its name as the Go runtime spells it, which is how the pclntab has it: without the linker's ABI
    /// suffix of assembly functions (<c>runtime.gogo.abi0</c> is <c>runtime.gogo</c>) and with what is between brackets
    /// shortened to <c>[...]</c> (<c>type..eq.[5]internal/cpu.option</c>, the type arguments of generic functions).
    /// </summary>
    private void AssertAgreement(IReadOnlyList<Symbol> symtab, SymbolTable table, string what)
    {
        var nm = symtab.Where(s => s.Size > 0).ToList();
        int agree = 0, exact = 0;
        var mismatches = new List<string>();
        foreach (var symbol in nm)
        {
            var found = table.FindName(symbol.Address);
            exact += found == symbol.Name ? 1 : 0;
            if (found == GoTestProgram.RuntimeName(symbol.Name))
            {
                agree++;
            }
            else
            {
                mismatches.Add($"0x{symbol.Address:x} {symbol.Name}: pclntab says {found ?? "(nothing)"}");
            }
        }

        output.WriteLine($"{what}: {agree}/{nm.Count} function symbols of the symtab resolve to their runtime name ({exact} to the symtab's very name; "
            + $"{table.Count} pclntab functions, {symtab.Count - nm.Count} sizeless text symbols left out)");
        foreach (var mismatch in mismatches.Take(30))
        {
            output.WriteLine("  " + mismatch);
        }

        Assert.True(nm.Count > 500, $"nm listed only {nm.Count} text symbols");
        Assert.True(agree >= nm.Count * 0.99, $"{what}: only {agree}/{nm.Count} agree");
    }
}

/// <summary>
/// A small Go program built at test time with the machine's Go toolchain (Debian's golang-go), four ways: normally,
/// stripped (<c>-ldflags='-s -w'</c>, no .symtab, as Go container images are built), and both as PIEs. Offline:
/// GOCACHE and GOPATH in a temp directory, GOFLAGS=-mod=mod, GOTOOLCHAIN=local, GOPROXY=off.
/// </summary>
internal sealed class GoTestProgram
{
    public static readonly string[] KnownFunctions = ["main.spin", "main.(*T).Method", "main.main.func1", "main.main", "runtime.goexit", "runtime.main"];

    /// <summary>The line of <c>func spin</c> in <see cref="Source"/>.</summary>
    public const int SpinLine = 16;

    private const string Source = """
        package main

        import (
        	"fmt"
        	"os"
        	"strconv"
        	"time"
        )

        type T struct{ n int }

        //go:noinline
        func (t *T) Method(x int) int { return t.n*x + 1 }

        //go:noinline
        func spin(n int) int {
        	s := 0
        	for i := 0; i < n; i++ {
        		s += i ^ (s >> 3)
        	}
        	return s
        }

        func main() {
        	t := &T{n: len(os.Args)}
        	f := func(y int) int { return spin(y) + t.Method(y) }
        	fmt.Println(f(1000))
        	if len(os.Args) > 1 {
        		seconds, _ := strconv.Atoi(os.Args[1])
        		deadline := time.Now().Add(time.Duration(seconds) * time.Second)
        		sink := 0
        		for time.Now().Before(deadline) {
        			sink += f(1000000)
        		}
        		fmt.Println(sink)
        	}
        }
        """;

    private static readonly Lazy<GoTestProgram> Built = new(Build);

    private readonly Dictionary<string, IReadOnlyList<Symbol>> _nm = [];

    private GoTestProgram(string directory, string goTool, Dictionary<string, string> environment)
    {
        Directory = directory;
        GoTool = goTool;
        Environment = environment;
        Full = System.IO.Path.Combine(directory, "full");
        Stripped = System.IO.Path.Combine(directory, "stripped");
    }

    public static GoTestProgram Instance => Built.Value;

    public string Directory { get; }

    public string GoTool { get; }

    public Dictionary<string, string> Environment { get; }

    public string Full { get; }

    public string Stripped { get; }

    public string? FullPie { get; private set; }

    public string? StrippedPie { get; private set; }

    public string? PieError { get; private set; }

    /// <summary>A symtab name as the Go runtime (and so the pclntab) spells it: no ABI suffix, brackets' contents as <c>...</c>.</summary>
    public static string RuntimeName(string symbol)
    {
        foreach (var suffix in new[] { ".abi0", ".abiinternal" })
        {
            if (symbol.EndsWith(suffix, StringComparison.Ordinal))
            {
                symbol = symbol[..^suffix.Length];
            }
        }

        var name = new System.Text.StringBuilder();
        var depth = 0;
        foreach (var c in symbol)
        {
            if (c == '[' && depth++ == 0)
            {
                name.Append("[...");
            }
            else if (c == ']' && depth > 0 && --depth == 0)
            {
                name.Append(']');
            }
            else if (depth == 0)
            {
                name.Append(c);
            }
        }

        return name.ToString();
    }

    /// <summary>The bytes of the stripped binary's .gopclntab.</summary>
    public byte[] StrippedSection()
    {
        var section = GoPclnTab.FindSection(ElfFile.Open(Stripped).Sections) ?? throw new InvalidOperationException("no .gopclntab");
        var bytes = File.ReadAllBytes(Stripped);
        return bytes.AsSpan((int)section.Offset, (int)section.Size).ToArray();
    }

    /// <summary>The T and t symbols of <c>go tool nm -size</c>, sizes included.</summary>
    public IReadOnlyList<Symbol> TextSymbols(string binary)
    {
        lock (_nm)
        {
            if (!_nm.TryGetValue(binary, out var symbols))
            {
                var list = new List<Symbol>();
                foreach (var line in Run(GoTool, ["tool", "nm", "-size", "-sort", "address", binary], Environment).Split('\n'))
                {
                    // "  480fc0         32 T main.(*T).Method"
                    var fields = line.Split(' ', 4, StringSplitOptions.RemoveEmptyEntries);
                    if (fields.Length == 4 && fields[2] is "T" or "t")
                    {
                        list.Add(new Symbol(ulong.Parse(fields[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture), ulong.Parse(fields[1], CultureInfo.InvariantCulture), fields[3].Trim()));
                    }
                }

                _nm[binary] = symbols = list;
            }

            return symbols;
        }
    }

    /// <summary><c>go tool addr2line</c>'s file and line for each pc (null where it answers "?").</summary>
    public IReadOnlyList<(string File, int Line)?> Addr2Line(string binary, IReadOnlyList<ulong> pcs)
    {
        var input = string.Concat(pcs.Select(pc => $"0x{pc:x}\n"));
        var lines = Run(GoTool, ["tool", "addr2line", binary], Environment, input).Split('\n');
        var answers = new List<(string File, int Line)?>();
        for (var i = 0; i < pcs.Count; i++)
        {
            // Two lines per pc: the function, then FILE:LINE.
            var location = 2 * i + 1 < lines.Length ? lines[2 * i + 1] : "?";
            var colon = location.LastIndexOf(':');
            answers.Add(colon > 0 && int.TryParse(location[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var line) && line > 0
                ? (location[..colon], line)
                : null);
        }

        return answers;
    }

    private static GoTestProgram Build()
    {
        var goTool = FindGo() ?? throw new InvalidOperationException(
            "the Go toolchain is not installed (no go on PATH or in /usr/lib/go/bin): install Debian's golang-go (apt-get install -y golang-go) to run the pclntab tests");
        var directory = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "odigos-gopclntab-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(directory);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => DeleteQuietly(directory);
        var source = System.IO.Path.Combine(directory, "src");
        System.IO.Directory.CreateDirectory(source);
        File.WriteAllText(System.IO.Path.Combine(source, "main.go"), Source.Replace("\r\n", "\n", StringComparison.Ordinal) + "\n");
        File.WriteAllText(System.IO.Path.Combine(source, "go.mod"), "module example.com/spin\n\ngo 1.16\n");
        var environment = new Dictionary<string, string>
        {
            ["GOCACHE"] = System.IO.Path.Combine(directory, "gocache"),
            ["GOPATH"] = System.IO.Path.Combine(directory, "gopath"),
            ["GOFLAGS"] = "-mod=mod",
            ["GOTOOLCHAIN"] = "local",
            ["GOPROXY"] = "off",
            ["GOTELEMETRY"] = "off",
            ["HOME"] = directory,
        };

        var program = new GoTestProgram(directory, goTool, environment);
        Run(goTool, ["build", "-o", program.Full, "."], environment, workingDirectory: source);
        Run(goTool, ["build", "-ldflags=-s -w", "-o", program.Stripped, "."], environment, workingDirectory: source);
        try
        {
            var fullPie = System.IO.Path.Combine(directory, "full-pie");
            var strippedPie = System.IO.Path.Combine(directory, "stripped-pie");
            Run(goTool, ["build", "-buildmode=pie", "-o", fullPie, "."], environment, workingDirectory: source);
            Run(goTool, ["build", "-buildmode=pie", "-ldflags=-s -w", "-o", strippedPie, "."], environment, workingDirectory: source);
            (program.FullPie, program.StrippedPie) = (fullPie, strippedPie);
        }
        catch (InvalidOperationException e)
        {
            program.PieError = e.Message;
        }

        return program;
    }

    private static string? FindGo()
    {
        foreach (var directory in (System.Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries).Append("/usr/lib/go/bin"))
        {
            var candidate = System.IO.Path.Combine(directory, "go");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    public static string Run(string tool, string[] arguments, IReadOnlyDictionary<string, string>? environment = null, string? input = null, string? workingDirectory = null) =>
        Tool.Run(tool, arguments, workingDirectory, environment, input);

    private static void DeleteQuietly(string directory)
    {
        try
        {
            System.IO.Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
            // The Go module cache is read-only.
        }
    }
}
