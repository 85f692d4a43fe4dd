using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace OdigosUi.Pipeline.Ingest;

/// <summary>Running totals of one <see cref="ProfilesIngestService"/>, across transports.</summary>
public sealed record IngestCounters(
    long Requests,
    long RequestsAccepted,
    long RequestsInvalid,
    long RequestsTooLarge,
    long RequestsSaturated,
    long RequestsUnavailable,
    long ProfilesAccepted,
    long ProfilesRejected,
    long SamplesAccepted,
    long Bytes);

/// <summary>
/// The receiver instruments on the <see cref="MeterName"/> meter, each tagged with <c>transport</c>
/// (<c>http</c>, <c>grpc</c>, ...); <see cref="Requests"/> is also tagged with <c>outcome</c> (the
/// <see cref="IngestStatus"/> in snake_case). OpenTelemetry .NET exports them with <c>AddMeter("OdigosUi.Pipeline")</c>.
/// </summary>
public sealed class IngestMetrics : IDisposable
{
    public const string MeterName = PipelineMetrics.MeterName;
    public const string Requests = "odigos_ui.receiver.requests";
    public const string RequestsSaturated = "odigos_ui.receiver.requests_saturated";
    public const string ProfilesAccepted = "odigos_ui.receiver.profiles_accepted";
    public const string ProfilesRejected = "odigos_ui.receiver.profiles_rejected";
    public const string SamplesAccepted = "odigos_ui.receiver.samples_accepted";
    public const string RequestBytes = "odigos_ui.receiver.request_bytes";
    public const string BytesInFlightName = "odigos_ui.receiver.bytes_in_flight";
    public const string TransportTag = "transport";
    public const string OutcomeTag = "outcome";

    private readonly Meter? _ownedMeter;
    private readonly Counter<long> _requests;
    private readonly Counter<long> _saturated;
    private readonly Counter<long> _profilesAccepted;
    private readonly Counter<long> _profilesRejected;
    private readonly Counter<long> _samplesAccepted;
    private readonly Counter<long> _bytes;
    private long _requestCount;
    private long _acceptedCount;
    private long _invalidCount;
    private long _tooLargeCount;
    private long _saturatedCount;
    private long _unavailableCount;
    private long _profilesAcceptedCount;
    private long _profilesRejectedCount;
    private long _samplesAcceptedCount;
    private long _bytesCount;

    /// <summary>Creates the instruments on the factory's meter, or on a meter of its own without a factory.</summary>
    public IngestMetrics(IMeterFactory? meterFactory = null, BytesInFlight? inFlight = null)
    {
        Meter meter;
        if (meterFactory is null)
        {
            meter = _ownedMeter = new Meter(MeterName);
        }
        else
        {
            meter = meterFactory.Create(MeterName);
        }

        Meter = meter;
        _requests = meter.CreateCounter<long>(Requests, "{request}", "OTLP profiles export requests received, by outcome.");
        _saturated = meter.CreateCounter<long>(RequestsSaturated, "{request}", "Export requests refused because the receiver or the pipeline was saturated.");
        _profilesAccepted = meter.CreateCounter<long>(ProfilesAccepted, "{profile}", "Profiles handed to the pipeline.");
        _profilesRejected = meter.CreateCounter<long>(ProfilesRejected, "{profile}", "Profiles dropped because they were invalid.");
        _samplesAccepted = meter.CreateCounter<long>(SamplesAccepted, "{sample}", "Samples of the profiles handed to the pipeline.");
        _bytes = meter.CreateCounter<long>(RequestBytes, "By", "Export request bytes received, as sent (compressed when gzip).");
        if (inFlight is not null)
        {
            meter.CreateObservableGauge(BytesInFlightName, () => inFlight.Used, "By", "Request bytes the receivers hold now, against Otlp:MaxBytesInFlight.");
        }
    }

    public Meter Meter { get; }

    public IngestCounters Snapshot() => new(
        Interlocked.Read(ref _requestCount),
        Interlocked.Read(ref _acceptedCount),
        Interlocked.Read(ref _invalidCount),
        Interlocked.Read(ref _tooLargeCount),
        Interlocked.Read(ref _saturatedCount),
        Interlocked.Read(ref _unavailableCount),
        Interlocked.Read(ref _profilesAcceptedCount),
        Interlocked.Read(ref _profilesRejectedCount),
        Interlocked.Read(ref _samplesAcceptedCount),
        Interlocked.Read(ref _bytesCount));

    internal void RecordBytes(string transport, long bytes)
    {
        if (bytes <= 0)
        {
            return;
        }

        Interlocked.Add(ref _bytesCount, bytes);
        _bytes.Add(bytes, new KeyValuePair<string, object?>(TransportTag, transport));
    }

    internal void Record(string transport, IngestResult result)
    {
        var transportTag = new KeyValuePair<string, object?>(TransportTag, transport);
        var tags = new TagList { transportTag, { OutcomeTag, OutcomeName(result.Status) } };
        Interlocked.Increment(ref _requestCount);
        _requests.Add(1, tags);
        switch (result.Status)
        {
            case IngestStatus.Accepted or IngestStatus.PartiallyAccepted:
                Interlocked.Increment(ref _acceptedCount);
                break;
            case IngestStatus.Invalid or IngestStatus.UnsupportedMediaType:
                Interlocked.Increment(ref _invalidCount);
                break;
            case IngestStatus.TooLarge:
                Interlocked.Increment(ref _tooLargeCount);
                break;
            case IngestStatus.Saturated:
                Interlocked.Increment(ref _saturatedCount);
                _saturated.Add(1, transportTag);
                break;
            case IngestStatus.Unavailable:
                Interlocked.Increment(ref _unavailableCount);
                break;
            case IngestStatus.TimedOut:
                Interlocked.Increment(ref _invalidCount);
                break;
        }

        if (result.AcceptedProfiles > 0)
        {
            Interlocked.Add(ref _profilesAcceptedCount, result.AcceptedProfiles);
            _profilesAccepted.Add(result.AcceptedProfiles, transportTag);
        }

        if (result.RejectedProfiles > 0)
        {
            Interlocked.Add(ref _profilesRejectedCount, result.RejectedProfiles);
            _profilesRejected.Add(result.RejectedProfiles, transportTag);
        }

        if (result.AcceptedSamples > 0)
        {
            Interlocked.Add(ref _samplesAcceptedCount, result.AcceptedSamples);
            _samplesAccepted.Add(result.AcceptedSamples, transportTag);
        }
    }

    public static string OutcomeName(IngestStatus status) => status switch
    {
        IngestStatus.Accepted => "accepted",
        IngestStatus.PartiallyAccepted => "partially_accepted",
        IngestStatus.Invalid => "invalid",
        IngestStatus.TooLarge => "too_large",
        IngestStatus.Saturated => "saturated",
        IngestStatus.UnsupportedMediaType => "unsupported_media_type",
        IngestStatus.Unavailable => "unavailable",
        IngestStatus.TimedOut => "timed_out",
        _ => "unknown",
    };

    public void Dispose() => _ownedMeter?.Dispose();
}
