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

    /// <summary>
    /// How long a stopping process lets the exporters deliver the requests they accepted (the host's shutdown timeout
    /// is this plus <see cref="OdigosUiHostingExtensions.ShutdownMargin"/>). Helm: <c>profiling.exporter.shutdownTimeout</c>.
    /// </summary>
    [Range(0, 600)]
    public int ShutdownTimeoutSeconds { get; set; } = (int)ExporterOptions.DefaultShutdownFlushTimeout.TotalSeconds;

    public const string ShutdownTimeoutKey = SectionName + ":" + nameof(ShutdownTimeoutSeconds);

    public ExporterOptions ToOptions() => new()
    {
        ShutdownFlushTimeout = TimeSpan.FromSeconds(ShutdownTimeoutSeconds),
        Timeout = TimeSpan.FromSeconds(TimeoutSeconds),
        QueueMaxBytes = QueueMaxBytes,
        Retry = new RetryOptions { Enabled = RetryOnFailure },
    };
}
