using OdigosUi.Tests.Infrastructure;

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

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
}
