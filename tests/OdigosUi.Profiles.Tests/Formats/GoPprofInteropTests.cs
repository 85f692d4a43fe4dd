using System.Diagnostics;
using System.Globalization;
using System.Text;
using Google.Protobuf;
using OdigosUi.Profiles.Conversion;
using OdigosUi.TestSupport;

namespace OdigosUi.Profiles.Tests.Formats;

/// <summary>Our pprof output read by Go's own pprof tool (golang-go, installed by the test command).</summary>
public class GoPprofInteropTests
{
    [Fact]
    public void Go_pprof_reads_the_same_stacks_and_totals()
    {
        var request = SyntheticPayloads.Small(11);
        var expected = ReferenceFolded.Compute(request, "samples:count:cpu:nanoseconds");
        var path = Path.Combine(Path.GetTempPath(), $"odigos-ui-{Guid.NewGuid():N}.pb.gz");
        File.WriteAllBytes(path, ProfileConverter.Convert(request.ToByteArray(), OutputFormat.Pprof, null).Output);
        try
        {
            var traces = RunGoPprof("-traces", path);
            Assert.Equal(expected, FoldedFromTraces(traces));
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>Parses <c>go tool pprof -traces</c>: blocks separated by dashes, the value on the leaf line, callers below.</summary>
    private static string FoldedFromTraces(string output)
    {
        var sums = new Dictionary<string, long>(StringComparer.Ordinal);
        var frames = new List<string>();
        long value = 0;
        void Flush()
        {
            if (frames.Count > 0)
            {
                frames.Reverse();
                var key = string.Join(";", frames);
                sums[key] = sums.GetValueOrDefault(key) + value;
            }

            frames.Clear();
        }

        var started = false;
        foreach (var raw in output.Split('\n'))
        {
            if (raw.StartsWith("-----------+", StringComparison.Ordinal))
            {
                Flush();
                started = true;
                continue;
            }

            if (!started || raw.Length < 13)
            {
                continue;
            }

            var left = raw[..11].Trim();
            if (left.Length > 0)
            {
                value = long.Parse(left, CultureInfo.InvariantCulture);
            }

            frames.Add(raw[13..]);
        }

        Flush();
        return ReferenceFolded.Format(sums);
    }

    private static string RunGoPprof(params string[] args)
    {
        var start = new ProcessStartInfo("go") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("tool");
        start.ArgumentList.Add("pprof");
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["HOME"] = Path.GetTempPath();
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start go");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(60_000), "go tool pprof did not finish in 60 s");
        Assert.True(process.ExitCode == 0, $"go tool pprof failed: {stderr.Result}");
        return stdout.Result;
    }
}
