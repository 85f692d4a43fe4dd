using System.ComponentModel.DataAnnotations;

namespace OdigosUi.Pipeline.Slots;

/// <summary>The <c>Profiling</c> section's UI buffer settings; defaults as in Odigos' Helm chart.</summary>
public sealed class SlotOptions
{
    public const string SectionName = "Profiling:Ui";

    [Range(1, 4096)]
    public int MaxSlots { get; set; } = 32;

    [Range(64 * 1024, 1L << 34)]
    public long SlotMaxBytes { get; set; } = 8L << 20;

    [Range(1, 7 * 24 * 3600)]
    public int SlotTtlSeconds { get; set; } = 300;

    /// <summary>Width of a slot's time buckets, the resolution of "last N minutes" windows.</summary>
    [Range(1, 3600)]
    public int BucketSeconds { get; set; } = 5;

    /// <summary>How many buckets a slot keeps; older data stays in the since-opened view.</summary>
    [Range(1, 100_000)]
    public int MaxBuckets { get; set; } = 360;

    public SlotOptions Clone() => (SlotOptions)MemberwiseClone();
}
