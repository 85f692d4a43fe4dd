using System.Text;
using OdigosUi.Cli;

namespace OdigosUi.Tests.Cli;

/// <summary>The <c>profiles</c> command line run in process: parsing, usage errors and input errors.</summary>
public sealed class ProfilesCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("odigos-ui-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData(true, "profiles")]
    [InlineData(true, "profiles", "convert")]
    [InlineData(false)]
    [InlineData(false, "--Role=node")]
    [InlineData(false, "--Ui:Url=http://127.0.0.1:0", "profiles")]
    public void Handles_only_arguments_that_start_with_profiles(bool expected, params string[] args)
        => Assert.Equal(expected, ProfilesCli.Handles(args));

    [Fact]
    public void Missing_input_file_is_an_input_error_naming_the_file()
    {
        string missing = Path.Combine(_dir, "missing.pb");

        CliRun run = CliRun.Invoke("profiles", "convert", missing, "--to", "folded");

        Assert.Equal(1, run.ExitCode);
        Assert.Equal($"odigos-ui: input file not found: {missing}", run.SingleErrorLine());
        Assert.Empty(run.Output);
    }

    [Fact]
    public void Directory_as_input_is_an_input_error()
    {
        CliRun run = CliRun.Invoke("profiles", "convert", _dir, "--to", "pprof");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("is a directory", run.SingleErrorLine(), StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_output_format_is_a_usage_error_listing_the_formats()
    {
        CliRun run = CliRun.Invoke("profiles", "convert", "missing.pb", "--to", "bogus");

        Assert.Equal(2, run.ExitCode);
        string line = run.SingleErrorLine();
        Assert.StartsWith("odigos-ui: ", line, StringComparison.Ordinal);
        Assert.Contains("'bogus'", line, StringComparison.Ordinal);
        Assert.Contains("folded, pprof, flamebearer, otlp", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("FOLDED")]
    [InlineData("Flamebearer")]
    public void Output_format_names_are_case_insensitive(string name)
    {
        // The input is missing, so a recognised format gets as far as reading it (exit 1, not 2).
        CliRun run = CliRun.Invoke("profiles", "convert", Path.Combine(_dir, "none.pb"), "--to", name);
        Assert.Equal(1, run.ExitCode);
    }

    [Theory]
    [InlineData("profiles", "convert", "in.pb")] // --to missing
    [InlineData("profiles", "convert", "--to", "folded")] // INPUT missing
    [InlineData("profiles")] // no subcommand
    [InlineData("profiles", "frobnicate")] // unknown subcommand
    [InlineData("profiles", "convert", "in.pb", "--to", "folded", "--bogus")] // unknown option
    public void Command_line_mistakes_are_usage_errors_on_one_line(params string[] args)
    {
        CliRun run = CliRun.Invoke(args);

        Assert.Equal(2, run.ExitCode);
        Assert.StartsWith("odigos-ui: ", run.SingleErrorLine(), StringComparison.Ordinal);
    }

    [Fact]
    public void Help_describes_convert_and_succeeds()
    {
        CliRun run = CliRun.Invoke("profiles", "convert", "--help");

        Assert.Equal(0, run.ExitCode);
        string help = Encoding.UTF8.GetString(run.Output);
        Assert.Contains("--to", help, StringComparison.Ordinal);
        Assert.Contains("folded|pprof|flamebearer|otlp", help, StringComparison.Ordinal);
        Assert.Contains("--profile-type", help, StringComparison.Ordinal);
        Assert.Contains("-o", help, StringComparison.Ordinal);
    }

    private sealed record CliRun(int ExitCode, byte[] Output, string Error)
    {
        public static CliRun Invoke(params string[] args) => InvokeWithInput([], args);

        public static CliRun InvokeWithInput(byte[] input, params string[] args)
        {
            using MemoryStream stdin = new(input);
            using MemoryStream stdout = new();
            using StringWriter stderr = new();
            int exitCode = ProfilesCli.Run(args, new CliStreams(stdin, stdout, stderr));
            return new CliRun(exitCode, stdout.ToArray(), stderr.ToString());
        }

        public string SingleErrorLine() =>
            Assert.Single(Error.Split('\n', StringSplitOptions.RemoveEmptyEntries)).TrimEnd('\r');
    }
}
