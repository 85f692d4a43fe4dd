using OdigosUi.Profiles.Otlp.Collector;
using OdigosUi.Profiles.Otlp.Profiles;

namespace OdigosUi.Profiler.Tests;

/// <summary>Drives a started <see cref="NodeProfiler"/> on the test's thread: collects every 50 ms, reports every <c>report</c>.</summary>
internal static class ProfilerDriver
{
    /// <summary>Runs until <paramref name="done"/> returns true for a report (true) or <paramref name="timeout"/> passes (false).</summary>
    public static async Task<bool> RunUntilAsync(NodeProfiler profiler, TimeSpan timeout, Func<ExportProfilesServiceRequest, bool> done, TimeSpan? report = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        var nextReport = DateTime.UtcNow + (report ?? TimeSpan.FromMilliseconds(500));
        while (DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
            profiler.Collect();
            if (DateTime.UtcNow < nextReport)
            {
                continue;
            }

            nextReport = DateTime.UtcNow + (report ?? TimeSpan.FromMilliseconds(500));
            if (profiler.TakeRequest() is { } request && done(request))
            {
                return true;
            }
        }

        return false;
    }

    public static ResourceProfiles? Process(ExportProfilesServiceRequest request, int pid) =>
        request.ResourceProfiles.SingleOrDefault(r => r.Resource.Attributes.Any(a => a.Key == "process.pid" && a.Value.IntValue == pid));

    public static string Attribute(ResourceProfiles resource, string key) =>
        resource.Resource.Attributes.Single(a => a.Key == key).Value.StringValue;

    /// <summary>Every sample's frames, leaf first, as (function name or "?", frame type).</summary>
    public static IEnumerable<IReadOnlyList<(string Name, string Type)>> Stacks(ExportProfilesServiceRequest request, ResourceProfiles resource)
    {
        var d = request.Dictionary;
        foreach (var sample in resource.ScopeProfiles[0].Profiles[0].Samples)
        {
            yield return d.StackTable[sample.StackIndex].LocationIndices
                .Select(i => d.LocationTable[i])
                .Select(l => (
                    l.Lines.Count == 0 ? "?" : d.StringTable[d.FunctionTable[l.Lines[0].FunctionIndex].NameStrindex],
                    d.AttributeTable[l.AttributeIndices[0]].Value.StringValue))
                .ToList();
        }
    }

    /// <summary>Every stack of <see cref="Stacks"/> with the number of samples it stands for (its timestamps).</summary>
    public static IEnumerable<(IReadOnlyList<(string Name, string Type)> Stack, int Count)> CountedStacks(ExportProfilesServiceRequest request, ResourceProfiles resource) =>
        Stacks(request, resource).Zip(resource.ScopeProfiles[0].Profiles[0].Samples, (stack, sample) => (stack, Math.Max(1, sample.TimestampsUnixNano.Count)));

    /// <summary>Every sample's leaf frame as (function name or "?", frame type, mapped file or ""), with the number of samples it stands for.</summary>
    public static IEnumerable<(string Name, string Type, string File, int Count)> Leaves(ExportProfilesServiceRequest request, ResourceProfiles resource)
    {
        var d = request.Dictionary;
        foreach (var sample in resource.ScopeProfiles[0].Profiles[0].Samples)
        {
            var leaf = d.LocationTable[d.StackTable[sample.StackIndex].LocationIndices[0]];
            yield return (
                leaf.Lines.Count == 0 ? "?" : d.StringTable[d.FunctionTable[leaf.Lines[0].FunctionIndex].NameStrindex],
                d.AttributeTable[leaf.AttributeIndices[0]].Value.StringValue,
                leaf.MappingIndex > 0 ? d.StringTable[d.MappingTable[leaf.MappingIndex].FilenameStrindex] : "",
                Math.Max(1, sample.TimestampsUnixNano.Count));
        }
    }

    /// <summary>True when <paramref name="callee"/> is directly called by <paramref name="caller"/> in the leaf-first stack.</summary>
    public static bool Calls(IReadOnlyList<(string Name, string Type)> stack, string caller, string callee)
    {
        for (var i = 0; i + 1 < stack.Count; i++)
        {
            if (stack[i].Name == callee && stack[i + 1].Name == caller)
            {
                return true;
            }
        }

        return false;
    }
}
