using System.IO.Compression;
using Google.Protobuf;
using OdigosUi.Tests.Infrastructure;
using OdigosUi.TestSupport;

namespace OdigosUi.Tests.Cli;

/// <summary><c>odigos-ui profiles ...</c> run as the real executable: exit codes and standard error.</summary>
public sealed class ProfilesCliProcessTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Missing_input_file_exits_1_with_one_line_naming_the_file()
    {
        using OdigosUiProcess cli = OdigosUiProcess.Start("profiles", "convert", "missing.pb", "--to", "folded");

        Assert.True(await cli.WaitForExitAsync(Timeout));

        Assert.Equal(1, cli.ExitCode);
        string line = Assert.Single(Lines(cli.StandardError));
        Assert.Equal("odigos-ui: input file not found: missing.pb", line);
        Assert.Empty(cli.StandardOutput);
    }

    [Fact]
    public async Task Unknown_output_format_exits_2_with_one_usage_line()
    {
        using OdigosUiProcess cli = OdigosUiProcess.Start("profiles", "convert", "missing.pb", "--to", "bogus");

        Assert.True(await cli.WaitForExitAsync(Timeout));

        Assert.Equal(2, cli.ExitCode);
        string line = Assert.Single(Lines(cli.StandardError));
        Assert.StartsWith("odigos-ui: unknown --to value 'bogus'", line, StringComparison.Ordinal);
        Assert.Empty(cli.StandardOutput);
    }

    [Fact]
    public async Task Converts_gzip_otlp_to_the_reference_folded_stacks_and_pprof_back()
    {
        var request = SyntheticPayloads.Small(21);
        var directory = Directory.CreateTempSubdirectory("odigos-ui-cli-");
        try
        {
            var input = Path.Combine(directory.FullName, "capture.otlp.gz");
            using (var file = File.Create(input))
            using (var gzip = new GZipStream(file, CompressionLevel.Fastest))
            {
                request.WriteTo(gzip);
            }

            using (OdigosUiProcess folded = OdigosUiProcess.Start("profiles", "convert", input, "--to", "folded"))
            {
                Assert.True(await folded.WaitForExitAsync(Timeout));
                Assert.Equal(0, folded.ExitCode);
                Assert.Equal(ReferenceFolded.Compute(request, "samples:count:cpu:nanoseconds"), folded.StandardOutput);
            }

            var pprof = Path.Combine(directory.FullName, "cpu.pb.gz");
            using (OdigosUiProcess toPprof = OdigosUiProcess.Start("profiles", "convert", input, "--to", "pprof", "-o", pprof))
            {
                Assert.True(await toPprof.WaitForExitAsync(Timeout));
                Assert.Equal(0, toPprof.ExitCode);
            }

            using OdigosUiProcess back = OdigosUiProcess.Start("profiles", "convert", pprof, "--to", "folded", "--profile-type", "samples:count:cpu:nanoseconds");
            Assert.True(await back.WaitForExitAsync(Timeout));
            Assert.Equal(0, back.ExitCode);
            Assert.Equal(ReferenceFolded.Compute(request, "samples:count:cpu:nanoseconds"), back.StandardOutput);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Malformed_input_exits_1_with_the_reason_on_one_line()
    {
        var path = Path.Combine(Path.GetTempPath(), $"odigos-ui-bad-{Guid.NewGuid():N}.pb");
        await File.WriteAllBytesAsync(path, [0x0a, 0x05, 0xff]);
        try
        {
            using OdigosUiProcess cli = OdigosUiProcess.Start("profiles", "convert", path, "--to", "flamebearer");
            Assert.True(await cli.WaitForExitAsync(Timeout));
            Assert.Equal(1, cli.ExitCode);
            var line = Assert.Single(Lines(cli.StandardError));
            Assert.StartsWith($"odigos-ui: {path}: ", line, StringComparison.Ordinal);
            Assert.Empty(cli.StandardOutput);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("random bytes", null)]
    [InlineData("text file", null)]
    [InlineData("empty file", "input is empty")]
    [InlineData("truncated gzip", "corrupt gzip data: truncated or damaged (the trailer's size does not match)")]
    public async Task A_file_that_is_not_a_profile_exits_1_with_one_line_naming_the_file(string kind, string? reason)
    {
        var path = Path.Combine(Path.GetTempPath(), $"odigos-ui-not-a-profile-{Guid.NewGuid():N}");
        await File.WriteAllBytesAsync(path, NotAProfile(kind));
        try
        {
            using OdigosUiProcess cli = OdigosUiProcess.Start("profiles", "convert", path, "--to", "folded");
            Assert.True(await cli.WaitForExitAsync(Timeout));

            Assert.Equal(1, cli.ExitCode);
            var line = Assert.Single(Lines(cli.StandardError));
            // The file's name in front shows the converter refused it; an unforeseen exception is reported without it.
            Assert.StartsWith($"odigos-ui: {path}: ", line, StringComparison.Ordinal);
            if (reason is not null)
            {
                Assert.Equal($"odigos-ui: {path}: {reason}", line);
            }

            Assert.Empty(cli.StandardOutput);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static byte[] NotAProfile(string kind)
    {
        switch (kind)
        {
            case "random bytes":
                var random = new byte[4096];
                new Random(12).NextBytes(random);
                return random;
            case "text file":
                return System.Text.Encoding.UTF8.GetBytes("This is a text file, not a profile.\nIt has two lines.\n");
            case "empty file":
                return [];
            case "truncated gzip":
                using (var buffer = new MemoryStream())
                {
                    using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
                    {
                        SyntheticPayloads.Small(5).WriteTo(gzip);
                    }

                    return buffer.ToArray()[..(int)(buffer.Length / 2)];
                }

            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, null);
        }
    }

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
}
