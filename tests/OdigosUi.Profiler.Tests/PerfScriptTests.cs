using OdigosUi.TestSupport;

namespace OdigosUi.Profiler.Tests;

public sealed class PerfScriptTests
{
    [Fact]
    public void Reads_the_samples_of_one_pid_from_perf_script_output_whatever_the_width_of_the_pid()
    {
        const string text = "  453 \n\t            11bb hot_loop\n\t            13c9 main\n\n27047 \n\t            122c warm_loop\n\n  453 \n\t            122c warm_loop\n\t            13ce main\n\t ffffffff [unknown]\n";

        var samples = PerfRecord.ParseScript(text, 453);

        Assert.Equal(2, samples.Count);
        Assert.Equal(["hot_loop", "main"], samples[0]);
        Assert.Equal(["warm_loop", "main", "[unknown]"], samples[1]);
        Assert.Single(PerfRecord.ParseScript(text, 27047));
    }
}
