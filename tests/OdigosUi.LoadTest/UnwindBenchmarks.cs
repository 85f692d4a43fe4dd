using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using OdigosUi.Profiler;
using OdigosUi.Profiler.Sampling;
using OdigosUi.Profiler.Symbolization;
using OdigosUi.Profiler.Unwinding;

namespace OdigosUi.LoadTest;

/// <summary>
/// The cost of DWARF unwinding on real samples: registers and 16 KiB stack copies captured with perf_event_open from
/// Debian's <c>xz -9</c> (no frame pointers) in the setup, so run as root. The walk alone with warm tables, the whole
/// per-sample path with the walk against the same path on the kernel's frame-pointer callchain, and compiling libc's
/// .eh_frame once.
/// </summary>
[Config(typeof(Config))]
[MemoryDiagnoser]
public class UnwindBenchmarks
{
    private const int MaxSamples = 400;
    private const string Libc = "/lib/x86_64-linux-gnu/libc.so.6";

    private Process? _xz;
    private CancellationTokenSource? _feeding;
    private int _pid;
    private List<Captured> _samples = [];
    private ProcessUnwindInfo _info = null!;
    private readonly List<ulong> _frames = [];
    private NodeProfiler _withCfi = null!;
    private NodeProfiler _framePointers = null!;
    private byte[] _libcEhFrame = [];
    private ulong _libcEhFrameAddress;

    [GlobalSetup]
    public void Setup()
    {
        _xz = Process.Start(new ProcessStartInfo("xz", "-9 -T1 -c") { RedirectStandardInput = true, RedirectStandardOutput = true })!;
        _feeding = new CancellationTokenSource();
        var input = _xz.StandardInput.BaseStream;
        var output = _xz.StandardOutput.BaseStream;
        _ = Task.Run(() => output.CopyToAsync(Stream.Null));
        _ = Task.Run(async () =>
        {
            var text = System.Text.Encoding.ASCII.GetBytes(string.Join(' ', Enumerable.Range(0, 20000).Select(i => $"word{i * 7919 % 5003}")));
            while (!_feeding.IsCancellationRequested)
            {
                await input.WriteAsync(text, _feeding.Token);
            }
        });
        _pid = _xz.Id;
        Thread.Sleep(1000);
        _samples = Capture(_pid);
        var bytes = _samples.Average(s => s.Stack.Length);
        Console.WriteLine($"// xz: {_samples.Count} samples, {bytes:N0} stack bytes used of {NodeProfilerOptions.DefaultUserStackBytes:N0} copied per sample ({_samples.Count(s => s.Full)} copies full)");

        var elfCache = new ElfCache();
        _info = new ProcessUnwindInfo(elfCache, new UnwindTableCache()) { Process = new ProcessSymbols(_pid) };
        var depth = Unwind() / (double)_samples.Count;
        Console.WriteLine($"// mean depth {depth:N1}, tables: {_info.Tables.Count} objects, {_info.Tables.Bytes / 1024.0:N0} KiB");

        _withCfi = new NodeProfiler(new NodeProfilerOptions());
        _framePointers = new NodeProfiler(new NodeProfilerOptions { UserStackBytes = 0 });
        RunSamples(_withCfi, cfi: true);
        RunSamples(_framePointers, cfi: false);

        var elf = ElfFile.Open(Libc);
        var section = elf.Section(".eh_frame")!;
        _libcEhFrame = File.ReadAllBytes(Libc).AsSpan((int)section.Offset, (int)section.Size).ToArray();
        _libcEhFrameAddress = section.VirtualAddress;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _withCfi.Dispose();
        _framePointers.Dispose();
        _feeding?.Cancel();
        _xz?.Kill();
        _xz?.WaitForExit();
    }

    [Benchmark(Description = "CFI walk per sample (xz, warm tables)", OperationsPerInvoke = MaxSamples)]
    public int WalkPerSample()
    {
        var frames = 0;
        for (var i = 0; i < MaxSamples; i++)
        {
            frames += Walk(_samples[i % _samples.Count]);
        }

        return frames;
    }

    [Benchmark(Description = "per sample, whole path, CFI walk", OperationsPerInvoke = MaxSamples)]
    public int PerSampleCfi() => RunSamples(_withCfi, cfi: true);

    [Benchmark(Baseline = true, Description = "per sample, whole path, kernel frame-pointer chain", OperationsPerInvoke = MaxSamples)]
    public int PerSampleFramePointers() => RunSamples(_framePointers, cfi: false);

    [Benchmark(Description = "compile libc's .eh_frame (once per object)")]
    public int CompileLibc() => CallFrameInfoCompiler.Compile(_libcEhFrame, _libcEhFrameAddress, isDebugFrame: false).Count;

    [IterationCleanup(Targets = [nameof(PerSampleCfi), nameof(PerSampleFramePointers)])]
    public void DropWindows()
    {
        _withCfi.TakeRequest();
        _framePointers.TakeRequest();
    }

    private int Unwind() => _samples.Sum(Walk);

    private int Walk(Captured sample)
    {
        _frames.Clear();
        StackUnwinder.Unwind(new UserStack(sample.Registers.Ip, sample.Registers.Sp, sample.Registers.Bp, sample.Stack, sample.Full), _info, _frames);
        return _frames.Count;
    }

    private int RunSamples(NodeProfiler profiler, bool cfi)
    {
        IPerfRecordHandler handler = profiler;
        for (var i = 0; i < MaxSamples; i++)
        {
            var s = _samples[i % _samples.Count];
            handler.OnSample(cfi
                ? new PerfSample(_pid, _pid, (ulong)i, 0, s.Callchain, s.Registers, s.Stack, s.Full)
                : new PerfSample(_pid, _pid, (ulong)i, 0, s.Callchain));
        }

        return MaxSamples;
    }

    private static List<Captured> Capture(int pid)
    {
        using var sampler = PerfEventSampler.Start(new PerfSamplerOptions(499, pid, 256, UserStackBytes: NodeProfilerOptions.DefaultUserStackBytes));
        var samples = new List<Captured>();
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (samples.Count < MaxSamples && DateTime.UtcNow < until)
        {
            Thread.Sleep(50);
            sampler.ReadSamples((in PerfSample sample) =>
            {
                if (sample.Pid == pid && sample.Registers.Valid && samples.Count < MaxSamples)
                {
                    samples.Add(new Captured(sample.Callchain.ToArray(), sample.Registers, sample.UserStack.ToArray(), sample.UserStackFull));
                }
            });
        }

        return samples.Count > 0 ? samples : throw new InvalidOperationException($"no samples of pid {pid}");
    }

    private sealed record Captured(ulong[] Callchain, UserRegisters Registers, byte[] Stack, bool Full);

    private sealed class Config : ManualConfig
    {
        public Config()
        {
            AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance).WithLaunchCount(1).WithWarmupCount(3).WithIterationCount(10).WithId("InProcess"));
        }
    }
}
