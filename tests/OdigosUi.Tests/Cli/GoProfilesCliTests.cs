using System.Globalization;
using OdigosUi.Tests.Infrastructure;

namespace OdigosUi.Tests.Cli;

/// <summary>
/// Real Go profiles through <c>odigos-ui profiles convert</c>, checked against Go's own pprof tool: for each sample
/// type the same stacks with the same summed values (stacks that sum to 0 left out) and the same total, and our
/// pprof output read back by <c>go tool pprof</c> gives them again.
/// </summary>
public sealed class GoProfilesCliTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData("cpu", "samples:count:cpu:nanoseconds")]
    [InlineData("cpu", "cpu:nanoseconds:cpu:nanoseconds")]
    [InlineData("heap", "alloc_objects:count:space:bytes")]
    [InlineData("heap", "alloc_space:bytes:space:bytes")]
    [InlineData("heap", "inuse_objects:count:space:bytes")]
    [InlineData("heap", "inuse_space:bytes:space:bytes")]
    public async Task Folded_output_has_the_stacks_and_totals_go_pprof_reports(string program, string profileType)
    {
        var profile = GoProfilePrograms.Instance.Profile(program);
        var go = GoPprofRaw.Parse(GoToolchain.PprofRaw(profile));
        var sampleType = SampleTypeOf(profileType);
        Assert.True(go.Total(sampleType) > 0, $"the Go {program} profile has no {sampleType}");

        var folded = await ConvertAsync(profile, "folded", profileType);

        Assert.Equal(go.FoldedNonZero(sampleType), folded);
        Assert.Equal(go.Total(sampleType), FoldedTotal(folded));
    }

    [Fact]
    public void The_heap_profile_has_freed_stacks_whose_inuse_space_sums_to_zero()
    {
        var go = GoPprofRaw.Parse(GoToolchain.PprofRaw(GoProfilePrograms.Instance.HeapProfile));

        var zero = go.StacksWithZeroSum("inuse_space/bytes").ToList();

        Assert.Contains(zero, stack => stack.EndsWith("main.main;main.freeLater", StringComparison.Ordinal));
        Assert.Contains(zero, stack => stack.EndsWith("main.main;main.freeSmall", StringComparison.Ordinal));
        Assert.Contains("main.keepLive", go.FoldedNonZero("inuse_space/bytes"), StringComparison.Ordinal);
        Assert.Contains("main.freeLater", go.FoldedNonZero("alloc_space/bytes"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("cpu", "samples:count:cpu:nanoseconds")]
    [InlineData("cpu", "cpu:nanoseconds:cpu:nanoseconds")]
    [InlineData("heap", "alloc_objects:count:space:bytes")]
    [InlineData("heap", "alloc_space:bytes:space:bytes")]
    [InlineData("heap", "inuse_objects:count:space:bytes")]
    [InlineData("heap", "inuse_space:bytes:space:bytes")]
    public async Task Pprof_output_read_by_go_pprof_has_the_same_stacks_and_totals(string program, string profileType)
    {
        var profile = GoProfilePrograms.Instance.Profile(program);
        var sampleType = SampleTypeOf(profileType);
        var expected = GoPprofRaw.Parse(GoToolchain.PprofRaw(profile));
        var output = Path.Combine(GoProfilePrograms.Instance.Directory, $"{program}-{sampleType.Replace('/', '-')}-{Guid.NewGuid():N}.pb.gz");

        Assert.Equal("", await ConvertAsync(profile, "pprof", profileType, "-o", output));
        var ours = GoPprofRaw.Parse(GoToolchain.PprofRaw(output));

        Assert.Equal([sampleType], ours.SampleTypes);
        // Every stack ours holds, zero sums included: a zero-valued stack must not be written at all.
        Assert.Equal(expected.FoldedNonZero(sampleType), ours.Folded(sampleType));
        Assert.Equal(expected.Total(sampleType), ours.Total(sampleType));
    }

    private static long FoldedTotal(string folded) => folded
        .Split('\n', StringSplitOptions.RemoveEmptyEntries)
        .Sum(line => long.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));

    /// <summary>"alloc_space:bytes:space:bytes" is the column "alloc_space/bytes" of pprof -raw.</summary>
    private static string SampleTypeOf(string profileType)
    {
        var parts = profileType.Split(':');
        return $"{parts[0]}/{parts[1]}";
    }

    private static async Task<string> ConvertAsync(string input, string to, string profileType, params string[] more)
    {
        using OdigosUiProcess cli = OdigosUiProcess.Start(["profiles", "convert", input, "--to", to, "--profile-type", profileType, .. more]);
        Assert.True(await cli.WaitForExitAsync(Timeout), "odigos-ui profiles convert did not finish");
        Assert.True(cli.ExitCode == 0, $"odigos-ui profiles convert exited {cli.ExitCode}: {cli.StandardError}");
        return cli.StandardOutput;
    }
}
