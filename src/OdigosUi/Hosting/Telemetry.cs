using System.Diagnostics.Metrics;
using OdigosUi.Pipeline;
using OdigosUi.Pipeline.Slots;
using OdigosUi.Workers;
using OpenTelemetry.Metrics;

namespace OdigosUi.Hosting;

/// <summary>Self-observability: the pipeline's meters, runtime and process metrics, scraped at <c>/metrics</c>.</summary>
internal static class Telemetry
{
    public const string MetricsPath = "/metrics";
    public const string HostMeterName = "OdigosUi.Host";

    public static void AddOdigosUiTelemetry(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<SlotGauges>();
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(PipelineMetrics.MeterName, HostMeterName)
            .AddRuntimeInstrumentation()
            .AddProcessInstrumentation()
            .AddPrometheusExporter());
    }

    public static void MapOdigosUiTelemetry(this WebApplication app)
    {
        app.Services.GetRequiredService<SlotGauges>();
        app.MapPrometheusScrapingEndpoint(MetricsPath).AllowAnonymous();
    }

    /// <summary>Observable gauges of the UI buffer, read at scrape time.</summary>
    private sealed class SlotGauges : IDisposable
    {
        private readonly Meter _meter = new(HostMeterName);

        public SlotGauges(IServiceProvider services)
        {
            if (services.GetService<ProfilingSlots>() is { } slots)
            {
                _meter.CreateObservableGauge("odigos_ui.slots.open", () => slots.List().Count, description: "Open profiling slots");
                _meter.CreateObservableGauge("odigos_ui.slots.bytes", () => slots.TotalBytes, unit: "By", description: "Estimated bytes held by profiling slots");
                _meter.CreateObservableCounter("odigos_ui.slots.evicted", () => slots.EvictedCount, description: "Slots evicted to make room");
                _meter.CreateObservableCounter("odigos_ui.slots.expired", () => slots.ExpiredCount, description: "Slots closed after their idle TTL");
                _meter.CreateObservableCounter("odigos_ui.slots.dropped_samples", () => slots.DroppedSamplesTotal,
                    description: "Samples not kept because their slot's byte budget could not hold their new frames or stacks");
            }

            // The node role serves no API: its profiler's status is read here (and on /readyz) instead of GET /api/profiler.
            if (services.GetService<ProfilerStatus>() is { } profiler)
            {
                _meter.CreateObservableGauge("odigos_ui.profiler.running", () => profiler.Snapshot.State == ProfilerState.Running ? 1 : 0, description: "1 while the node profiler samples every CPU");
                _meter.CreateObservableCounter("odigos_ui.profiler.samples", () => profiler.Snapshot.Samples, unit: "{sample}", description: "Samples taken by the node profiler");
                _meter.CreateObservableCounter("odigos_ui.profiler.samples.lost", () => profiler.Snapshot.LostSamples, unit: "{sample}", description: "Samples the kernel dropped before the profiler read them");
                _meter.CreateObservableGauge("odigos_ui.profiler.processes", () => profiler.Snapshot.Processes, unit: "{process}", description: "Processes the node profiler tracks");
            }
        }

        public void Dispose() => _meter.Dispose();
    }
}
