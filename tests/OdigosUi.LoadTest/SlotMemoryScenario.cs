using Google.Protobuf;
using OdigosUi.Pipeline.Slots;
using OdigosUi.Profiles.Aggregation;
using OdigosUi.Profiles.Model;

namespace OdigosUi.LoadTest;

/// <summary>
/// History per MiB: the same report stream kept as raw OTLP chunks (what Odigos' UI buffer holds) and as a slot's
/// aggregate. Slot memory is measured with the GC (live heap delta), not estimated.
/// </summary>
public static class SlotMemoryScenario
{
    private static string raw(ProfilingSlots slots, SourceKey source) => slots.BucketEntries(source).ToString("N0");

    public static void Run(int reports, int samplesPerReport, int uniqueStacks)
    {
        var population = new StackPopulation(uniqueStacks, seed: 5);
        var random = new Random(1);
        var source = new SourceKey(SourceKey.LocalNamespace, SourceKey.ProcessKind, "checkout");
        var start = (ulong)DateTimeOffset.UtcNow.AddSeconds(-reports).ToUnixTimeMilliseconds() * 1_000_000;
        var requests = Enumerable.Range(0, reports)
            .Select(i => population.Report("checkout", samplesPerReport, random, start + ((ulong)i * 1_000_000_000)).ToByteArray())
            .ToArray();
        long rawBytes = requests.Sum(r => (long)r.Length);
        long samples = (long)reports * samplesPerReport;

        // One throwaway pass first, so pooled buffers and JIT data are not counted as the slot's memory.
        var warm = new ProfilingSlots(new SlotOptions());
        warm.Open(source);
        warm.ConsumeAsync(ProfileBatch.Create(OdigosUi.Profiles.Otlp.Collector.ExportProfilesServiceRequest.Parser.ParseFrom(requests[0])), CancellationToken.None).AsTask().GetAwaiter().GetResult();
        warm.Close(source);

        var before = GC.GetTotalMemory(forceFullCollection: true);
        var slots = new ProfilingSlots(new SlotOptions { SlotMaxBytes = 1L << 34, MaxBuckets = reports + 10 });
        slots.Open(source);
        foreach (var bytes in requests)
        {
            var request = OdigosUi.Profiles.Otlp.Collector.ExportProfilesServiceRequest.Parser.ParseFrom(bytes);
            slots.ConsumeAsync(ProfileBatch.Create(request), CancellationToken.None).AsTask().GetAwaiter().GetResult();
        }

        var after = GC.GetTotalMemory(forceFullCollection: true);
        var info = slots.Get(source)!;
        GC.KeepAlive(slots);
        var slotBytes = after - before;
        const double MiB = 1 << 20;

        Console.WriteLine($"## Slot memory: {reports} reports x {samplesPerReport} samples from {population.Count} distinct stacks");
        Console.WriteLine();
        Console.WriteLine("| kept as | bytes | samples per MiB |");
        Console.WriteLine("|---|---:|---:|");
        Console.WriteLine($"| raw OTLP chunks (Odigos) | {rawBytes:N0} | {samples / (rawBytes / MiB):N0} |");
        Console.WriteLine($"| slot aggregate, GC-measured live heap | {slotBytes:N0} | {samples / (slotBytes / MiB):N0} |");
        Console.WriteLine($"| slot aggregate, the slot's own estimate | {info.EstimatedBytes:N0} | {samples / (info.EstimatedBytes / MiB):N0} |");
        Console.WriteLine();
        var tree = slots.Snapshot(source, null, TimeWindow.All)!.Snapshot!;
        Console.WriteLine($"Slot shape: {tree.NodeCount:N0} nodes, {tree.Frames.Length:N0} frames, {raw(slots, source)} bucket entries.");
        Console.WriteLine($"History per MiB, slot vs raw chunks: {(double)rawBytes / slotBytes:F1}x (GC-measured), {(double)rawBytes / info.EstimatedBytes:F1}x (estimate); {info.SampleCount:N0} samples in the slot.");
    }
}
