using OdigosUi.Profiler.Processes;

namespace OdigosUi.Profiler.Tests;

public sealed class ProcessTableTests
{
    [Fact]
    public void An_exited_process_is_dropped_at_the_end_of_the_pass_after_the_one_that_saw_it_exit()
    {
        var table = new ProcessTable();
        var state = table.Get(100, 1_000);

        table.Exited(100, 2_000);
        Assert.Same(state, table.Get(100, 1_500));
        table.EndPass();
        Assert.True(table.Contains(100));

        // A sample taken before the exit, found in another CPU's buffer during the next pass, still gets the state.
        Assert.Same(state, table.Get(100, 1_900));
        table.EndPass();
        Assert.False(table.Contains(100));
        Assert.Equal(0, table.Count);
    }

    [Fact]
    public void Samples_before_an_exec_belong_to_the_old_program_and_later_ones_to_a_fresh_state()
    {
        var table = new ProcessTable();
        var shell = table.Get(200, 1_000);

        table.Execed(200, 5_000);
        var program = table.Get(200, 6_000);

        Assert.NotSame(shell, program);
        Assert.Equal(5_000UL, program.StartMonotonicNs);
        Assert.Same(shell, table.Get(200, 4_000));
        table.EndPass();
        table.EndPass();
        Assert.Same(program, table.Get(200, 4_000));
        Assert.True(table.Contains(200));
    }

    [Fact]
    public void Samples_on_the_way_out_belong_to_the_exited_process_and_after_the_drop_the_pid_starts_fresh()
    {
        var table = new ProcessTable();
        var first = table.Get(300, 1_000);
        table.ThreadNamed(300, 301, "worker");
        Assert.Equal("worker", first.ThreadName(301));
        table.ThreadExited(300, 301);
        Assert.Equal(0, first.ThreadCount);

        table.Exited(300, 2_000);
        Assert.Same(first, table.Get(300, 2_100));
        table.EndPass();
        table.EndPass();

        var second = table.Get(300, 9_000);
        Assert.NotSame(first, second);
        Assert.Null(second.EndMonotonicNs);
    }

    [Fact]
    public void Sweep_drops_processes_whose_exit_was_never_reported()
    {
        var table = new ProcessTable();
        table.Get(400, 1);
        table.Get(401, 1);

        Assert.Equal(1, table.Sweep(pid => pid == 401));
        Assert.False(table.Contains(400));
        Assert.True(table.Contains(401));
    }
}
