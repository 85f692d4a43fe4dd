using System.Globalization;
using OdigosUi.Profiler.Symbolization;
using OdigosUi.Profiler.Unwinding;

namespace OdigosUi.Profiler.Tests;

public sealed class NativeUnwindingTests
{
    public static TheoryData<string> SystemObjects => new() { "/lib/x86_64-linux-gnu/libc.so.6", "/usr/bin/xz", "/lib/x86_64-linux-gnu/libstdc++.so.6" };

    /// <summary>Every row readelf interprets from the object's .eh_frame has the same CFA, saved rbp and return address rules in the compiled table.</summary>
    [Theory]
    [MemberData(nameof(SystemObjects))]
    public void The_compiled_table_has_the_rules_readelf_interprets_at_every_row(string path)
    {
        var elf = ElfFile.Open(path);
        var section = elf.Section(".eh_frame")!;
        var bytes = File.ReadAllBytes(path).AsSpan((int)section.Offset, (int)section.Size);
        var table = CallFrameInfoCompiler.Compile(bytes, section.VirtualAddress, isDebugFrame: false);

        var rows = ReadelfRows(NoFramePointerProgram.Run("readelf", $"--debug-dump=frames-interp {path}", allowFailure: true)).ToList();
        Assert.True(rows.Count > 1000, $"readelf printed only {rows.Count} rows for {path}");
        var mismatches = new List<string>();
        foreach (var (pc, cfa, bp, ra) in rows)
        {
            var row = table.Find(pc);
            var expected = ra == "u" ? "outermost"
                : ra != "c-8" ? "unsupported"
                : cfa.StartsWith("rsp+", StringComparison.Ordinal) ? $"rsp+{cfa[4..]} bp={bp}"
                : cfa.StartsWith("rbp+", StringComparison.Ordinal) ? $"rbp+{cfa[4..]} bp={bp}"
                : "expression";
            var actual = row.Rule switch
            {
                CfaRule.Outermost => "outermost",
                CfaRule.Unsupported => expected == "expression" ? "expression" : "unsupported",
                CfaRule.PltEntry => "expression",
                CfaRule.StackPointer => $"rsp+{row.CfaOffset} bp={(row.BpOffset == 0 ? "u" : $"c{row.BpOffset}")}",
                CfaRule.FramePointer => $"rbp+{row.CfaOffset} bp={(row.BpOffset == 0 ? "u" : $"c{row.BpOffset}")}",
                _ => "none",
            };
            if (actual != expected)
            {
                mismatches.Add($"0x{pc:x}: readelf {expected}, compiled {actual}");
            }
        }

        Assert.True(mismatches.Count == 0, $"{mismatches.Count} of {rows.Count} rows differ:\n{string.Join('\n', mismatches.Take(20))}");
        Assert.True(table.FdeCount > 100);
    }

    [Fact]
    public void Code_outside_every_FDE_has_no_rule_and_a_malformed_section_keeps_the_rows_before_the_damage()
    {
        var path = "/lib/x86_64-linux-gnu/libc.so.6";
        var elf = ElfFile.Open(path);
        var section = elf.Section(".eh_frame")!;
        var bytes = File.ReadAllBytes(path).AsSpan((int)section.Offset, (int)section.Size).ToArray();
        var table = CallFrameInfoCompiler.Compile(bytes, section.VirtualAddress, isDebugFrame: false);
        Assert.Equal(CfaRule.None, table.Find(0).Rule);
        Assert.Equal(CfaRule.None, table.Find(ulong.MaxValue).Rule);

        var damaged = bytes.ToArray();
        damaged.AsSpan(damaged.Length / 2).Fill(0xee);
        var partial = CallFrameInfoCompiler.Compile(damaged, section.VirtualAddress, isDebugFrame: false);
        Assert.InRange(partial.Count, table.Count / 4, table.Count);

        var random = new Random(7);
        for (var i = 0; i < 300; i++)
        {
            var noise = new byte[random.Next(1, 4096)];
            random.NextBytes(noise);
            _ = CallFrameInfoCompiler.Compile(noise, 0x1000, isDebugFrame: i % 2 == 0);
        }
    }

    [Fact]
    public async Task Stacks_of_a_program_built_without_frame_pointers_name_every_caller_up_to_main()
    {
        var (share, stats, frames) = await ProfileAsync(NodeProfilerOptions.DefaultUserStackBytes, LibcEntry);
        Assert.True(share >= 0.9, $"only {share:P0} of the samples in spin hold _start;__libc_start_main;__libc_start_call_main;main;outer;middle;inner;spin\n{frames}");
        Assert.True(stats.Walks > 50, $"{stats.Walks} walks");
        Assert.True(stats.Complete >= stats.Walks * 0.9, $"{stats.Complete} of {stats.Walks} walks complete; stopped early: {string.Join(", ", stats.StoppedEarly)}");
    }

    [Fact]
    public async Task Frame_pointers_alone_lose_the_callers_of_the_same_program()
    {
        var (share, stats, frames) = await ProfileAsync(userStackBytes: 0, []);
        Assert.True(share < 0.2, $"{share:P0} of the samples hold the whole path without CFI unwinding\n{frames}");
        Assert.Equal(0, stats.Walks);
    }

    [Fact]
    public void The_vdso_table_is_compiled_from_the_image_this_process_maps()
    {
        var table = VdsoUnwindTable.Table;
        Assert.True(table.FdeCount >= 2, $"{table.FdeCount} FDEs in the vDSO's .eh_frame");
        var firstCode = table.BasePc;
        Assert.Equal(CfaRule.StackPointer, table.Find(firstCode).Rule);
        Assert.Equal(8, table.Find(firstCode).CfaOffset);
    }

    /// <summary>
    /// A program that spends its time reading the clock: most samples fall in the kernel's vDSO, which has CFI but no
    /// file; its callers (libc's clock_gettime, poll_clock, main) are still found.
    /// </summary>
    [Fact]
    public async Task Samples_in_the_vdso_keep_their_callers()
    {
        var directory = Directory.CreateTempSubdirectory("odigos-vdso-").FullName;
        try
        {
            var source = Path.Combine(directory, "clock.c");
            File.WriteAllText(source, """
                #include <stdio.h>
                #include <time.h>
                volatile long sink;
                __attribute__((noinline)) long poll_clock(void)
                {
                    struct timespec ts;
                    long sum = 0;
                    for (int i = 0; i < 1000; i++) { clock_gettime(CLOCK_MONOTONIC, &ts); sum += ts.tv_nsec; }
                    return sum;
                }
                int main(void)
                {
                    printf("ready\n");
                    fflush(stdout);
                    time_t end = time(NULL) + 30;
                    while (time(NULL) < end) sink += poll_clock();
                    return 0;
                }
                """);
            var program = Path.Combine(directory, "clock");
            NoFramePointerProgram.Run("gcc", $"-O2 -fomit-frame-pointer -o {program} {source}");
            using var target = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo(program) { RedirectStandardOutput = true })!;
            try
            {
                Assert.Equal("ready", await target.StandardOutput.ReadLineAsync());
                using var profiler = new NodeProfiler(new NodeProfilerOptions { SamplesPerSecond = 99, TargetPid = target.Id });
                profiler.Start();
                int total = 0, underCaller = 0, inVdso = 0, vdsoComplete = 0;
                var examples = new List<string>();
                await ProfilerDriver.RunUntilAsync(profiler, TimeSpan.FromSeconds(15), request =>
                {
                    if (ProfilerDriver.Process(request, target.Id) is { } resource)
                    {
                        foreach (var (stack, count) in ProfilerDriver.CountedStacks(request, resource))
                        {
                            var user = stack.Where(f => f.Type != "kernel").ToList();
                            total += count;
                            if (user.Count > 0 && user[0].Name is "?" or "__vdso_clock_gettime")
                            {
                                inVdso += count;
                                var complete = user.Count >= 4 && user[1].Name.Contains("clock_gettime", StringComparison.Ordinal) && user[2].Name == "poll_clock" && user[3].Name == "main";
                                vdsoComplete += complete ? count : 0;
                                if (!complete && examples.Count < 5)
                                {
                                    examples.Add(string.Join(';', user.Select(f => f.Name).Reverse()));
                                }
                            }

                            underCaller += ProfilerDriver.Calls(user, "main", "poll_clock") ? count : 0;
                        }
                    }

                    return total >= 300;
                });

                Assert.True(total >= 100, $"only {total} samples");
                Assert.True(inVdso >= total / 4, $"only {inVdso} of {total} samples in the vDSO");
                Assert.True(underCaller >= total * 0.9, $"{underCaller} of {total} samples hold main;poll_clock ({inVdso} in the vDSO)");
                Assert.True(vdsoComplete >= inVdso * 0.9, $"{vdsoComplete} of {inVdso} samples in the vDSO hold main;poll_clock;clock_gettime;[vdso]:\n{string.Join('\n', examples)}");
            }
            finally
            {
                target.Kill();
            }
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>What calls main: libc's static <c>__libc_start_call_main</c> is named by libc's debug file (libc6-dbg).</summary>
    private static readonly string[] LibcEntry = ["_start", "__libc_start_main", "__libc_start_call_main"];

    private static async Task<(double Share, UnwindStats Stats, string Frames)> ProfileAsync(int userStackBytes, string[] entry)
    {
        using var target = NoFramePointerProgram.Instance.Start(seconds: 30);
        try
        {
            Assert.Equal("ready", await target.StandardOutput.ReadLineAsync());
            using var profiler = new NodeProfiler(new NodeProfilerOptions { SamplesPerSecond = 99, TargetPid = target.Id, UserStackBytes = userStackBytes });
            profiler.Start();
            int inSpin = 0, complete = 0;
            var examples = new List<string>();
            await ProfilerDriver.RunUntilAsync(profiler, TimeSpan.FromSeconds(20), request =>
            {
                if (ProfilerDriver.Process(request, target.Id) is { } resource)
                {
                    foreach (var (stack, count) in ProfilerDriver.CountedStacks(request, resource))
                    {
                        var user = stack.Where(f => f.Type != "kernel").Select(f => f.Name).Reverse().ToList();
                        if (!user.Contains("spin"))
                        {

                            continue;
                        }

                        inSpin += count;
                        var from = user.IndexOf("main");
                        if (from >= 0 && user.Skip(from).Take(NoFramePointerProgram.CallPath.Length).SequenceEqual(NoFramePointerProgram.CallPath)
                            && user.Take(from).Select(f => f.StartsWith("__libc_start_main", StringComparison.Ordinal) ? "__libc_start_main" : f).SequenceEqual(entry))
                        {
                            complete += count;
                        }
                        else if (examples.Count < 5)
                        {
                            examples.Add(string.Join(';', user));
                        }
                    }
                }

                return inSpin >= 150;
            });

            Assert.True(inSpin >= 50, $"only {inSpin} samples in spin");
            return ((double)complete / inSpin, profiler.Stats.Unwinding, string.Join('\n', examples));
        }
        finally
        {
            target.Kill();
        }
    }

    private static IEnumerable<(ulong Pc, string Cfa, string Bp, string Ra)> ReadelfRows(string output)
    {
        string[]? columns = null;
        var inFde = false;
        foreach (var line in output.Split('\n'))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 0 || line.Contains(" CIE", StringComparison.Ordinal) || line.Contains(" FDE ", StringComparison.Ordinal))
            {
                inFde = line.Contains(" FDE ", StringComparison.Ordinal);
                columns = null;
                continue;
            }

            if (parts[0] == "LOC" && inFde)
            {
                columns = parts;
                continue;
            }

            if (columns is null || parts.Length != columns.Length || !ulong.TryParse(parts[0], NumberStyles.HexNumber, null, out var pc))
            {
                continue;
            }

            var bp = Array.IndexOf(columns, "rbp");
            var ra = Array.IndexOf(columns, "ra");
            yield return (pc, parts[1], bp < 0 ? "u" : parts[bp], ra < 0 ? "u" : parts[ra]);
        }
    }
}
