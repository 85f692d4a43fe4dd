using OdigosUi.LoadTest;

// dotnet run -c Release --project tests/OdigosUi.LoadTest -- <scenario> [options]; results are Markdown for docs/benchmarks.md.
var scenario = args.FirstOrDefault() ?? "help";
switch (scenario)
{
    case "ingest":
        await IngestScenario.RunAsync([1, 8, 32], TimeSpan.FromSeconds(args.Length > 1 ? int.Parse(args[1]) : 15));
        return 0;
    case "slot-flood":
        return await SlotFloodScenario.RunAsync(TimeSpan.FromSeconds(args.Length > 1 ? int.Parse(args[1]) : 60));
    case "latency":
        await LatencyScenario.RunAsync(args.Length > 1 ? int.Parse(args[1]) : 200);
        return 0;
    case "slot-memory":
        foreach (var reports in new[] { 60, 300, 1800 })
        {
            SlotMemoryScenario.Run(reports, samplesPerReport: 200, uniqueStacks: 3000);
            Console.WriteLine();
        }

        return 0;
    case "outage":
        await OutageScenario.RunAsync(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(args.Length > 1 ? int.Parse(args[1]) : 60), TimeSpan.FromSeconds(20), reportsPerSecond: 10,
            queueMaxBytes: args.Length > 2 ? long.Parse(args[2]) : null);
        return 0;
    case "profiler-overhead":
        await ProfilerOverheadScenario.RunAsync(TimeSpan.FromSeconds(args.Length > 1 ? int.Parse(args[1]) : 20), TimeSpan.FromSeconds(args.Length > 2 ? int.Parse(args[2]) : 5), args.Length > 3 ? args[3] : null);
        return 0;
    case "profiler-slowdown":
        await ProfilerSlowdownScenario.RunAsync(args.Length > 1 ? int.Parse(args[1]) : 8, args.Length > 2 ? int.Parse(args[2]) : 60, TimeSpan.FromSeconds(args.Length > 3 ? int.Parse(args[3]) : 5));
        return 0;
    case "python-naming":
        await PythonNamingScenario.RunAsync(TimeSpan.FromSeconds(args.Length > 1 ? int.Parse(args[1]) : 30), args.Length > 2 ? args[2] : "/usr/bin/python3.11");
        return 0;
    case "unwind-fidelity":
        return await UnwindFidelityScenario.RunAsync(TimeSpan.FromSeconds(args.Length > 1 ? int.Parse(args[1]) : 20));
    case "runtime-naming":
        return await RuntimeNamingScenario.RunAsync(TimeSpan.FromSeconds(args.Length > 1 ? int.Parse(args[1]) : 20));
    case "symbolizer":
        BenchmarkDotNet.Running.BenchmarkSwitcher.FromTypes([typeof(SymbolizerBenchmarks), typeof(KernelSymbolsBenchmarks)]).RunAll();
        return 0;
    case "readytorun":
        BenchmarkDotNet.Running.BenchmarkSwitcher.FromTypes([typeof(ReadyToRunBenchmarks), typeof(ReadyToRunFirstLookupBenchmarks)]).RunAll();
        return 0;
    case "unwind":
        BenchmarkDotNet.Running.BenchmarkSwitcher.FromTypes([typeof(UnwindBenchmarks)]).RunAll();
        return 0;
    case "ui-sources":
        await UiSourcesScenario.RunAsync(args.Length > 1 ? int.Parse(args[1]) : 2000, args.Length > 2 ? int.Parse(args[2]) : 10);
        return 0;
    case "live-bytes":
        await LiveScenarios.BytesAsync(args.Length > 1 ? int.Parse(args[1]) : 3000, args.Length > 2 ? int.Parse(args[2]) : 30);
        return 0;
    case "live-latency":
        await LiveScenarios.LatencyAsync(args.Length > 1 ? int.Parse(args[1]) : 100);
        return 0;
    case "live-watchers":
        await LiveScenarios.WatchersAsync(args.Length > 1 ? int.Parse(args[1]) : 20, args.Length > 2 ? int.Parse(args[2]) : 4, 3000,
            TimeSpan.FromSeconds(args.Length > 3 ? int.Parse(args[3]) : 30), args.Length > 4 ? int.Parse(args[4]) : 1);
        return 0;
    case "all":
        SlotMemoryScenario.Run(reports: 1800, samplesPerReport: 200, uniqueStacks: 3000);
        await LatencyScenario.RunAsync(200);
        await IngestScenario.RunAsync([1, 8, 32], TimeSpan.FromSeconds(15));
        await OutageScenario.RunAsync(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(20), reportsPerSecond: 10);
        return 0;
    default:
        Console.Error.WriteLine("usage: OdigosUi.LoadTest ingest [seconds] | latency [rounds] | slot-memory | slot-flood [seconds] | outage [seconds down] [queue bytes] | profiler-overhead [seconds] [warm-up seconds] [baseline odigos-ui.dll] | profiler-slowdown [repetitions] [rounds] [warm-up seconds] | python-naming [seconds] [python] | unwind-fidelity [seconds] | runtime-naming [seconds] | symbolizer | readytorun | unwind | live-bytes [stacks] [reports] | live-latency [rounds] | live-watchers [watchers] [sources] [seconds] [reports/s per source] | ui-sources [workloads] [circuits] | all");
        return 2;
}
