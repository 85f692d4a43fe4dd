using System.ComponentModel.DataAnnotations;
using OdigosUi.Pipeline.Exporters;

namespace OdigosUi.Hosting;

/// <summary>The <c>Profiling:Exporter</c> section (Helm: <c>profiling.exporter.*</c>): how Destination exporters send.</summary>
public sealed class ExporterSettings
{
    public const string SectionName = "Profiling:Exporter";

    [Range(1, 600)]
    public int TimeoutSeconds { get; set; } = 10;

    public bool RetryOnFailure { get; set; } = true;

    [Range(64 * 1024, 1L << 34)]
    public long QueueMaxBytes { get; set; } = ExporterOptions.DefaultQueueMaxBytes;

    public ExporterOptions ToOptions() => new()
    {
        Timeout = TimeSpan.FromSeconds(TimeoutSeconds),
        QueueMaxBytes = QueueMaxBytes,
        Retry = new RetryOptions { Enabled = RetryOnFailure },
    };
}
