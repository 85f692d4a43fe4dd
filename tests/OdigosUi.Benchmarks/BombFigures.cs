using System.Diagnostics;
using Google.Protobuf;
using OdigosUi.Profiles.Aggregation;
using OdigosUi.Profiles.Formats.Otlp;
using OdigosUi.Profiles.Formats.Pprof;
using OdigosUi.Profiles.Otlp.Collector;
using OdigosUi.TestSupport;

namespace OdigosUi.Benchmarks;

/// <summary>
/// One cold run of each issue-15 bomb through the profile core, with the bytes it allocated and its outcome, as a
/// markdown table (<c>dotnet run -c Release --project tests/OdigosUi.Benchmarks -- bombs</c>). Single shots: the
/// before figures came from minutes-long runs that a BenchmarkDotNet job cannot repeat.
/// </summary>
public static class BombFigures
{
    private const long Now = 1_700_000_000_000_000_000;

    public static void Run()
    {
        Console.WriteLine("| input | size | allocated | time | outcome |");
        Console.WriteLine("|---|---|---|---|---|");
        var expansion = ProfileBombs.ExpansionBomb().ToByteArray();
        Measure("expansion bomb (1,000 lines × 20,000 stacks), parse + validate + aggregate", expansion.Length,
            () => Aggregate(ExportProfilesServiceRequest.Parser.ParseFrom(expansion)));
        var deep = ProfileBombs.DeepStack(100_000).ToByteArray();
        Measure("one stack of 100,000 frames, parse + validate + aggregate", deep.Length,
            () => Aggregate(ExportProfilesServiceRequest.Parser.ParseFrom(deep)));
        foreach (var mebibytes in new[] { 2, 6, 16 })
        {
            var json = ProfileBombs.JsonBomb(mebibytes << 20);
            Measure($"OTLP/JSON bomb, {mebibytes} MiB of empty locations", json.Length,
                () => $"parsed {OtlpJsonReader.Read(json).Dictionary.LocationTable.Count} locations");
        }

        foreach (var functions in new[] { 20_000, 80_000 })
        {
            var pprof = ProfileBombs.CollidingIdsPprof(functions);
            Measure($"pprof, {functions:N0} functions and locations with colliding ids", pprof.Length,
                () => $"read {PprofReader.Read(pprof).Dictionary.FunctionTable.Count - 1} functions");
        }
    }

    private static string Aggregate(ExportProfilesServiceRequest request)
    {
        var batch = ProfileBatch.Create(request);
        if (!batch.Validation.IsValid)
        {
            return "refused: " + batch.Validation.Summary;
        }

        var aggregator = new ProfileAggregator();
        var samples = aggregator.Add(batch, Now);
        return $"accepted {samples} samples, {aggregator.EstimatedBytes / 1048576.0:N1} MiB kept";
    }

    private static void Measure(string name, int inputBytes, Func<string> run)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var before = GC.GetTotalAllocatedBytes(precise: true);
        var watch = Stopwatch.StartNew();
        string outcome;
        try
        {
            outcome = run();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            outcome = $"{e.GetType().Name}: {e.Message}";
        }

        watch.Stop();
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        Console.WriteLine($"| {name} | {inputBytes:N0} B | {allocated / 1048576.0:N1} MiB | {watch.Elapsed.TotalMilliseconds:N0} ms | {outcome} |");
    }
}
