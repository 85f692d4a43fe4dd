using System.Diagnostics;
using System.Text;
using OdigosUi.Profiler.Runtimes.Jvm;
using OdigosUi.TestSupport;

namespace OdigosUi.Profiler.Tests;

/// <summary>The HotSpot attach protocol, and attaching to real JVMs (as root) the way the perf map refresher does.</summary>
public sealed class JvmAttachTests
{
    private const string ThreadDump = "Full thread dump";

    [Fact]
    public void Parses_the_result_code_on_the_first_line_and_the_output_after_it()
    {
        Assert.True(HotSpotAttachReply.TryParse("0\n-XX:CICompilerCount=2 -XX:+PreserveFramePointer\n"u8, out var flags));
        Assert.Equal(new HotSpotAttachReply(0, "-XX:CICompilerCount=2 -XX:+PreserveFramePointer\n"), flags);
        Assert.True(HotSpotAttachReply.TryParse("0\n"u8, out var perfMap));
        Assert.Equal(new HotSpotAttachReply(0, ""), perfMap);
        Assert.True(HotSpotAttachReply.TryParse("-1\njava.lang.IllegalArgumentException: Unknown diagnostic command\n"u8, out var unknown));
        Assert.Equal(new HotSpotAttachReply(-1, "java.lang.IllegalArgumentException: Unknown diagnostic command\n"), unknown);
        Assert.False(HotSpotAttachReply.TryParse(""u8, out _));
        Assert.False(HotSpotAttachReply.TryParse("Connected\n"u8, out _));
    }

    [Fact]
    public void Sends_protocol_version_1_with_jcmd_and_the_command_line_as_the_first_of_three_arguments()
    {
        Assert.Equal("1\0jcmd\0Compiler.perfmap\0\0\0", Encoding.UTF8.GetString(HotSpotAttach.JcmdRequest("Compiler.perfmap")));
        Assert.Throws<ArgumentException>(() => HotSpotAttach.JcmdRequest(new string('x', 1025)));
    }

    [Fact]
    public void Reads_PreserveFramePointer_from_the_flags_vm_flags_prints()
    {
        Assert.True(JvmPerfMapRefresher.PreservesFramePointer("-XX:CICompilerCount=2 -XX:+PreserveFramePointer -XX:+UseG1GC\n"));
        Assert.False(JvmPerfMapRefresher.PreservesFramePointer("-XX:CICompilerCount=2 -XX:+UseG1GC\n"));
        Assert.False(JvmPerfMapRefresher.PreservesFramePointer("-XX:+PreserveFramePointer -XX:-PreserveFramePointer"));
    }

    [Fact]
    public async Task Runs_a_diagnostic_command_in_a_running_jvm_without_a_thread_dump_and_reports_a_failed_command_with_its_message()
    {
        await using var java = await HotJavaProcess.StartAsync([]);

        var version = await HotSpotAttach.ExecuteAsync(java.Pid, "VM.version");
        var failed = await Assert.ThrowsAsync<JvmAttachException>(() => HotSpotAttach.ExecuteAsync(java.Pid, "No.such.command"));

        Assert.Contains("OpenJDK", version);
        Assert.Equal(JvmAttachFailure.CommandFailed, failed.Reason);
        Assert.Contains("Unknown diagnostic command", failed.Message);
        Assert.False(File.Exists($"/tmp/.attach_pid{java.Pid}"));
        await Task.Delay(300);
        Assert.DoesNotContain(ThreadDump, java.Output);
    }

    [Fact]
    public async Task Reports_a_jvm_without_PreserveFramePointer_as_lacking_it_and_says_what_to_set()
    {
        await using var java = await HotJavaProcess.StartAsync([]);

        var refresh = await new JvmPerfMapRefresher().RefreshAsync(java.Pid);

        Assert.True(refresh.WroteMap, refresh.Error);
        Assert.False(refresh.PreserveFramePointer);
        Assert.Contains("JAVA_TOOL_OPTIONS=-XX:+PreserveFramePointer", refresh.Advice);
        Assert.Equal(File.ReadAllLines(java.PerfMapPath).Length, refresh.Lines);
        Assert.Contains(File.ReadAllLines(java.PerfMapPath), line => line.EndsWith(" Interpreter", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Attaches_to_a_jvm_that_is_pid_1_of_its_own_pid_and_mount_namespaces_with_a_private_tmp()
    {
        await using var java = await HotJavaProcess.StartAsync(["-XX:+PreserveFramePointer"], ownNamespaces: true);

        var refresh = await new JvmPerfMapRefresher().RefreshAsync(java.Pid);

        Assert.True(refresh.WroteMap, refresh.Error);
        Assert.True(refresh.PreserveFramePointer);
        Assert.Equal($"/proc/{java.Pid}/root/tmp/perf-1.map", java.PerfMapPath);
        Assert.Equal(File.ReadAllLines(java.PerfMapPath).Length, refresh.Lines);
        Assert.True(File.Exists($"/proc/{java.Pid}/root/tmp/.java_pid1"));
        Assert.False(File.Exists("/tmp/.java_pid1"));
        await Task.Delay(300);
        Assert.DoesNotContain(ThreadDump, java.Output);
    }

    [Fact]
    public async Task Asks_a_jvm_again_only_after_the_interval_and_never_signals_a_jvm_whose_listener_is_up()
    {
        await using var java = await HotJavaProcess.StartAsync(["-XX:+PreserveFramePointer"]);
        var refresher = new JvmPerfMapRefresher();

        var first = await refresher.RefreshAsync(java.Pid);
        File.Delete(java.PerfMapPath);
        var second = await refresher.RefreshAsync(java.Pid);
        var unbounded = new JvmPerfMapRefresher(minInterval: TimeSpan.Zero);
        var again = await unbounded.RefreshAsync(java.Pid);
        var andAgain = await unbounded.RefreshAsync(java.Pid);

        Assert.True(first.WroteMap && first.PreserveFramePointer == true, first.ToString());
        Assert.Equal(new JvmPerfMapRefresh(false, 0, true, null), second);
        Assert.True(again.WroteMap && andAgain.WroteMap, $"{again} {andAgain}");
        Assert.True(File.Exists(java.PerfMapPath));
        await Task.Delay(300);
        Assert.DoesNotContain(ThreadDump, java.Output);
    }

    [Fact]
    public async Task Fails_fast_on_a_process_that_is_not_a_jvm_and_leaves_it_running()
    {
        using var sleep = Process.Start("sleep", "30");
        try
        {
            var watch = Stopwatch.StartNew();
            var notJava = await Assert.ThrowsAsync<JvmAttachException>(() => HotSpotAttach.ExecuteAsync(sleep.Id, "Compiler.perfmap"));
            var gone = await Assert.ThrowsAsync<JvmAttachException>(() => HotSpotAttach.ExecuteAsync(int.MaxValue, "Compiler.perfmap"));

            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(1), $"{watch.Elapsed}");
            Assert.Equal(JvmAttachFailure.NotAJvm, notJava.Reason);
            Assert.Contains("not a HotSpot JVM", notJava.Message);
            Assert.Equal(JvmAttachFailure.NotAJvm, gone.Reason);
            Assert.False(sleep.HasExited);
        }
        finally
        {
            sleep.Kill();
        }
    }

    [Fact]
    public async Task Refuses_without_a_signal_a_jvm_whose_options_disable_attach()
    {
        await using var java = await HotJavaProcess.StartAsync(["-XX:+DisableAttachMechanism"]);

        var disabled = await Assert.ThrowsAsync<JvmAttachException>(() => HotSpotAttach.ExecuteAsync(java.Pid, "Compiler.perfmap"));

        Assert.Equal(JvmAttachFailure.AttachDisabled, disabled.Reason);
        Assert.Contains("-XX:+DisableAttachMechanism", disabled.Message);
        await Task.Delay(300);
        Assert.DoesNotContain(ThreadDump, java.Output);
    }

    [Fact]
    public async Task Times_out_within_its_bound_on_a_jvm_that_disables_attach_where_its_options_are_not_seen_and_is_not_asked_again()
    {
        using var directory = new TempDirectory();
        var argumentFile = Path.Combine(directory.Path, "jvm-options");
        File.WriteAllText(argumentFile, "-XX:+DisableAttachMechanism\n");
        await using var java = await HotJavaProcess.StartAsync(["@" + argumentFile]);
        var bound = TimeSpan.FromSeconds(2);
        var refresher = new JvmPerfMapRefresher(minInterval: TimeSpan.Zero, attachTimeout: bound);

        var watch = Stopwatch.StartNew();
        var timedOut = await refresher.RefreshAsync(java.Pid);
        var elapsed = watch.Elapsed;
        using var cancelled = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => HotSpotAttach.ExecuteAsync(java.Pid, "Compiler.perfmap", TimeSpan.FromSeconds(30), cancelled.Token));
        var cancelledAfter = watch.Elapsed - elapsed;
        await WaitUntilAsync(() => Count(java.Output, ThreadDump) == 2);
        var notAskedAgain = await refresher.RefreshAsync(java.Pid);

        Assert.Equal(JvmAttachFailure.TimedOut, timedOut.Failure);
        Assert.False(timedOut.WroteMap);
        Assert.Contains("DisableAttachMechanism", timedOut.Error);
        Assert.InRange(elapsed, bound, bound + TimeSpan.FromSeconds(1.5));
        // Cancelled 200 ms in, well before the 30 s timeout; 3 s allows a machine busy with every other suite (1.05 s seen).
        Assert.True(cancelledAfter < TimeSpan.FromSeconds(3), $"cancelled after {cancelledAfter}");
        Assert.Same(timedOut, notAskedAgain);
        await Task.Delay(300);
        Assert.Equal(2, Count(java.Output, ThreadDump));
        Assert.False(File.Exists($"/proc/{java.Pid}/cwd/.attach_pid{java.Pid}"));
    }

    private static int Count(string text, string part) => (text.Length - text.Replace(part, "", StringComparison.Ordinal).Length) / part.Length;

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!condition() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }
    }
}
