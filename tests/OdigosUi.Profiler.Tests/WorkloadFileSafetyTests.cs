using System.Diagnostics;
using OdigosUi.Profiler.Processes;
using OdigosUi.Profiler.Symbolization;
using OdigosUi.Profiler.Symbolization.ReadyToRun;
using OdigosUi.TestSupport;

namespace OdigosUi.Profiler.Tests;

/// <summary>
/// The profiler runs as root and opens files its workloads control (issue 15): a FIFO at a perf map path, an absolute
/// link planted in a process's root, a mapped file truncated or replaced under the reader, files over the size limits.
/// Each attack is made by a real process (as root: chroot and perf_event_open).
/// </summary>
public sealed class WorkloadFileSafetyTests
{
    private const string JitAddress = "10000000";

    [Fact]
    public async Task A_fifo_at_the_perf_map_path_is_skipped_and_profiling_of_other_processes_goes_on()
    {
        using var dir = new TempDirectory("odigos-fifo-");
        using var jit = StartReady(SpinnerProgram.Compile(dir.Path, staticLink: false));
        using var hot = Process.Start(new ProcessStartInfo(NativeTestProgram.Instance.Path, "120") { RedirectStandardOutput = true })!;
        hot.StandardOutput.ReadLine();
        var fifo = $"/tmp/perf-{jit.Id}.map";
        Run("mkfifo", fifo);
        Task<bool>? run = null;
        try
        {
            using var profiler = new NodeProfiler(new NodeProfilerOptions { SamplesPerSecond = 99, RuntimeNaming = Runtimes.RuntimeNamingMode.Off });
            profiler.Start();
            bool sawJit = false, sawHot = false;
            // The drain runs off the test's thread: opening the FIFO for reading would block it until a writer comes.
            run = Task.Run(() => ProfilerDriver.RunUntilAsync(profiler, TimeSpan.FromSeconds(60), request =>
            {
                sawJit |= ProfilerDriver.Process(request, jit.Id) is { } j && ProfilerDriver.Leaves(request, j).Any();
                sawHot |= ProfilerDriver.Process(request, hot.Id) is { } h && ProfilerDriver.Leaves(request, h).Any(l => l.Name is "hot_loop" or "warm_loop");
                return sawJit && sawHot && profiler.Stats.Files.Skipped.ContainsKey(nameof(WorkloadFileRefusal.NotRegularFile));
            }));
            var finished = await Task.WhenAny(run, Task.Delay(TimeSpan.FromSeconds(120)));
            Assert.True(finished == run, "the drain is blocked (the FIFO at the perf map path was opened for reading)");
            Assert.True(await run, $"samples of the spinner: {sawJit}, named samples of hot: {sawHot}, files skipped: {string.Join(", ", profiler.Stats.Files.Skipped)}");
            var skipped = profiler.Stats.Files.Recent.Where(r => r.Reason == nameof(WorkloadFileRefusal.NotRegularFile)).ToList();
            Assert.Contains(skipped, r => r.Path.EndsWith($"/tmp/perf-{jit.Id}.map", StringComparison.Ordinal) && r.Detail.Contains("not a regular file", StringComparison.Ordinal));
        }
        finally
        {
            if (run is { IsCompleted: false })
            {
                // Let a blocked reader go (a writer opens the FIFO), so the test host is not left with a stuck thread.
                await Task.WhenAny(Task.Run(() => File.WriteAllText(fifo, "")), Task.Delay(TimeSpan.FromSeconds(5)));
            }

            File.Delete(fifo);
            Kill(hot);
        }
    }

    [Fact]
    public async Task An_absolute_link_planted_in_a_processs_root_resolves_inside_that_root_never_on_the_host()
    {
        using var root = new TempDirectory("odigos-root-");
        using var host = new TempDirectory("odigos-host-");
        var target = Path.Combine(host.Path, "jit.map");
        File.WriteAllText(target, $"{JitAddress} 1000 host_file_was_read\n");
        Directory.CreateDirectory(root.Path + host.Path);
        File.WriteAllText(root.Path + target, $"{JitAddress} 1000 inside_the_root\n");
        Directory.CreateDirectory(Path.Combine(root.Path, "tmp"));
        SpinnerProgram.Compile(root.Path, staticLink: true);
        using var spinner = StartReady("chroot", root.Path, "/spin");
        File.CreateSymbolicLink(Path.Combine(root.Path, "tmp", $"perf-{spinner.Id}.map"), target);
        File.CreateSymbolicLink(Path.Combine(root.Path, "tmp", "up.map"), $"../../../../../..{target}");

        // The file each resolution opens, by openat2 and by the walk used where openat2 is missing.
        foreach (var files in new[] { new WorkloadFiles(), new WorkloadFiles(null, resolveByHand: true) })
        {
            foreach (var link in new[] { $"perf-{spinner.Id}.map", "up.map" })
            {
                using var opened = files.Open($"/proc/{spinner.Id}/root/tmp/{link}", WorkloadFileKind.PerfMap);
                Assert.NotNull(opened);
                var buffer = new byte[64];
                var read = RandomAccess.Read(opened.Handle, buffer, 0);
                Assert.StartsWith($"{JitAddress} 1000 inside_the_root", System.Text.Encoding.UTF8.GetString(buffer, 0, read));
            }
        }

        using var profiler = new NodeProfiler(new NodeProfilerOptions { SamplesPerSecond = 99, TargetPid = spinner.Id, RuntimeNaming = Runtimes.RuntimeNamingMode.Off });
        profiler.Start();
        var names = new HashSet<string>();
        var found = await ProfilerDriver.RunUntilAsync(profiler, TimeSpan.FromSeconds(60), request =>
        {
            if (ProfilerDriver.Process(request, spinner.Id) is { } resource)
            {
                names.UnionWith(ProfilerDriver.Leaves(request, resource).Select(l => l.Name));
            }

            return names.Contains("inside_the_root");
        });
        Assert.True(found, $"leaves of the chroot's spinner: {string.Join(", ", names)}");
        Assert.DoesNotContain("host_file_was_read", names);
    }

    [Fact]
    public async Task A_mapped_elf_truncated_while_it_is_read_fails_cleanly_and_never_faults()
    {
        using var dir = new TempDirectory("odigos-truncate-");
        var victim = Path.Combine(dir.Path, "victim");
        var content = File.ReadAllBytes(SpinnerProgram.Compile(dir.Path, staticLink: true));
        File.WriteAllBytes(victim, content);
        using var mapper = MapExecutable(victim);
        var mapping = ProcessMaps.Read(mapper.Id).Mappings.First(m => m.Path == victim);
        using var stop = new CancellationTokenSource();
        var truncator = Task.Run(() =>
        {
            // Truncate to nothing and write it back, again and again, while the profiler parses the file.
            while (!stop.IsCancellationRequested)
            {
                using (var stream = new FileStream(victim, FileMode.Open, FileAccess.Write, FileShare.ReadWrite))
                {
                    stream.SetLength(0);
                }

                Thread.Yield();
                using (var stream = new FileStream(victim, FileMode.Open, FileAccess.Write, FileShare.ReadWrite))
                {
                    stream.Write(content);
                }
            }
        });

        var files = new WorkloadFiles();
        int parsed = 0, failed = 0;
        try
        {
            for (var i = 0; i < 300; i++)
            {
                var elf = new ElfCache(files: files).GetMapped(mapping.Identity, $"/proc/{mapper.Id}/map_files/{mapping.Start:x}-{mapping.End:x}", $"/proc/{mapper.Id}/root{victim}");
                if (elf is { SymbolSource: SymbolSource.Symtab })
                {
                    parsed++;
                }
                else
                {
                    failed++;
                }
            }
        }
        finally
        {
            await stop.CancelAsync();
            await truncator;
        }

        // Every attempt ended (a parsed file or a clean null): the process is alive, nothing faulted.
        Assert.Equal(300, parsed + failed);
        File.WriteAllBytes(victim, content);
        var whole = new ElfCache(files: files).GetMapped(mapping.Identity, $"/proc/{mapper.Id}/map_files/{mapping.Start:x}-{mapping.End:x}");
        Assert.NotNull(whole?.Symbols.FindName(NativeTestProgram.NmAddress(victim, "spin_forever")));
    }

    [Fact]
    public void A_file_put_in_place_of_a_mapped_file_is_not_read()
    {
        using var dir = new TempDirectory("odigos-replace-");
        var mapped = Path.Combine(dir.Path, "library");
        File.Copy(SpinnerProgram.Compile(dir.Path, staticLink: true), mapped);
        using var mapper = MapExecutable(mapped);
        var mapping = ProcessMaps.Read(mapper.Id).Mappings.First(m => m.Path == mapped);
        File.Move(mapped, mapped + ".old");
        File.Copy(NativeTestProgram.Instance.Path, mapped);

        var files = new WorkloadFiles();
        Assert.Null(new ElfCache(files: files).GetMapped(mapping.Identity, $"/proc/{mapper.Id}/root{mapped}", mapped));
        Assert.Equal(2, files.Stats.Skipped[nameof(WorkloadFileRefusal.NotTheMappedFile)]);
        Assert.NotNull(new ElfCache(files: files).GetMapped(mapping.Identity, $"/proc/{mapper.Id}/map_files/{mapping.Start:x}-{mapping.End:x}"));
    }

    [Fact]
    public void Files_over_their_size_limit_are_skipped_with_the_reason()
    {
        using var dir = new TempDirectory("odigos-limits-");
        var program = SpinnerProgram.Compile(dir.Path, staticLink: true);
        using var mapper = MapExecutable(program);
        var mapping = ProcessMaps.Read(mapper.Id).Mappings.First(m => m.Path == program);
        var mapFile = $"/proc/{mapper.Id}/map_files/{mapping.Start:x}-{mapping.End:x}";

        // A static binary's .symtab and .strtab (about 80 KB) over a 32 KiB limit; the defaults read it.
        var small = new WorkloadFiles(new WorkloadFileLimits { MaxElfBytes = 32 << 10, MaxPerfMapBytes = 1 << 20, MaxReadyToRunBytes = 1 << 20 });
        Assert.Null(new ElfCache(files: small).GetMapped(mapping.Identity, mapFile));
        Assert.Contains(small.Stats.Recent, r => r.Path == mapFile && r.Reason == nameof(WorkloadFileRefusal.TooLarge));
        Assert.Equal(SymbolSource.Symtab, new ElfCache(files: new WorkloadFiles()).GetMapped(mapping.Identity, mapFile)?.SymbolSource);

        // System.Private.CoreLib.dll (about 15 MB) mapped by this process, over a 1 MiB ReadyToRun limit; the default reads it.
        var coreLib = ProcessMaps.Read(Environment.ProcessId).Mappings.First(m => m.Path.EndsWith("/System.Private.CoreLib.dll", StringComparison.Ordinal));
        var coreLibPath = $"/proc/{Environment.ProcessId}/root{coreLib.Path}";
        Assert.Null(new ReadyToRunCache(files: small).GetMapped(coreLib.Identity, coreLibPath));
        Assert.Contains(small.Stats.Recent, r => r.Path == coreLibPath && r.Reason == nameof(WorkloadFileRefusal.TooLarge));
        Assert.NotNull(new ReadyToRunCache(files: new WorkloadFiles()).GetMapped(coreLib.Identity, coreLibPath));

        // A perf map over its limit: the lines within it are read, the rest skipped and counted once.
        var perfMap = Path.Combine(dir.Path, "perf-1.map");
        File.WriteAllLines(perfMap, Enumerable.Range(0, 60_000).Select(i => $"{0x10000000 + i * 0x100:x} 100 jitted_method_number_{i}"));
        Assert.True(new FileInfo(perfMap).Length > 2 << 20);
        var map = new PerfMap(perfMap, files: small);
        Assert.True(map.Refresh());
        Assert.False(map.Refresh());
        Assert.InRange(map.BytesRead, 1, 1 << 20);
        Assert.Equal("jitted_method_number_0", map.Find(0x10000000));
        Assert.Single(small.Stats.Recent, r => r.Path == perfMap && r.Reason == nameof(WorkloadFileRefusal.TooLarge));
    }

    [Fact]
    public void A_section_over_the_limit_is_not_read_for_unwinding()
    {
        var libcoreclr = ProcessMaps.Read(Environment.ProcessId).Mappings.First(m => m.Path.EndsWith("/libcoreclr.so", StringComparison.Ordinal));
        var path = $"/proc/{Environment.ProcessId}/root{libcoreclr.Path}";
        var files = new WorkloadFiles(new WorkloadFileLimits { MaxElfBytes = 256 << 10 });
        var elf = new ElfCache(files: files).GetMapped(libcoreclr.Identity, path)!;
        var ehFrame = elf.Section(".eh_frame")!;
        Assert.True(ehFrame.Size > 256 << 10);
        Assert.Null(ElfFile.ReadSection(path, ehFrame, files));
        Assert.Contains(files.Stats.Recent, r => r.Path == path && r.Reason == nameof(WorkloadFileRefusal.TooLarge) && r.Detail.Contains(".eh_frame", StringComparison.Ordinal));
        Assert.NotNull(ElfFile.ReadSection(path, ehFrame, new WorkloadFiles()));
    }

    [Fact]
    public void Overlayfs_files_match_their_maps_line()
    {
        using var dir = new TempDirectory("odigos-overlay-");
        foreach (var sub in new[] { "lower", "upper", "work", "merged" })
        {
            Directory.CreateDirectory(Path.Combine(dir.Path, sub));
        }

        SpinnerProgram.Compile(Path.Combine(dir.Path, "lower"), staticLink: true);
        var merged = Path.Combine(dir.Path, "merged");
        Run("mount", "-t", "overlay", "overlay", "-o", $"lowerdir={dir.Path}/lower,upperdir={dir.Path}/upper,workdir={dir.Path}/work", merged);
        try
        {
            var program = Path.Combine(merged, "spin");
            using (var mapper = MapExecutable(program))
            {
                var mapping = ProcessMaps.Read(mapper.Id).Mappings.First(m => m.Path == program);
                var files = new WorkloadFiles();
                Assert.NotNull(new ElfCache(files: files).GetMapped(mapping.Identity, $"/proc/{mapper.Id}/root{program}"));
                Assert.Empty(files.Stats.Skipped);
                Kill(mapper);
            }
        }
        finally
        {
            Run("umount", merged);
        }
    }

    [Fact]
    public async Task ReadyToRun_names_decoded_from_the_copy_while_the_collector_runs_are_the_names_of_the_file()
    {
        // The copy of the image is held weakly between names: a collection in the middle of a decode must not free it.
        var coreLib = typeof(object).Assembly.Location;
        Assert.True(ReadyToRunImage.TryOpen(coreLib, out var reference));
        var methods = reference!.ReadMethods().Where(m => m.Name is not null).Take(3000).ToList();
        Assert.True(ReadyToRunImage.TryOpen(coreLib, out var image));
        using var stop = new CancellationTokenSource();
        var collector = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
            }
        });
        try
        {
            foreach (var (entry, name) in methods)
            {
                Assert.Equal(name, image!.FindName(entry));
            }
        }
        finally
        {
            await stop.CancelAsync();
            await collector;
        }
    }

    private static Process StartReady(string program, params string[] arguments)
    {
        var process = Process.Start(new ProcessStartInfo(program, arguments) { RedirectStandardOutput = true })!;
        Assert.Equal("ready", process.StandardOutput.ReadLine());
        return process;
    }

    /// <summary>A Python process that maps <paramref name="path"/> readable and executable (as a loaded library is) and sleeps.</summary>
    private static Process MapExecutable(string path) => StartReady("python3", "-c",
        "import mmap, sys, time\nf = open(sys.argv[1], 'rb')\nm = mmap.mmap(f.fileno(), 0, prot=mmap.PROT_READ | mmap.PROT_EXEC)\nprint('ready', flush=True)\ntime.sleep(600)", path);

    private static void Run(string program, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(program, arguments) { RedirectStandardError = true })!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{program} {string.Join(' ', arguments)}: {error}");
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(5000);
        }
        catch (InvalidOperationException)
        {
        }
    }

    /// <summary>
    /// A C program that copies <c>jmp .</c> into an anonymous executable mapping at 0x10000000 and spins there forever
    /// (the code a JIT writes: only a perf map names it), after printing "ready".
    /// </summary>
    private static class SpinnerProgram
    {
        private const string Source = """
            #define _GNU_SOURCE
            #include <stdio.h>
            #include <string.h>
            #include <sys/mman.h>

            void spin_forever(void) {
                unsigned char code[] = { 0xEB, 0xFE };
                void *at = mmap((void *)0x10000000, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
                if (at == MAP_FAILED) { perror("mmap"); return; }
                memcpy(at, code, sizeof code);
                printf("ready\n");
                fflush(stdout);
                ((void (*)(void))at)();
            }

            int main(void) { spin_forever(); return 1; }
            """;

        public static string Compile(string directory, bool staticLink)
        {
            var source = Path.Combine(directory, "spin.c");
            var output = Path.Combine(directory, "spin");
            File.WriteAllText(source, Source);
            Run("gcc", staticLink ? new[] { "-static", "-O0", "-o", output, source } : new[] { "-O0", "-o", output, source });
            File.Delete(source);
            return output;
        }
    }
}
