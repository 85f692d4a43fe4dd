using System.Diagnostics;
using System.Text;

namespace OdigosUi.Tests.Flame;

/// <summary>
/// The browser flame graph (wwwroot-assets/, TypeScript): its type check, its node unit tests and its browser tests
/// (Debian's Chromium driven by playwright-core against a fake hub speaking SignalR's MessagePack protocol) run as part
/// of <c>dotnet test</c>, and the bundle the app ships defines <c>window.OdigosFlame</c>. Node and Chromium are
/// required, never skipped.
/// </summary>
public sealed class FlameAssetsTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(5);

    [Fact]
    public void Typescript_type_check_passes()
    {
        var (exitCode, output) = Run("npm", "run typecheck");
        Assert.True(exitCode == 0, $"npm run typecheck exited {exitCode}:\n{output}");
    }

    [Fact]
    public void Node_unit_tests_pass()
    {
        var (exitCode, output) = Run("npm", "test");
        Assert.True(exitCode == 0, $"npm test exited {exitCode}:\n{output}");
        Assert.Matches(@"# pass [1-9]\d*", output);
        Assert.Contains("# fail 0", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Browser_tests_pass_in_chromium()
    {
        Assert.True(File.Exists("/usr/bin/chromium"), "/usr/bin/chromium is missing: apt-get install -y chromium (.ci/ensure-deps.sh)");
        var (exitCode, output) = Run("node", "wwwroot-assets/scripts/test.mjs browser-test");
        Assert.True(exitCode == 0, $"browser tests exited {exitCode}:\n{output}");
        Assert.Matches(@"# pass [1-9]\d*", output);
        Assert.Contains("# fail 0", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Built_bundle_defines_mount_and_mountStatic()
    {
        string bundle = Path.Combine(RepoRoot(), "src", "OdigosUi", "wwwroot", "js", "odigos-flame.js");
        Assert.True(File.Exists(bundle), $"{bundle} is missing: the OdigosUi build runs `npm run build` (src/OdigosUi/Assets.targets)");
        string script = "globalThis.window = globalThis; require(process.argv[1]); " +
                        "console.log(typeof window.OdigosFlame.mount, typeof window.OdigosFlame.mountStatic);";
        var (exitCode, output) = Run("node", $"-e \"{script}\" \"{bundle}\"");
        Assert.True(exitCode == 0, $"loading the bundle failed:\n{output}");
        Assert.Equal("function function", output.Trim());
    }

    private static (int ExitCode, string Output) Run(string fileName, string arguments)
    {
        var start = new ProcessStartInfo(fileName, arguments)
        {
            WorkingDirectory = RepoRoot(),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["NO_COLOR"] = "1";
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {fileName}");
        var output = new StringBuilder();
        var stdout = Task.Run(async () => output.Append(await process.StandardOutput.ReadToEndAsync()));
        var stderr = Task.Run(async () =>
        {
            string text = await process.StandardError.ReadToEndAsync();
            lock (output)
            {
                output.Append(text);
            }
        });
        if (!process.WaitForExit(Timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {arguments} ran longer than {Timeout}:\n{output}");
        }

        Task.WaitAll(stdout, stderr);
        return (process.ExitCode, output.ToString());
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "OdigosUi.sln")) && File.Exists(Path.Combine(dir.FullName, "package.json")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("the repository root (OdigosUi.sln, package.json) is not above the test binaries");
    }
}
