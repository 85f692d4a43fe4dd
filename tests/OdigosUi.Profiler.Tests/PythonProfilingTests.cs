using OdigosUi.Profiler.Runtimes;
using OdigosUi.Profiler.Runtimes.Python;
using OdigosUi.TestSupport;

namespace OdigosUi.Profiler.Tests;

/// <summary>Python functions named in the samples of CPython processes started with no flag, from their frame chains.</summary>
public sealed class PythonProfilingTests
{
    private const string ThreadsScript = """
        import sys
        import threading


        def spin(n):
            total = 0
            for i in range(n):
                total += i * i
            return total


        def caller():
            while True:
                spin(20000)


        def other(n):
            text = ""
            for i in range(n):
                text = str(i)
            return text


        def other_caller():
            while True:
                other(20000)


        print("ready", threading.get_native_id(), flush=True)
        sys.stdin.readline()
        worker = threading.Thread(target=other_caller, name="other-worker", daemon=True)
        worker.start()
        print(worker.native_id, flush=True)
        caller()
        """;

    [Theory]
    [MemberData(nameof(PythonBuilds.All), MemberType = typeof(PythonBuilds))]
    public async Task Samples_of_a_hot_python_loop_name_spin_called_by_caller_with_its_file_and_line(string python)
    {
        using var script = new PythonProcess(python, "hot_loop.py", PythonScripts.HotLoop);
        Assert.Equal("ready", await script.ReadyAsync());
        var body = script.BodyOf("spin");
        using var profiler = new NodeProfiler(new NodeProfilerOptions { SamplesPerSecond = 99, TargetPid = script.Pid, RuntimeNaming = RuntimeNamingMode.All });
        profiler.Start();
        int total = 0, named = 0;
        var misses = new List<string>();
        await ProfilerDriver.RunUntilAsync(profiler, TimeSpan.FromSeconds(40), request =>
        {
            if (ProfilerDriver.Process(request, script.Pid) is { } resource)
            {
                foreach (var (_, stack, count) in PythonSamples.Of(request, resource))
                {
                    total += count;
                    var at = PythonSamples.CallIndex(stack, "caller", "spin");
                    if (at >= 0 && stack[at].File.EndsWith("/hot_loop.py", StringComparison.Ordinal) && stack[at].Line >= body.First && stack[at].Line <= body.Last
                        && stack[at + 1].File == stack[at].File && stack.Any(f => f is { Type: "cpython", Name: "<module>" }))
                    {
                        named += count;
                    }
                    else if (misses.Count < 8)
                    {
                        misses.Add(PythonSamples.Folded(stack));
                    }
                }
            }

            return total >= 300;
        });

        var stats = profiler.Stats.Python;
        Assert.True(total >= 100, $"only {total} samples of {python}");
        Assert.True(named >= total * 0.8, $"{named} of {total} samples of {python} hold <module>;caller;spin (spin at lines {body.First}-{body.Last} of hot_loop.py); others:\n{string.Join('\n', misses)}");
        var process = Assert.Single(stats.Processes);
        Assert.Equal(PythonProcessStatus.FrameChain, process.Route);
        Assert.StartsWith(Path.GetFileName(python)[6..], process.Version, StringComparison.Ordinal);
        Assert.True(stats.SamplesMerged >= named, $"{stats.SamplesMerged} samples merged, {named} named");
        Assert.True(stats.BytesRead > 0);
        var naming = Assert.Single(profiler.Naming);
        Assert.Equal((ProcessRuntime.CPython, true), (naming.Runtime, naming.Named));
        Assert.StartsWith("frame chain read from memory (Python 3.", naming.Route, StringComparison.Ordinal);
    }

    private const string CallbackScript = """
        def key(x):
            total = 0
            for i in range(300):
                total += i
            return total - x


        def caller():
            data = list(range(2000))
            while True:
                sorted(data, key=key)


        print("ready", flush=True)
        caller()
        """;

    /// <summary>
    /// sorted() (C) calls key() back: two calls of the eval loop, each replaced by its own Python frames, with the C
    /// frames of sorted between key and caller and no eval loop frame left.
    /// </summary>
    [Theory]
    [MemberData(nameof(PythonBuilds.All), MemberType = typeof(PythonBuilds))]
    public async Task A_function_called_back_from_C_has_the_C_frames_between_it_and_its_python_caller(string python)
    {
        using var script = new PythonProcess(python, "callback.py", CallbackScript);
        Assert.Equal("ready", await script.ReadyAsync());
        using var profiler = new NodeProfiler(new NodeProfilerOptions { SamplesPerSecond = 99, TargetPid = script.Pid });
        profiler.Start();
        int inKey = 0, ordered = 0;
        var misses = new List<string>();
        await ProfilerDriver.RunUntilAsync(profiler, TimeSpan.FromSeconds(40), request =>
        {
            if (ProfilerDriver.Process(request, script.Pid) is { } resource)
            {
                foreach (var (_, stack, count) in PythonSamples.Of(request, resource))
                {
                    var key = stack.ToList().FindIndex(f => f is { Type: "cpython", Name: "key" });
                    if (key < 0)
                    {
                        continue;
                    }

                    inKey += count;
                    var caller = stack.ToList().FindIndex(f => f is { Type: "cpython", Name: "caller" });
                    if (caller > key + 1 && stack.Skip(key + 1).Take(caller - key - 1).All(f => f.Type == "native")
                        && stack.Skip(caller + 1).Any(f => f is { Type: "cpython", Name: "<module>" }) && !stack.Any(f => f.Name.StartsWith("_PyEval_EvalFrameDefault", StringComparison.Ordinal)))
                    {
                        ordered += count;
                    }
                    else if (misses.Count < 8)
                    {
                        misses.Add(PythonSamples.Folded(stack));
                    }
                }
            }

            return inKey >= 300;
        });

        Assert.True(inKey >= 100, $"only {inKey} samples in key");
        Assert.True(ordered >= inKey * 0.8, $"{ordered} of {inKey} samples in key hold <module>;caller;<C frames of sorted>;key and no eval loop frame; others:\n{string.Join('\n', misses)}");
    }

    [Theory]
    [MemberData(nameof(PythonBuilds.All), MemberType = typeof(PythonBuilds))]
    public async Task Each_thread_names_the_function_it_runs(string python)
    {
        using var script = new PythonProcess(python, "two_threads.py", ThreadsScript);
        var ready = (await script.ReadyAsync()).Split(' ');
        Assert.Equal("ready", ready[0]);
        var mainTid = long.Parse(ready[1]);

        // A profiler of one process samples the threads it starts later (perf's inherit), not those running before.
        using var profiler = new NodeProfiler(new NodeProfilerOptions { SamplesPerSecond = 99, TargetPid = script.Pid });
        profiler.Start();
        script.Tell("start the worker");
        var workerTid = long.Parse(await script.ReadyAsync());
        var total = new Dictionary<long, int> { [mainTid] = 0, [workerTid] = 0 };
        var named = new Dictionary<long, int> { [mainTid] = 0, [workerTid] = 0 };
        var misses = new List<string>();
        await ProfilerDriver.RunUntilAsync(profiler, TimeSpan.FromSeconds(40), request =>
        {
            if (ProfilerDriver.Process(request, script.Pid) is { } resource)
            {
                foreach (var (tid, stack, count) in PythonSamples.Of(request, resource))
                {
                    if (!total.ContainsKey(tid))
                    {
                        continue;
                    }

                    total[tid] += count;
                    var (caller, callee, stranger) = tid == mainTid ? ("caller", "spin", "other") : ("other_caller", "other", "spin");
                    if (PythonSamples.CallIndex(stack, caller, callee) >= 0 && !stack.Any(f => f.Name == stranger))
                    {
                        named[tid] += count;
                    }
                    else if (misses.Count < 8)
                    {
                        misses.Add($"{tid}: {PythonSamples.Folded(stack)}");
                    }
                }
            }

            return total.Values.All(n => n >= 100);
        });

        foreach (var (tid, function) in new[] { (mainTid, "spin"), (workerTid, "other") })
        {
            Assert.True(total[tid] >= 30, $"only {total[tid]} samples of thread {tid} ({function})");
            Assert.True(named[tid] >= total[tid] * 0.8, $"{named[tid]} of {total[tid]} samples of thread {tid} name {function} (and not the other thread's function); others:\n{string.Join('\n', misses)}");
        }
    }

    [Theory]
    [MemberData(nameof(PythonBuilds.All), MemberType = typeof(PythonBuilds))]
    public async Task Reading_a_process_that_exited_returns_no_frames_without_throwing(string python)
    {
        using var script = new PythonProcess(python, "hot_loop.py", PythonScripts.HotLoop);
        Assert.Equal("ready", await script.ReadyAsync());
        var symbols = new Symbolization.ProcessSymbols(script.Pid);
        _ = symbols.FindMapping(0);
        var interpreter = PythonInterpreter.Find(symbols, new Symbolization.ElfCache(), new ProcessMemory(script.Pid), out var reason, out _);
        Assert.True(interpreter is not null, reason);
        var reader = new PythonStackReader(interpreter, new ProcessMemory(script.Pid));
        var frames = new List<PythonFrame>();
        Assert.Equal(PythonReadResult.Frames, reader.Read(script.Pid, frames));
        Assert.Contains(frames, f => f.Frame.FunctionName == "caller");

        script.Kill();
        var started = Environment.TickCount64;
        for (var i = 0; i < 100; i++)
        {
            Assert.NotEqual(PythonReadResult.Frames, reader.Read(script.Pid, frames));
            Assert.Empty(frames);
        }

        Assert.True(Environment.TickCount64 - started < 2000, "100 reads of an exited process took over 2 s");
    }
}
