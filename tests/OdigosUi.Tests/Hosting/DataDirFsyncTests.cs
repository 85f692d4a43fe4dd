using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using OdigosUi.Tests.Infrastructure;
using OdigosUi.TestSupport;

namespace OdigosUi.Tests.Hosting;

/// <summary>
/// The real executable under strace: after the rename that writes a Destination's file, its folder is opened with
/// O_DIRECTORY and fsynced, so the rename survives a power loss.
/// </summary>
public sealed partial class DataDirFsyncTests
{
    [Fact]
    public async Task Writing_a_Destination_renames_its_file_then_fsyncs_its_folder()
    {
        Assert.True(File.Exists("/usr/bin/strace"), "strace is missing: .ci/ensure-deps.sh installs it (apt-get install strace)");

        using var data = new TempDirectory("odigos-fsync-");
        string trace = Path.Combine(data.Path, "..", Path.GetFileName(data.Path) + ".strace");
        int port = FreePort.Next();
        var start = new ProcessStartInfo("/usr/bin/strace") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in (string[])["-f", "-qq", "-e", "trace=openat,fsync,rename,renameat,renameat2", "-o", trace, "dotnet", OdigosUiProcess.AppDllPath,
            .. TestArgs.With($"--Ui:Url=http://127.0.0.1:{port}", $"--Storage:DataDir={data.Path}")])
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        try
        {
            using var api = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(20) };
            var deadline = DateTime.UtcNow.AddSeconds(90);
            while (true)
            {
                Assert.False(process.HasExited, "odigos-ui under strace exited");
                try
                {
                    using var ready = await api.GetAsync("/readyz");
                    if (ready.StatusCode == HttpStatusCode.OK)
                    {
                        break;
                    }
                }
                catch (HttpRequestException)
                {
                }

                Assert.True(DateTime.UtcNow < deadline, "odigos-ui under strace did not become ready");
                await Task.Delay(200);
            }

            using var created = await api.PostAsJsonAsync("/api/destinations", new
            {
                type = "pyroscope",
                signals = new[] { "PROFILES" },
                disabled = true,
                fields = new Dictionary<string, string> { ["PYROSCOPE_URL"] = "127.0.0.1:9", ["PYROSCOPE_TLS_ENABLED"] = "false" },
            });
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        string folder = Path.Combine(data.Path, "resources", "destinations", "odigos-system");
        var lines = File.ReadAllLines(trace);
        File.Delete(trace);
        int rename = Array.FindIndex(lines, l => RenamePattern().IsMatch(l) && l.Contains(folder + "/odigos.io.dest.pyroscope-", StringComparison.Ordinal));
        Assert.True(rename >= 0, "no rename of the Destination's file in the trace");
        string pid = lines[rename].Split(' ', 2)[0];
        var open = lines.Skip(rename + 1).Select(l => OpenDirectoryPattern().Match(l)).FirstOrDefault(m => m.Success && m.Groups["pid"].Value == pid && m.Groups["path"].Value == folder);
        Assert.True(open is not null, $"the folder {folder} was not opened with O_DIRECTORY after the rename");
        Assert.Contains(lines.Skip(rename + 1), l => Regex.IsMatch(l, $@"^{pid}\s+fsync\({open.Groups["fd"].Value}\)\s+= 0"));
    }

    [GeneratedRegex(@"^\d+\s+rename(at2?)?\(")]
    private static partial Regex RenamePattern();

    [GeneratedRegex(@"^(?<pid>\d+)\s+openat\(AT_FDCWD, ""(?<path>[^""]+)"", (?<flags>[A-Z_|]*O_DIRECTORY[A-Z_|]*)\) = (?<fd>\d+)")]
    private static partial Regex OpenDirectoryPattern();
}
