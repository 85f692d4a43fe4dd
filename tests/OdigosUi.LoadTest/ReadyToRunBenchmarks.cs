using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using OdigosUi.Profiler.Symbolization.ReadyToRun;

namespace OdigosUi.LoadTest;

/// <summary>
/// The ReadyToRun reader on the shared runtime's System.Private.CoreLib.dll: parsing its tables (once per file on a
/// node) and naming an address of a method whose name was decoded before (the steady state; the first lookup of each
/// method is <see cref="ReadyToRunFirstLookupBenchmarks"/>).
/// </summary>
[Config(typeof(Config))]
[MemoryDiagnoser]
public class ReadyToRunBenchmarks
{
    internal const int Lookups = 1000;
    internal static readonly string CoreLib = typeof(object).Assembly.Location;

    private ReadyToRunImage _image = null!;
    private uint[] _addresses = [];

    [GlobalSetup]
    public void Setup()
    {
        var before = GC.GetTotalMemory(forceFullCollection: true);
        _image = Open();
        var retained = GC.GetTotalMemory(forceFullCollection: true) - before;
        Console.WriteLine($"// {CoreLib}: {_image.RuntimeFunctionCount} runtime functions, {_image.MethodCount} methods; retained after parse {retained / 1024} KiB (estimated {_image.EstimatedBytes / 1024} KiB)");
        _addresses = SpreadAddresses(_image);
        var named = _addresses.Count(a => _image.FindName(a) is not null);
        Console.WriteLine($"// {named} of {_addresses.Length} addresses named; estimated with their names {_image.EstimatedBytes / 1024} KiB");
    }

    [Benchmark(Description = "parse CoreLib's ReadyToRun tables")]
    public int Parse() => Open().MethodCount;

    [Benchmark(Description = "FindName, method named before", OperationsPerInvoke = Lookups)]
    public int NamedBefore()
    {
        var named = 0;
        foreach (var address in _addresses)
        {
            named += _image.FindName(address) is null ? 0 : 1;
        }

        return named;
    }

    internal static ReadyToRunImage Open() =>
        ReadyToRunImage.TryOpen(CoreLib, out var image) && image is not null ? image : throw new InvalidOperationException($"{CoreLib} is not a ReadyToRun image");

    /// <summary>An address 4 bytes into each of <see cref="Lookups"/> methods spread over the image.</summary>
    internal static uint[] SpreadAddresses(ReadyToRunImage image)
    {
        var methods = image.ReadMethods();
        return Enumerable.Range(0, Lookups).Select(i => methods[i * methods.Count / Lookups].EntryRva + 4).ToArray();
    }

    private sealed class Config : ManualConfig
    {
        public Config()
        {
            AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance).WithLaunchCount(1).WithWarmupCount(3).WithIterationCount(10).WithId("InProcess"));
        }
    }
}

/// <summary>The first lookup of each of 1000 CoreLib methods: the file mapped again, the name decoded from its metadata.</summary>
[Config(typeof(Config))]
[MemoryDiagnoser]
public class ReadyToRunFirstLookupBenchmarks
{
    private ReadyToRunImage _image = null!;
    private uint[] _addresses = [];

    [GlobalSetup]
    public void Setup() => _addresses = ReadyToRunBenchmarks.SpreadAddresses(ReadyToRunBenchmarks.Open());

    [IterationSetup]
    public void FreshImage() => _image = ReadyToRunBenchmarks.Open();

    [Benchmark(Description = "FindName, first lookup of the method", OperationsPerInvoke = ReadyToRunBenchmarks.Lookups)]
    public int FirstLookup()
    {
        var named = 0;
        foreach (var address in _addresses)
        {
            named += _image.FindName(address) is null ? 0 : 1;
        }

        return named;
    }

    private sealed class Config : ManualConfig
    {
        public Config()
        {
            AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance).WithLaunchCount(1).WithWarmupCount(2).WithIterationCount(10)
                .WithInvocationCount(1).WithUnrollFactor(1).WithId("InProcess"));
        }
    }
}
