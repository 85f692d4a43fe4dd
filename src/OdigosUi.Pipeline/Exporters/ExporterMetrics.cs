using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace OdigosUi.Pipeline.Exporters;

/// <summary>
/// The exporters' instruments on the Meter <c>OdigosUi.Pipeline</c>, tagged <c>destination.id</c> and
/// <c>destination.type</c>: counters <c>odigos_ui.exporter.sent_requests</c>, <c>odigos_ui.exporter.sent_bytes</c>,
/// <c>odigos_ui.exporter.retried_requests</c>, <c>odigos_ui.exporter.dropped_requests</c>,
/// <c>odigos_ui.exporter.loop_restarts</c> and the observable gauge
/// <c>odigos_ui.exporter.queue_bytes</c>.
/// </summary>
public sealed class ExporterMetrics : IDisposable
{
    public const string MeterName = PipelineMetrics.MeterName;
    public const string SentRequestsName = "odigos_ui.exporter.sent_requests";
    public const string SentBytesName = "odigos_ui.exporter.sent_bytes";
    public const string RetriedRequestsName = "odigos_ui.exporter.retried_requests";
    public const string DroppedRequestsName = "odigos_ui.exporter.dropped_requests";
    public const string QueueBytesName = "odigos_ui.exporter.queue_bytes";
    public const string LoopRestartsName = "odigos_ui.exporter.loop_restarts";
    public const string DestinationIdTag = "destination.id";
    public const string DestinationTypeTag = "destination.type";

    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private readonly Counter<long> _sentRequests;
    private readonly Counter<long> _sentBytes;
    private readonly Counter<long> _retried;
    private readonly Counter<long> _dropped;
    private readonly Counter<long> _restarts;

    /// <param name="meterFactory">The host's factory; a Meter of this instance's own when null (disposed with it).</param>
    /// <param name="queues">The exporters whose queue bytes the gauge reports, read at each collection.</param>
    public ExporterMetrics(IMeterFactory? meterFactory, Func<IEnumerable<DestinationExporter>> queues)
    {
        ArgumentNullException.ThrowIfNull(queues);
        _ownsMeter = meterFactory is null;
        _meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        _sentRequests = _meter.CreateCounter<long>(SentRequestsName, "{request}", "Profile export requests delivered to Destinations");
        _sentBytes = _meter.CreateCounter<long>(SentBytesName, "By", "Bytes of profile export requests delivered (as sent, compressed when compressed)");
        _retried = _meter.CreateCounter<long>(RetriedRequestsName, "{request}", "Retries of profile export requests after retryable failures");
        _dropped = _meter.CreateCounter<long>(DroppedRequestsName, "{request}", "Profile export requests given up (queue full, permanent error, retries exhausted)");
        _restarts = _meter.CreateCounter<long>(LoopRestartsName, "{restart}", "Send loops of Destination exporters restarted after an unexpected failure");
        _meter.CreateObservableGauge(
            QueueBytesName,
            () => queues().Select(e => new Measurement<long>(e.Queue.Bytes, Tags(e.Config))),
            "By",
            "Bytes held by each Destination exporter's queue");
    }

    public void Dispose()
    {
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }

    internal void Sent(DestinationConfig config, long bytes)
    {
        var tags = Tags(config);
        _sentRequests.Add(1, tags);
        _sentBytes.Add(bytes, tags);
    }

    internal void Retried(DestinationConfig config) => _retried.Add(1, Tags(config));

    internal void Restarted(DestinationConfig config) => _restarts.Add(1, Tags(config));

    internal void Dropped(DestinationConfig config, long requests)
    {
        if (requests > 0)
        {
            _dropped.Add(requests, Tags(config));
        }
    }

    private static TagList Tags(DestinationConfig config) => new()
    {
        { DestinationIdTag, config.Id },
        { DestinationTypeTag, config.Type },
    };
}
