using OdigosUi.TestSupport;

namespace OdigosUi.Profiler.Tests;

/// <summary>The real profiler (as root) on the real .NET demo service started with DOTNET_PerfMapEnabled=1.</summary>
public sealed class DotnetDemoProfilingTests
{
    private const string ProcessOrder = "OdigosDemo.Checkout.ProcessOrder(int32,bool)";
    private const string ComputeTax = "OdigosDemo.Checkout.ComputeTax(int32)";
    private const string HashLoop = "OdigosDemo.Checkout.HashLoop(uint64,int32)";
    private const string ApplyDiscount = "OdigosDemo.Checkout.ApplyDiscount(int32)";
    private const string DiscountLoop = "OdigosDemo.Checkout.DiscountLoop(uint64,int32)";

    [Fact]
    public async Task Names_jit_compiled_methods_from_the_perf_map_and_reads_the_map_again_when_new_methods_are_compiled()
    {
        await using var demo = await DotnetDemoProcess.StartAsync();
        using var profiler = new NodeProfiler(new NodeProfilerOptions { SamplesPerSecond = 199, DataPagesPerCpu = 512 });
        profiler.Start();

        var seen = new List<string>();
        var hot = await ProfilerDriver.RunUntilAsync(profiler, TimeSpan.FromSeconds(60), request =>
        {
            if (ProfilerDriver.Process(request, demo.Pid) is not { } resource)
            {
                return false;
            }

            Assert.Equal(DotnetDemoProcess.ExecutableName, ProfilerDriver.Attribute(resource, "service.name"));
            var stacks = ProfilerDriver.Stacks(request, resource).ToList();
            seen.AddRange(stacks.SelectMany(s => s).Select(f => $"{f.Name} ({f.Type})"));
            return stacks.Any(s => ProfilerDriver.Calls(s, ProcessOrder, ComputeTax) && ProfilerDriver.Calls(s, ComputeTax, HashLoop)
                && s.First(f => f.Name == HashLoop).Type == "dotnet");
        });
        Assert.True(hot, $"no {ProcessOrder} -> {ComputeTax} -> {HashLoop} (dotnet) stack; frames seen: {string.Join(", ", seen.Distinct().Take(40))}");

        var perfMap = profiler.Processes.Find(demo.Pid)?.Symbols.PerfMap;
        Assert.NotNull(perfMap);
        var (reads, bytes) = (perfMap.Reads, perfMap.BytesRead);
        Assert.DoesNotContain(demo.PerfMapLines(), line => line.Contains("DiscountLoop", StringComparison.Ordinal));

        await demo.SendAsync("discount");
        var discounted = await ProfilerDriver.RunUntilAsync(profiler, TimeSpan.FromSeconds(60), request =>
            ProfilerDriver.Process(request, demo.Pid) is { } resource
            && ProfilerDriver.Stacks(request, resource).Any(s => ProfilerDriver.Calls(s, ApplyDiscount, DiscountLoop)));

        Assert.True(discounted, $"no {ApplyDiscount} -> {DiscountLoop} stack after the perf map grew to {demo.PerfMapLines().Length} lines");
        Assert.True(perfMap.Reads > reads && perfMap.BytesRead > bytes, $"perf map reads {reads} -> {perfMap.Reads}, bytes {bytes} -> {perfMap.BytesRead}");
    }
}
