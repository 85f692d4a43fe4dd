using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using OdigosUi.Profiler;
using OdigosUi.Profiler.Sampling;
using OdigosUi.Profiler.Symbolization;
using OdigosUi.TestSupport;

namespace OdigosUi.LoadTest;

/// <summary>
/// The node profiler's symbolization cost on real stacks (captured with perf_event_open from the running demo programs
/// in the setup, so run as root): a process seen for the first time (its maps, ELF files or perf map read and the
/// addresses of its stacks resolved), with the ELF cache cold or already holding its files, and the steady state:
/// one sample through the profiler's whole per-sample path with every cache warm.
/// </summary>
[Config(typeof(Config))]
[MemoryDiagnoser]
public class SymbolizerBenchmarks
{
    private const int MaxStacks = 400;

    private Process? _native;
    private DotnetDemoProcess? _dotnet;
    private int _pid;
    private ulong[][] _callchains = [];
    private KernelSymbols _kernel = null!;
    private ElfCache _warmElfCache = null!;
    private NodeProfiler _profiler = null!;

    [Params("hot (C)", "odigos-demo (.NET)")]
    public string Program { get; set; } = "";

    /// <summary>Distinct user addresses of the captured stacks (what a new process costs to resolve).</summary>
    public int Addresses { get; private set; }

    [GlobalSetup]
    public void Setup()
    {
        if (Program.StartsWith("hot", StringComparison.Ordinal))
        {
            _native = Process.Start(new ProcessStartInfo(NativeTestProgram.Instance.Path, "600") { RedirectStandardOutput = true })!;
            _native.StandardOutput.ReadLine();
            _pid = _native.Id;
        }
        else
        {
            _dotnet = DotnetDemoProcess.StartAsync("--orders-per-second", "100").GetAwaiter().GetResult();
            Thread.Sleep(2000);
            _pid = _dotnet.Pid;
        }

        _callchains = Capture(_pid);
        _kernel = KernelSymbols.Read();
        _warmElfCache = new ElfCache();
        ResolveAll(new Symbolizer(_warmElfCache, _kernel), new ProcessSymbols(_pid));
        Addresses = _callchains.SelectMany(UserFrames).Distinct().Count();
        Console.WriteLine($"// {Program}: {_callchains.Length} stacks, {Addresses} distinct user addresses");

        _profiler = new NodeProfiler(new NodeProfilerOptions());
        RunSamples();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _profiler.Dispose();
        _native?.Kill();
        _native?.WaitForExit();
        _dotnet?.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    [Benchmark(Description = "new process, cold ELF cache")]
    public int NewProcessColdCache() => ResolveAll(new Symbolizer(new ElfCache(), _kernel), new ProcessSymbols(_pid));

    [Benchmark(Description = "new process, ELF files cached")]
    public int NewProcessWarmCache() => ResolveAll(new Symbolizer(_warmElfCache, _kernel), new ProcessSymbols(_pid));

    [Benchmark(Description = "per sample, warm (whole per-sample path)", OperationsPerInvoke = MaxStacks)]
    public int PerSample() => RunSamples();

    // Drops the collected window so it does not grow across iterations.
    [IterationCleanup(Target = nameof(PerSample))]
    public void DropWindow() => _profiler.TakeRequest();

    private int RunSamples()
    {
        IPerfRecordHandler handler = _profiler;
        for (var i = 0; i < MaxStacks; i++)
        {
            handler.OnSample(new PerfSample(_pid, _pid, (ulong)i, 0, _callchains[i % _callchains.Length]));
        }

        return MaxStacks;
    }

    private int ResolveAll(Symbolizer symbolizer, ProcessSymbols process)
    {
        var named = 0;
        foreach (var chain in _callchains)
        {
            var user = UserFrames(chain);
            for (var i = 0; i < user.Count; i++)
            {
                named += symbolizer.ResolveUser(process, user[i], isReturnAddress: i > 0).FunctionName is null ? 0 : 1;
            }
        }

        return named;
    }

    private static List<ulong> UserFrames(ulong[] chain)
    {
        List<ulong> kernel = [], user = [];
        Callchain.Split(chain, kernel, user);
        return user;
    }

    private static ulong[][] Capture(int pid)
    {
        using var sampler = PerfEventSampler.Start(new PerfSamplerOptions(499, pid, 256));
        var chains = new List<ulong[]>();
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(3);
        while (chains.Count < MaxStacks && DateTime.UtcNow < until)
        {
            Thread.Sleep(50);
            sampler.ReadSamples((in PerfSample sample) =>
            {
                if (sample.Pid == pid && chains.Count < MaxStacks)
                {
                    chains.Add(sample.Callchain.ToArray());
                }
            });
        }

        return chains.Count > 0 ? [.. chains] : throw new InvalidOperationException($"no samples of pid {pid}");
    }

    private sealed class Config : ManualConfig
    {
        public Config()
        {
            AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance).WithLaunchCount(1).WithWarmupCount(3).WithIterationCount(10).WithId("InProcess"));
        }
    }
}

/// <summary>Reading /proc/kallsyms into the kernel symbol table: once per profiler start.</summary>
[Config(typeof(KernelConfig))]
[MemoryDiagnoser]
public class KernelSymbolsBenchmarks
{
    [Benchmark(Description = "read /proc/kallsyms")]
    public int Read() => KernelSymbols.Read().Count;

    private sealed class KernelConfig : ManualConfig
    {
        public KernelConfig()
        {
            AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance).WithLaunchCount(1).WithWarmupCount(2).WithIterationCount(10).WithId("InProcess"));
        }
    }
}
