using System.Diagnostics;

namespace OdigosUi.Tests.Cli;

/// <summary>
/// Debian's <c>go</c> (golang-go, installed by <c>.ci/ensure-deps.sh</c>), run offline: no modules, no proxy, no
/// toolchain download, caches under the temp folder. Missing Go fails the test, it never skips it.
/// </summary>
internal static class GoToolchain
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    private static readonly string Root = Path.Combine(Path.GetTempPath(), "odigos-ui-go");

    /// <summary>Compiles the single-package program in <paramref name="sourceDirectory"/> to <paramref name="output"/>.</summary>
    public static void Build(string sourceDirectory, string output) =>
        Run(sourceDirectory, "go", "build", "-o", output, ".");

    /// <summary><c>go tool pprof -raw PROFILE</c>: every sample with all its values, and every location.</summary>
    public static string PprofRaw(string profile) => Run(Path.GetDirectoryName(profile)!, "go", "tool", "pprof", "-raw", profile);

    /// <summary>Runs <paramref name="program"/> in the Go environment and returns its standard output.</summary>
    public static string Run(string workingDirectory, string program, params string[] args)
    {
        ProcessStartInfo start = new(program == "go" ? GoPath() : program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["GO111MODULE"] = "off";
        start.Environment["GOFLAGS"] = "";
        start.Environment["GOPROXY"] = "off";
        start.Environment["GOTOOLCHAIN"] = "local";
        start.Environment["GOCACHE"] = Path.Combine(Root, "cache");
        start.Environment["GOPATH"] = Path.Combine(Root, "path");
        start.Environment["HOME"] = Root;
        Directory.CreateDirectory(Root);

        using Process process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start");
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(Timeout))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{program} {string.Join(' ', args)} did not finish in {Timeout.TotalSeconds} s");
        }

        Assert.True(process.ExitCode == 0, $"{program} {string.Join(' ', args)} exited {process.ExitCode}: {stderr.Result}");
        return stdout.Result;
    }

    private static string GoPath()
    {
        var path = (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, "go"))
            .FirstOrDefault(File.Exists);
        Assert.True(path is not null, "go is not on PATH: these tests need Debian's golang-go (as root, .ci/ensure-deps.sh installs it)");
        return path;
    }
}
