using OdigosUi.TestSupport;

namespace OdigosUi.Profiler.Tests;

/// <summary>
/// The real profiler on a .NET process spinning in framework code that stays precompiled (odigos-demo framework:
/// System.Private.CoreLib's string hashing, call counting off so it is never rejitted), with no perf map at all.
/// </summary>
public sealed class ReadyToRunProfilingTests
{
    private const string Hashing = "System.Marvin.ComputeHash32(uint8&,uint32,uint32,uint32)";
    private const string Caller = "OdigosDemo.FrameworkDemo.Hash(string)";

    [Fact]
    public async Task Samples_in_precompiled_framework_code_name_the_framework_method_without_a_perf_map()
    {
        await using var demo = await DotnetDemoProcess.StartFrameworkAsync();
        using var profiler = new NodeProfiler(new NodeProfilerOptions { SamplesPerSecond = 199, TargetPid = demo.Pid });
        profiler.Start();

        var coreLibLeaves = new Dictionary<string, int>();
        var named = await ProfilerDriver.RunUntilAsync(profiler, TimeSpan.FromSeconds(60), request =>
        {
            if (ProfilerDriver.Process(request, demo.Pid) is not { } resource)
            {
                return false;
            }

            foreach (var (name, type, file, count) in ProfilerDriver.Leaves(request, resource))
            {
                if (file.EndsWith("/System.Private.CoreLib.dll", StringComparison.Ordinal))
                {
                    coreLibLeaves[$"{name} ({type})"] = coreLibLeaves.GetValueOrDefault($"{name} ({type})") + count;
                }
            }

            return coreLibLeaves.GetValueOrDefault($"{Hashing} (dotnet)") >= 100;
        });

        var seen = string.Join(", ", coreLibLeaves.OrderByDescending(l => l.Value).Take(10).Select(l => $"{l.Key} x{l.Value}"));
        Assert.True(named, $"fewer than 100 samples in {Hashing} (dotnet); leaves in System.Private.CoreLib.dll: {seen}");
        var unnamed = coreLibLeaves.Where(l => l.Key.StartsWith("? ", StringComparison.Ordinal)).Sum(l => l.Value);
        Assert.True(unnamed <= coreLibLeaves.Values.Sum() / 20, $"{unnamed} unnamed samples in System.Private.CoreLib.dll: {seen}");
        Assert.False(File.Exists(demo.PerfMapPath));
        Assert.Null(profiler.Processes.Find(demo.Pid)?.Symbols.PerfMap);
    }

    [Fact]
    public async Task With_the_perf_map_turned_on_late_the_jit_compiled_caller_and_the_precompiled_callee_are_both_named()
    {
        await using var demo = await DotnetDemoProcess.StartFrameworkAsync();
        var profiled = new HashSet<int> { demo.Pid };
        using var profiler = new NodeProfiler(new NodeProfilerOptions { SamplesPerSecond = 199, DataPagesPerCpu = 512 }, profiled.Contains);
        profiler.Start();

        var seen = new List<string>();
        var named = await ProfilerDriver.RunUntilAsync(profiler, TimeSpan.FromSeconds(60), request =>
        {
            if (ProfilerDriver.Process(request, demo.Pid) is not { } resource)
            {
                return false;
            }

            var stacks = ProfilerDriver.CountedStacks(request, resource).ToList();
            seen = [.. stacks.OrderByDescending(s => s.Count).Take(3).Select(s => $"{s.Count}: {string.Join(" <- ", s.Stack.Take(4).Select(f => $"{f.Name} ({f.Type})"))}")];
            return stacks.Any(s => ProfilerDriver.Calls(s.Stack, Caller, Hashing) && s.Stack.All(f => f.Name is not (Caller or Hashing) || f.Type == "dotnet"));
        });

        Assert.True(named, $"no {Caller} -> {Hashing} stack (both dotnet) after the perf map was turned on; top stacks:\n{string.Join("\n", seen)}");
        Assert.True(File.Exists(demo.PerfMapPath), "the runtime was not asked to write its perf map");
        Assert.DoesNotContain(File.ReadAllLines(demo.PerfMapPath), line => line.Contains("Marvin::ComputeHash32", StringComparison.Ordinal));
    }
}
