using System.Diagnostics;
using Google.Protobuf;
using OdigosUi.Pipeline.Ingest;
using OdigosUi.Profiles.Otlp.Collector;
using OdigosUi.TestSupport;

namespace OdigosUi.Benchmarks;

/// <summary>
/// <c>-- prescan</c>: what <see cref="ProtobufExpansion"/> costs and how close its estimate is, against
/// <c>ParseFrom</c> on real and synthetic payloads and on empty-message bombs (docs/benchmarks.md).
/// </summary>
public static class PrescanFigures
{
    public static void Run()
    {
        Console.WriteLine("| input | size | estimate | ParseFrom allocated | scan time | scan allocated | ParseFrom time |");
        Console.WriteLine("|---|---|---|---|---|---|---|");
        Measure("real capture (OTel eBPF profiler)", RealProducerPayloads.EbpfProfiler().ToByteArray(), parse: true);
        Measure("synthetic large request (BenchmarkPayload)", BenchmarkPayload.Bytes, parse: true);
        Measure("1M empty locations", WireBombs.Dictionary(WireBombs.Repeat(0x12, 1 << 20)), parse: true);
        Measure("1M empty lines in one location", WireBombs.Dictionary(WireBombs.Message(0x12, WireBombs.Repeat(0x1A, 1 << 20))), parse: true);
        Measure("1M empty samples", WireBombs.Samples(1 << 20), parse: true);
        Measure("1M empty strings", WireBombs.Dictionary(WireBombs.Repeat(0x2A, 1 << 20)), parse: true);
        Measure("16 MiB of empty locations (8M)", WireBombs.Dictionary(WireBombs.Repeat(0x12, 8 << 20)), parse: false);
    }

    private static void Measure(string name, byte[] body, bool parse)
    {
        // Warmed up past tiered compilation's first tiers, as a long-running receiver is.
        for (var i = 0; i < 60; i++)
        {
            ProtobufExpansion.Scan(body);
        }

        const int Rounds = 20;
        var before = GC.GetAllocatedBytesForCurrentThread();
        var watch = Stopwatch.StartNew();
        var scan = default(ProtobufScan);
        for (var i = 0; i < Rounds; i++)
        {
            scan = ProtobufExpansion.Scan(body);
        }

        watch.Stop();
        var scanAllocated = (GC.GetAllocatedBytesForCurrentThread() - before) / Rounds;
        var scanTime = watch.Elapsed.TotalMilliseconds / Rounds;
        var parsed = "not parsed";
        var parseTime = "-";
        if (parse)
        {
            GC.KeepAlive(ExportProfilesServiceRequest.Parser.ParseFrom(body));
            GC.Collect();
            before = GC.GetAllocatedBytesForCurrentThread();
            watch.Restart();
            var request = ExportProfilesServiceRequest.Parser.ParseFrom(body);
            watch.Stop();
            parsed = $"{(GC.GetAllocatedBytesForCurrentThread() - before) / 1048576.0:N1} MiB";
            parseTime = $"{watch.Elapsed.TotalMilliseconds:N1} ms";
            GC.KeepAlive(request);
        }

        Console.WriteLine($"| {name} | {body.Length:N0} B | {scan.EstimatedBytes / 1048576.0:N1} MiB | {parsed} | {scanTime:N2} ms | {scanAllocated} B | {parseTime} |");
    }
}
