using OdigosUi.Profiles.Otlp.Collector;
using OdigosUi.TestSupport;

namespace OdigosUi.LoadTest;

/// <summary>
/// A stream of profiler reports for one service as a real profiler would send it: a fixed population of stacks
/// (taken from a realistic synthetic payload) sampled with a skewed (Zipf-like) popularity, one request per report.
/// </summary>
public sealed class StackPopulation
{
    private readonly string[][] _leafFirst;
    private readonly double[] _cumulative;

    public StackPopulation(int uniqueStacks, int seed)
    {
        var request = SyntheticPayloads.Large(services: 1, uniqueStacks: uniqueStacks, totalSamples: uniqueStacks * 4L, seed: seed);
        var folded = ReferenceFolded.Compute(request, "samples:count:cpu:nanoseconds");
        _leafFirst = [.. folded.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line[..line.LastIndexOf(' ')].Split(';').Reverse().ToArray())];
        var weights = Enumerable.Range(1, _leafFirst.Length).Select(rank => 1.0 / rank).ToArray();
        var random = new Random(seed);
        random.Shuffle(weights);
        var total = weights.Sum();
        _cumulative = new double[weights.Length];
        double running = 0;
        for (var i = 0; i < weights.Length; i++)
        {
            running += weights[i] / total;
            _cumulative[i] = running;
        }
    }

    public int Count => _leafFirst.Length;

    /// <summary>One report of <paramref name="samples"/> samples for <paramref name="service"/>, each sample its own timestamp.</summary>
    public ExportProfilesServiceRequest Report(string service, int samples, Random random, ulong startUnixNano, string? markerFrame = null)
    {
        var builder = new OtlpRequestBuilder();
        var profile = builder.Profile(new Dictionary<string, string> { ["service.name"] = service });
        profile.TimeUnixNano = startUnixNano;
        var stacks = new Dictionary<int, int>();
        for (var i = 0; i < samples; i++)
        {
            var pick = Array.BinarySearch(_cumulative, random.NextDouble());
            pick = Math.Min(pick < 0 ? ~pick : pick, _leafFirst.Length - 1);
            if (!stacks.TryGetValue(pick, out var stack))
            {
                stack = builder.StackOf(_leafFirst[pick]);
                stacks.Add(pick, stack);
            }

            OtlpRequestBuilder.AddTimestamps(profile, stack, startUnixNano + ((ulong)i * 1_000_000));
        }

        if (markerFrame is not null)
        {
            OtlpRequestBuilder.AddSample(profile, builder.StackOf(markerFrame, "main"), 1);
        }

        return builder.Request;
    }
}
