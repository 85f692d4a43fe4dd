using System.Diagnostics;
using OdigosUi.Profiles.Otlp.Collector;
using OdigosUi.TestSupport;
using Xunit.Abstractions;

namespace OdigosUi.Profiler.Tests;

/// <summary>
/// The node profiler on the four build styles of <see cref="BuildStyleWorkloads"/> (Debian's stripped xz, C++ g++ -O2,
/// Rust release, stripped Go): the hot function is named under its caller and stacks reach the program's entry. A
/// missing toolchain fails the test (the workloads say what to install), it does not skip it.
/// </summary>
public sealed class BuildStyleProfilingTests(ITestOutputHelper output)
{
    private const int WantedSamples = 300;
    // The run ends once WantedSamples are in (about 3 s at 99 Hz on an idle core); 30 s allows a machine busy with every
    // other suite (286 samples in 15 s seen in CI).
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private static readonly string BuildDirectory = CreateBuildDirectory();

    /// <summary>Each workload built once per test run, on first use (a failed build fails every test that needs it).</summary>
    private static readonly Dictionary<BuildStyle, Lazy<BuildStyleWorkload>> Built =
        BuildStyleWorkloads.Styles.ToDictionary(s => s, s => new Lazy<BuildStyleWorkload>(() => BuildStyleWorkloads.Build(s, BuildDirectory)));

    public static TheoryData<BuildStyle> Styles => new(BuildStyleWorkloads.Styles);

    [Theory]
    [MemberData(nameof(Styles))]
    public async Task The_hot_function_is_named_under_its_caller_and_stacks_reach_the_entry(BuildStyle style)
    {
        var workload = Built[style].Value;
        var profiled = await ProfileAsync(workload);
        var stacks = profiled.Stacks;
        var samples = stacks.Sum(s => s.Count);
        Assert.True(samples >= WantedSamples, $"only {samples} user samples of {workload.Name} in {Timeout.TotalSeconds:F0} s; stats {profiled.Stats}");

        var hot = Share(stacks, workload.HotUnderCaller);
        var entry = Share(stacks, workload.ReachesEntry);
        var caller = workload.CallerIsDirect ? $"directly called by {workload.Caller}" : $"under {workload.Caller}";
        output.WriteLine($"{workload.Name}: {samples} user samples, {hot:P1} {workload.HotFunction} {caller}, {entry:P1} reach {workload.Entry}; {Walks(profiled.Stats.Unwinding)}");
        Assert.True(hot >= 0.8, $"{workload.Name}: {hot:P1} of {samples} user samples hold {workload.HotFunction} {caller}\n{Top(stacks)}");
        Assert.True(entry >= 0.9, $"{workload.Name}: {entry:P1} of {samples} user samples reach {workload.Entry}\n{Top(stacks)}");
        Assert.True(profiled.Stats.Unwinding.Walks > 0, $"{workload.Name}: no DWARF/pcsp stack walks; {Walks(profiled.Stats.Unwinding)}");
    }

    /// <summary>The OTLP function of the C++ hot frame is named as c++filt demangles its symbol, which is kept as the system name.</summary>
    [Fact]
    public async Task The_cpp_hot_function_is_named_as_cxxfilt_demangles_its_system_name()
    {
        var workload = Built[BuildStyle.Cpp].Value;
        var profiled = await ProfileAsync(workload, wanted: 50);
        var functions = profiled.Requests
            .SelectMany(request => HotFunctions(request, profiled.Pid, workload))
            .Distinct()
            .ToList();
        Assert.NotEmpty(functions);
        foreach (var (name, systemName) in functions)
        {
            Assert.StartsWith("_Z", systemName, StringComparison.Ordinal);
            Assert.Equal(CxxFilt(systemName), name);
        }
    }

    private sealed record Profiled(int Pid, List<(IReadOnlyList<WorkloadFrame> Stack, int Count)> Stacks, List<ExportProfilesServiceRequest> Requests, ProfilerStats Stats);

    /// <summary>Profiles the started workload alone until <paramref name="wanted"/> user samples (or the timeout).</summary>
    private static async Task<Profiled> ProfileAsync(BuildStyleWorkload workload, int wanted = WantedSamples)
    {
        await using var running = workload.Start();
        var pid = running.Pid;
        using var profiler = new NodeProfiler(new NodeProfilerOptions { SamplesPerSecond = 99, TargetPid = pid });
        profiler.Start();
        var stacks = new List<(IReadOnlyList<WorkloadFrame> Stack, int Count)>();
        var requests = new List<ExportProfilesServiceRequest>();
        await ProfilerDriver.RunUntilAsync(profiler, Timeout, request =>
        {
            requests.Add(request);
            stacks.AddRange(BuildStyleWorkloads.UserStacks(request, pid).Where(s => s.Stack.Count > 0));
            return stacks.Sum(s => s.Count) >= wanted;
        });

        Assert.False(running.Process.HasExited, $"{workload.Name} exited early");
        return new Profiled(pid, stacks, requests, profiler.Stats);
    }

    private static string Walks(UnwindStats stats) =>
        $"{stats.Walks} walks, {stats.Complete} complete, mean depth {stats.MeanDepth}, stopped early: {string.Join(", ", stats.StoppedEarly.Select(p => $"{p.Key} {p.Value}"))}";

    private static double Share(List<(IReadOnlyList<WorkloadFrame> Stack, int Count)> stacks, Func<IReadOnlyList<WorkloadFrame>, bool> holds)
    {
        var total = stacks.Sum(s => s.Count);
        return total == 0 ? 0 : (double)stacks.Where(s => holds(s.Stack)).Sum(s => s.Count) / total;
    }

    /// <summary>The most frequent stacks, root first, for a failure's message.</summary>
    private static string Top(List<(IReadOnlyList<WorkloadFrame> Stack, int Count)> stacks) =>
        string.Join('\n', stacks
            .GroupBy(s => string.Join(';', s.Stack.Reverse().Select(f => f.Name ?? $"?[{Path.GetFileName(f.File)}]")))
            .Select(g => (Folded: g.Key, Count: g.Sum(s => s.Count)))
            .OrderByDescending(g => g.Count)
            .Take(5)
            .Select(g => $"{g.Count,5}  {g.Folded}"));

    /// <summary>(name, system name) of every OTLP function at a location that the workload's hot matcher names.</summary>
    private static IEnumerable<(string Name, string SystemName)> HotFunctions(ExportProfilesServiceRequest request, int pid, BuildStyleWorkload workload)
    {
        if (ProfilerDriver.Process(request, pid) is null)
        {
            yield break;
        }

        var d = request.Dictionary;
        foreach (var location in d.LocationTable.Where(l => l.Lines.Count > 0))
        {
            var function = d.FunctionTable[location.Lines[0].FunctionIndex];
            var name = d.StringTable[function.NameStrindex];
            var file = location.MappingIndex > 0 ? d.StringTable[d.MappingTable[location.MappingIndex].FilenameStrindex] : "";
            if (workload.IsHot(new WorkloadFrame(name, file)))
            {
                yield return (name, d.StringTable[function.SystemNameStrindex]);
            }
        }
    }

    private static string CxxFilt(string symbol)
    {
        using var process = Process.Start(new ProcessStartInfo("c++filt", [symbol]) { RedirectStandardOutput = true })
            ?? throw new InvalidOperationException("c++filt did not start (install binutils)");
        var output = process.StandardOutput.ReadToEnd().Trim();
        process.WaitForExit();
        Assert.Equal(0, process.ExitCode);
        return output;
    }

    private static string CreateBuildDirectory()
    {
        var directory = Path.Combine(Path.GetTempPath(), "odigos-build-styles-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (IOException)
            {
            }
        };
        return directory;
    }
}
