using System.ComponentModel.DataAnnotations;

namespace OdigosUi.Hosting;

/// <summary>The <c>Profiling</c> section (its <c>Ui</c> subsection is <see cref="Pipeline.Slots.SlotOptions"/>).</summary>
public sealed class ProfilingOptions
{
    public const string SectionName = "Profiling";

    /// <summary>Gates the UI buffer and its API, as <c>profiling.enabled</c> does in Odigos.</summary>
    public bool Enabled { get; set; } = true;

    [Range(1, 10_000)]
    public int SamplesPerSecond { get; set; } = 19;
}
