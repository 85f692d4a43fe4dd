using OdigosUi.Profiles.Otlp.Profiles;

namespace OdigosUi.TestSupport;

/// <summary>What a profile totals as the spec reads it, computed here so tests do not lean on the code under test.</summary>
public static class WireTotals
{
    /// <summary>The sum of <c>values</c>, or the number of timestamps when a sample has no values.</summary>
    public static long Sample(Sample sample) => sample.Values.Count > 0 ? sample.Values.Sum() : sample.TimestampsUnixNano.Count;

    public static long Total(Profile profile) => profile.Samples.Sum(Sample);

    /// <summary>Every timestamp of the profile, in order.</summary>
    public static IReadOnlyList<ulong> Timestamps(Profile profile) => [.. profile.Samples.SelectMany(s => s.TimestampsUnixNano)];
}
