using OdigosUi.Profiler.Sampling;

namespace OdigosUi.Profiler.Tests;

public sealed class PerfEventSamplerTests
{
    [Fact]
    public void Reads_well_formed_records_from_a_one_page_ring_buffer_that_wraps_and_overflows()
    {
        var cpus = OnlineCpus.Read().ToHashSet();
        using var sampler = PerfEventSampler.Start(new PerfSamplerOptions(SamplesPerSecond: 499, DataPagesPerCpu: 1));
        Assert.Equal(cpus.Count, sampler.CpuCount);

        var lastTimeByCpu = new Dictionary<int, ulong>();
        var malformed = new List<string>();
        long read = 0;
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(1);
        while (DateTime.UtcNow < until)
        {
            Burn(TimeSpan.FromMilliseconds(30));
            read += sampler.ReadSamples((in PerfSample sample) =>
            {
                // The kernel reports pid/tid -1 for a task that is exiting.
                if (!cpus.Contains(sample.Cpu) || sample.Pid < -1 || sample.Tid < -1
                    || (!sample.Callchain.IsEmpty && sample.Callchain[0] < Callchain.ContextMax))
                {
                    malformed.Add($"pid {sample.Pid} tid {sample.Tid} cpu {sample.Cpu} chain {sample.Callchain.Length}");
                }

                if (lastTimeByCpu.TryGetValue(sample.Cpu, out var last) && sample.TimeMonotonicNs < last)
                {
                    malformed.Add($"time went back on cpu {sample.Cpu}");
                }

                lastTimeByCpu[sample.Cpu] = sample.TimeMonotonicNs;
            });
        }

        Assert.Empty(malformed);
        Assert.True(read > 0);
        Assert.Equal(read, sampler.SampleCount);
        Assert.True(sampler.LostCount >= 0);
    }

    [Fact]
    public void Explains_why_a_target_process_cannot_be_profiled()
    {
        var error = Assert.Throws<ProfilerUnavailableException>(() => PerfEventSampler.Start(new PerfSamplerOptions(TargetPid: int.MaxValue)));

        Assert.Contains("ESRCH", error.Message);
        Assert.Contains(int.MaxValue.ToString(), error.Message);
    }

    private static void Burn(TimeSpan duration)
    {
        var until = DateTime.UtcNow + duration;
        var x = 0UL;
        while (DateTime.UtcNow < until)
        {
            x = x * 31 + 7;
        }

        GC.KeepAlive(x);
    }
}
