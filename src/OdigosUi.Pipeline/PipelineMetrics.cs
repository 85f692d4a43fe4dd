using System.Diagnostics.Metrics;

namespace OdigosUi.Pipeline;

/// <summary>The meter every pipeline component reports on; <c>/metrics</c> exports it in Prometheus format.</summary>
public static class PipelineMetrics
{
    public const string MeterName = "OdigosUi.Pipeline";
}
