using System.Diagnostics;
using OdigosUi.TestSupport;

namespace OdigosUi.Profiler.Tests;

/// <summary>The real profiler (as root) follows processes through the kernel's exit and exec records.</summary>
public sealed class ProcessLifecycleTests
{
    [Fact]
    public async Task A_process_that_exits_drops_its_state_within_two_drain_passes_without_waiting_for_the_proc_sweep()
    {
        using var profiler = new NodeProfiler(new NodeProfilerOptions { SamplesPerSecond = 199, DataPagesPerCpu = 512 });
        profiler.Start();
        using var child = Process.Start(new ProcessStartInfo(NativeTestProgram.Instance.Path, "120") { RedirectStandardOutput = true })!;
        var pid = child.Id;
        try
        {
            // Its first samples may still be of the forked test host: wait for frames of the program itself (a loaded
            // machine may give it little CPU, hence the generous limit).
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            while (profiler.Processes.Find(pid)?.Info.ExecutableName != "hot" || profiler.Processes.Find(pid)!.Symbols.CachedFrames == 0)
            {
                Assert.True(DateTime.UtcNow < deadline, $"no resolved sample of the program (pid {pid}) within 60 s: {profiler.Processes.Find(pid)?.Info.ExecutableName} with {profiler.Processes.Find(pid)?.Symbols.CachedFrames} frames; {profiler.Stats}");
                await Task.Delay(50);
                profiler.Collect();
            }
        }
        finally
        {
            child.Kill();
            await child.WaitForExitAsync();
        }

        profiler.Collect();
        profiler.Collect();

        // No TakeRequest, so the /proc sweep never ran: only the exit record can have dropped it.
        Assert.False(profiler.Processes.Contains(pid), $"pid {pid} still tracked after it exited");
    }

    [Fact]
    public async Task After_an_exec_the_same_pid_is_reported_as_the_new_program()
    {
        using var profiler = new NodeProfiler(new NodeProfilerOptions { SamplesPerSecond = 499, DataPagesPerCpu = 512 });
        profiler.Start();

        // bash keeps a core busy for a while itself, then becomes the C program under the same pid.
        var script = $"i=0; while [ $i -lt 150000 ]; do i=$((i+1)); done; exec {NativeTestProgram.Instance.Path} 30";
        using var child = Process.Start(new ProcessStartInfo("bash", ["-c", script]) { RedirectStandardOutput = true })!;
        try
        {
            var names = new List<string>();
            var hotLoopAsHot = await ProfilerDriver.RunUntilAsync(profiler, TimeSpan.FromSeconds(60), request =>
            {
                if (ProfilerDriver.Process(request, child.Id) is not { } resource)
                {
                    return false;
                }

                var name = ProfilerDriver.Attribute(resource, "process.executable.name");
                names.Add(name);
                return name == "hot" && ProfilerDriver.Stacks(request, resource).Any(s => ProfilerDriver.Calls(s, "main", "hot_loop"));
            });

            Assert.Contains("bash", names);
            Assert.True(hotLoopAsHot, $"pid {child.Id} reported as: {string.Join(", ", names)}; {profiler.Stats}");
        }
        finally
        {
            child.Kill();
            await child.WaitForExitAsync();
        }
    }
}
