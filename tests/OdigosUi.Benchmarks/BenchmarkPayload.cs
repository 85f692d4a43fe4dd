using Google.Protobuf;
using OdigosUi.Profiles.Aggregation;
using OdigosUi.Profiles.Otlp.Collector;
using OdigosUi.TestSupport;

namespace OdigosUi.Benchmarks;

/// <summary>The payload every benchmark works on: <see cref="SyntheticPayloads.Large"/> with its defaults, serialized once.</summary>
public static class BenchmarkPayload
{
    /// <summary>The "received" time given to the aggregator; the payload's samples carry their own times.</summary>
    public const long ReceivedUnixNano = (long)SyntheticPayloads.StartUnixNano + 61_000_000_000;

    private static readonly Lazy<byte[]> LazyBytes = new(() => SyntheticPayloads.Large().ToByteArray());

    private static readonly Lazy<(long Values, long Messages)> LazySamples = new(() =>
    {
        var request = ExportProfilesServiceRequest.Parser.ParseFrom(Bytes);
        long values = 0, messages = 0;
        foreach (var sample in request.ResourceProfiles.SelectMany(r => r.ScopeProfiles).SelectMany(s => s.Profiles).SelectMany(p => p.Samples))
        {
            values += sample.Values.Count > 0 ? sample.Values[0] : sample.TimestampsUnixNano.Count;
            messages++;
        }

        return (values, messages);
    });

    /// <summary>The serialized request (~780 KB).</summary>
    public static byte[] Bytes => LazyBytes.Value;

    /// <summary>Sum of sample values: the CPU samples the request stands for (400,000).</summary>
    public static long SampleValues => LazySamples.Value.Values;

    /// <summary>Number of OTLP <c>Sample</c> messages in the request.</summary>
    public static long SampleMessages => LazySamples.Value.Messages;

    /// <summary>decode + validate + aggregate, as a receiver does it.</summary>
    public static long Ingest(ProfileAggregator aggregator, byte[] bytes)
    {
        var request = ExportProfilesServiceRequest.Parser.ParseFrom(bytes);
        var batch = ProfileBatch.Create(request);
        return aggregator.Add(batch, ReceivedUnixNano);
    }
}
