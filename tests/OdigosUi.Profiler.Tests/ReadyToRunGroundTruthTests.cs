using OdigosUi.Profiler.Symbolization;
using OdigosUi.Profiler.Symbolization.ReadyToRun;
using OdigosUi.TestSupport;
using Xunit.Abstractions;

namespace OdigosUi.Profiler.Tests;

/// <summary>
/// The reader against the runtime itself: the precompiled methods a real .NET process used, as its jitdump lists them
/// (address, size and the name the perf map would give; the perf map itself lists no ReadyToRun code in .NET 10).
/// </summary>
public sealed class ReadyToRunGroundTruthTests(ITestOutputHelper output)
{
    // Stubs off: writing the code of a stub block the runtime has not filled fails and cuts the jitdump short.
    private static readonly Dictionary<string, string> JitDumpEnvironment = new()
    {
        ["DOTNET_PerfMapEnabled"] = "1",
        ["DOTNET_PerfMapShowOptimizationTiers"] = "1",
        ["DOTNET_PerfMapStubGranularity"] = "4",
    };

    [Fact]
    public async Task Names_the_precompiled_methods_a_process_used_as_the_runtime_does()
    {
        await using var demo = await DotnetDemoProcess.StartFrameworkAsync(JitDumpEnvironment);
        var maps = ProcessMaps.Read(demo.Pid);
        var precompiled = JitDump.Read(demo.JitDumpPath).Where(r => r.Name.EndsWith("[PreJIT]", StringComparison.Ordinal)).ToList();

        var cache = new ReadyToRunCache();
        var assemblies = new HashSet<string>();
        var mismatches = new List<string>();
        foreach (var record in precompiled)
        {
            var expected = DotnetFrameName.Normalize(record.Name);
            var mapping = maps.Find(record.Address);
            var image = mapping is null ? null : cache.Get(mapping.Identity, $"/proc/{demo.Pid}/map_files/{mapping.Start:x}-{mapping.End:x}", mapping.Path);
            string?[] names = image is null ? [] : [Name(image, mapping!, record.Address), Name(image, mapping!, record.Address + record.Size - 1)];
            if (names.Length == 2 && names.All(n => n == expected))
            {
                assemblies.Add(Path.GetFileName(mapping!.Path));
            }
            else
            {
                mismatches.Add($"0x{record.Address:x} in {mapping?.Path ?? "no mapping"}: expected {expected}, named {string.Join(" / ", names)}");
            }
        }

        var matched = precompiled.Count - mismatches.Count;
        output.WriteLine($"{matched} of {precompiled.Count} precompiled methods named as the runtime does ({100.0 * matched / Math.Max(1, precompiled.Count):F2}%), in {string.Join(", ", assemblies.Order())}");
        mismatches.Take(50).ToList().ForEach(output.WriteLine);
        Assert.True(precompiled.Count >= 300, $"the jitdump lists only {precompiled.Count} precompiled methods");
        Assert.True(matched >= precompiled.Count * 0.95, $"{mismatches.Count} of {precompiled.Count} differ:\n{string.Join('\n', mismatches.Take(20))}");
        Assert.Contains("System.Private.CoreLib.dll", assemblies);
        Assert.True(assemblies.Count >= 3, $"precompiled code named in {string.Join(", ", assemblies)} only");
    }

    private static string? Name(ReadyToRunImage image, MemoryMapping mapping, ulong address) =>
        image.FileOffsetToRva(address - mapping.Start + mapping.Offset) is { } rva ? image.FindName(rva) : null;
}
