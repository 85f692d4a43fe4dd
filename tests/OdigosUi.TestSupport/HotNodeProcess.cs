using System.Diagnostics;

namespace OdigosUi.TestSupport;

/// <summary>
/// A Node.js script whose time is spent in <c>spin</c>, called by <c>caller</c> in a loop, started with the given node
/// flags and no NODE_OPTIONS. Disposing kills it and deletes its script folder and the perf map it left in /tmp.
/// </summary>
public sealed class HotNodeProcess : IDisposable
{
    public const string Spin = "spin";
    public const string Caller = "caller";

    private const string Script = """
        function spin(n) { let x = 0; for (let i = 0; i < n; i++) { x = (x * 31 + i) % 1000003; } return x; }
        function caller() { let t = 0; for (;;) { t += spin(200000); } }
        caller();
        """;

    private readonly Process _process;
    private readonly TempDirectory _directory;

    private HotNodeProcess(Process process, TempDirectory directory, string scriptPath)
    {
        _process = process;
        _directory = directory;
        ScriptPath = scriptPath;
    }

    public int Pid => _process.Id;

    public string ScriptPath { get; }

    /// <summary>
    /// Starts the script. With <c>--perf-basic-prof</c>, TurboFan would inline spin into caller (one frame, as any JIT's
    /// inlining gives): <paramref name="inlining"/> false passes <c>--no-turbo-inlining</c> so both keep frames.
    /// </summary>
    public static HotNodeProcess Start(IEnumerable<string> flags, bool inlining = false)
    {
        var directory = new TempDirectory("odigos-node-");
        var script = Path.Combine(directory.Path, "hot.js");
        File.WriteAllText(script, Script);
        // node writes an isolate-*-v8.log into its working directory with --interpreted-frames-native-stack: keep it in ours.
        var start = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = directory.Path };
        foreach (var flag in flags.Concat(inlining ? [] : ["--no-turbo-inlining"]))
        {
            start.ArgumentList.Add(flag);
        }

        start.ArgumentList.Add(script);
        start.Environment.Remove("NODE_OPTIONS");
        var process = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
        return new HotNodeProcess(process, directory, script);
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit();
        }

        File.Delete($"/tmp/perf-{_process.Id}.map");
        _process.Dispose();
        _directory.Dispose();
    }
}
