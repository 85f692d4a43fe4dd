using Google.Protobuf;
using OdigosUi.Profiles.Validation;
using OdigosUi.TestSupport;
using Xunit.Abstractions;

namespace OdigosUi.Profiles.Tests;

public sealed class SyntheticPayloadsTests(ITestOutputHelper output)
{
    [Fact]
    public void Large_payload_is_valid_realistic_and_about_800_KB()
    {
        var request = SyntheticPayloads.Large();
        var size = request.CalculateSize();
        var dictionary = request.Dictionary;
        var samples = request.ResourceProfiles
            .SelectMany(r => r.ScopeProfiles)
            .SelectMany(s => s.Profiles)
            .SelectMany(p => p.Samples)
            .ToList();
        var distinctStacks = samples
            .Select(s => string.Join(',', dictionary.StackTable[s.StackIndex].LocationIndices))
            .Distinct(StringComparer.Ordinal)
            .Count();
        output.WriteLine(
            $"Large: {size} bytes ({size / 1024.0:F0} KiB), {request.ResourceProfiles.Count} resource profiles, {samples.Count} samples, " +
            $"{distinctStacks} distinct stacks, {dictionary.LocationTable.Count} locations, {dictionary.FunctionTable.Count} functions, " +
            $"{dictionary.StringTable.Count} strings");

        var validation = ProfilesValidator.Validate(request);
        Assert.True(validation.IsValid, validation.Summary);
        Assert.Equal(20, request.ResourceProfiles.Count);
        Assert.All(request.ResourceProfiles, r => Assert.Single(Assert.Single(r.ScopeProfiles).Profiles));
        Assert.InRange(distinctStacks, 7_600, 8_000);
        Assert.Equal(400_000, samples.Sum(s => s.Values.Count > 0 ? s.Values[0] : s.TimestampsUnixNano.Count));
        Assert.InRange(size, 600 * 1024, 1000 * 1024);

        // The mix the benchmarks rely on: timestamp-only samples, address-only, inlined and kernel locations.
        Assert.Contains(samples, s => s.Values.Count == 0 && s.TimestampsUnixNano.Count > 0);
        Assert.Contains(samples, s => s.Values.Count == 1);
        Assert.Contains(dictionary.LocationTable.Skip(1), l => l.Lines.Count == 0 && l.MappingIndex != 0 && l.Address != 0);
        Assert.Contains(dictionary.LocationTable, l => l.Lines.Count == 2);
        Assert.Contains(dictionary.LocationTable, l => l.AttributeIndices.Any(a => dictionary.AttributeTable[a].Value.StringValue == "kernel"));
    }

    [Fact]
    public void Payloads_are_deterministic_per_seed()
    {
        Assert.Equal(SyntheticPayloads.Large().ToByteArray(), SyntheticPayloads.Large().ToByteArray());
        Assert.Equal(SyntheticPayloads.Small(7).ToByteArray(), SyntheticPayloads.Small(7).ToByteArray());
        Assert.NotEqual(SyntheticPayloads.Small(7).ToByteArray(), SyntheticPayloads.Small(8).ToByteArray());
    }

    [Fact]
    public void Small_payload_is_valid()
    {
        var request = SyntheticPayloads.Small(1);
        var validation = ProfilesValidator.Validate(request);
        Assert.True(validation.IsValid, validation.Summary);
        Assert.Equal(2, request.ResourceProfiles.Count);
        Assert.Equal(200, request.ResourceProfiles
            .SelectMany(r => r.ScopeProfiles[0].Profiles[0].Samples)
            .Sum(s => s.Values.Count > 0 ? s.Values[0] : s.TimestampsUnixNano.Count));
    }
}
