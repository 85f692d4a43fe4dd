using OdigosUi.Profiles.Aggregation;
using OdigosUi.Profiles.Formats;
using OdigosUi.Profiles.Formats.Flamebearer;
using OdigosUi.Profiles.Formats.Folded;
using OdigosUi.Profiles.Formats.Otlp;
using OdigosUi.Profiles.Formats.Pprof;
using OdigosUi.Profiles.Model;
using Google.Protobuf;

namespace OdigosUi.Profiles.Conversion;

/// <summary>Output formats of <see cref="ProfileConverter"/>.</summary>
public enum OutputFormat
{
    Folded,
    Pprof,
    Flamebearer,
    Otlp,
}

/// <summary>The converted bytes and the profile type they hold.</summary>
public sealed record ConversionResult(byte[] Output, string ProfileType, IReadOnlyList<string> AvailableProfileTypes);

/// <summary>Input that cannot be read or fails validation; the message is one line meant for a user.</summary>
public class ProfileFormatException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>Input refused for its size or for what it would build (see <see cref="Validation.ProfileLimits"/>): a 413 rather than a 400.</summary>
public sealed class ProfileTooLargeException(string message) : ProfileFormatException(message);

/// <summary>
/// Reads any supported profile payload, validates it, aggregates it and writes one profile type of it.
/// Folded, pprof and flamebearer output merge every resource; OTLP output keeps one resource per Source.
/// </summary>
public static class ProfileConverter
{
    public static ConversionResult Convert(ReadOnlyMemory<byte> input, OutputFormat format, string? profileType)
    {
        ProfileType? requested = null;
        if (profileType is not null)
        {
            if (!ProfileType.TryParse(profileType, out var parsed))
            {
                throw new ProfileFormatException($"--profile-type '{profileType}' is not of the form sampleType:sampleUnit:periodType:periodUnit");
            }

            requested = parsed;
        }

        var (requests, _) = ProfilePayloadReader.ReadAll(input);
        var aggregator = new ProfileAggregator(AggregationOptions.Default with { MergeSources = format != OutputFormat.Otlp });
        for (var i = 0; i < requests.Count; i++)
        {
            var batch = ProfileBatch.Create(requests[i]);
            if (!batch.Validation.IsValid)
            {
                var where = requests.Count > 1 ? $"line {i + 1}: " : "";
                throw new ProfileFormatException($"invalid profile: {where}{batch.Validation.Summary}");
            }

            aggregator.Add(batch, TimeNow());
        }

        var available = aggregator.ProfileTypes;
        var names = available.Select(type => type.ToString()).ToArray();
        var chosen = requested ?? ProfileType.PickDefault(available)
            ?? throw new ProfileFormatException("the input holds no profiles");
        if (!available.Contains(chosen))
        {
            throw new ProfileFormatException($"profile type '{chosen}' is not in the input; it has: {string.Join(", ", names)}");
        }

        var snapshots = aggregator.Snapshots(chosen, TimeWindow.All);
        var output = format switch
        {
            OutputFormat.Folded => FoldedWriter.Write(snapshots[0].Snapshot),
            OutputFormat.Pprof => PprofWriter.Write(snapshots[0].Snapshot),
            OutputFormat.Flamebearer => FlamebearerWriter.Write(snapshots[0].Snapshot),
            OutputFormat.Otlp => OtlpWriter.Write(snapshots, TimeNow()).ToByteArray(),
            _ => throw new ArgumentOutOfRangeException(nameof(format), format, null),
        };

        return new ConversionResult(output, chosen.ToString(), names);
    }

    private static long TimeNow() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000;
}
