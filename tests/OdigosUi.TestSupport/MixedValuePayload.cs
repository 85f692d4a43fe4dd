using OdigosUi.Profiles.Otlp.Collector;
using OdigosUi.Profiles.Otlp.Profiles;

namespace OdigosUi.TestSupport;

/// <summary>
/// One request shaped like real producers' profiles, whose totals only come out right when every value and every
/// timestamp is kept: a CPU profile in cpu/nanoseconds (one sample with two values paired with two timestamps), an
/// off-CPU profile off_cpu/nanoseconds without a period type (values [2,2,3,3] paired with 4 timestamps), and a
/// samples/count CPU profile with a timestamps-only sample.
/// </summary>
public static class MixedValuePayload
{
    public const string CpuNanosType = "cpu:nanoseconds:cpu:nanoseconds";
    public const string OffCpuType = "off_cpu:nanoseconds::";
    public const string SamplesType = "samples:count:cpu:nanoseconds";

    /// <summary>Folded text per profile type, as the design's sample value rule reads the request.</summary>
    public static IReadOnlyDictionary<string, string> ExpectedFolded { get; } = new Dictionary<string, string>
    {
        [CpuNanosType] = "main;idle 30000000\nmain;work 30000000\n",
        [OffCpuType] = "main;wait 10\n",
        [SamplesType] = "main;hot 5\nmain;warm 4\n",
    };

    /// <summary>The sum of every sample value per profile type.</summary>
    public static IReadOnlyDictionary<string, long> ExpectedTotals { get; } = new Dictionary<string, long>
    {
        [CpuNanosType] = 60_000_000,
        [OffCpuType] = 10,
        [SamplesType] = 9,
    };

    /// <summary>The totals in the order of the request's profiles.</summary>
    public static IReadOnlyList<long> TotalsInOrder => [ExpectedTotals[CpuNanosType], ExpectedTotals[OffCpuType], ExpectedTotals[SamplesType]];

    /// <param name="resourceAttributes">e.g. <c>service.name</c>.</param>
    /// <param name="startUnixNano">The profiles' time; timestamps follow it within the first second.</param>
    public static ExportProfilesServiceRequest Create(IReadOnlyDictionary<string, string> resourceAttributes, ulong startUnixNano)
    {
        var b = new OtlpRequestBuilder();
        var ms = 1_000_000UL;

        var cpu = b.Profile(resourceAttributes, sampleType: "cpu", sampleUnit: "nanoseconds", period: 10_000_000);
        Start(cpu, startUnixNano);
        OtlpRequestBuilder.AddSample(cpu, b.StackOf("work", "main"), 30_000_000);
        cpu.Samples.Add(new Sample { StackIndex = b.StackOf("idle", "main"), Values = { 10_000_000, 20_000_000 }, TimestampsUnixNano = { startUnixNano + ms, startUnixNano + 2 * ms } });

        var offCpu = b.Profile(resourceAttributes, sampleType: "off_cpu", sampleUnit: "nanoseconds", periodType: "", periodUnit: "", period: 0);
        offCpu.PeriodType = null;
        Start(offCpu, startUnixNano);
        offCpu.Samples.Add(new Sample
        {
            StackIndex = b.StackOf("wait", "main"),
            Values = { 2, 2, 3, 3 },
            TimestampsUnixNano = { startUnixNano + 3 * ms, startUnixNano + 4 * ms, startUnixNano + 5 * ms, startUnixNano + 6 * ms },
        });

        var samples = b.Profile(resourceAttributes);
        Start(samples, startUnixNano);
        OtlpRequestBuilder.AddTimestamps(samples, b.StackOf("hot", "main"), [.. Enumerable.Range(7, 5).Select(i => startUnixNano + (ulong)i * ms)]);
        OtlpRequestBuilder.AddSample(samples, b.StackOf("warm", "main"), 4);

        // One resource with its three profiles, as a profiler sends them.
        var resources = b.Request.ResourceProfiles;
        var first = resources[0].ScopeProfiles[0].Profiles;
        foreach (var other in resources.Skip(1).ToList())
        {
            first.AddRange(other.ScopeProfiles[0].Profiles);
            resources.Remove(other);
        }

        return b.Request;
    }

    private static void Start(Profile profile, ulong startUnixNano)
    {
        profile.TimeUnixNano = startUnixNano;
        profile.DurationNano = 1_000_000_000;
    }
}
