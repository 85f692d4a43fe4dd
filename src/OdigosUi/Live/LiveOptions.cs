using System.ComponentModel.DataAnnotations;

namespace OdigosUi.Live;

/// <summary>The live flame graph's settings, in the <c>Profiling:Ui</c> section beside the slot limits.</summary>
public sealed class LiveOptions
{
    public const string SectionName = "Profiling:Ui";

    /// <summary>At most one update per watcher and one wake-up per Source this often.</summary>
    [Range(10, 60_000)]
    public int LiveIntervalMs { get; set; } = 250;

    /// <summary>SignalR connections that may watch at once; each holds one long per node of the tree it shows.</summary>
    [Range(1, 100_000)]
    public int MaxLiveWatchers { get; set; } = 256;

    /// <summary>Largest file <c>POST /api/profiles/view</c> accepts, as sent (gzip or not).</summary>
    [Range(1024, 1L << 30)]
    public long ImportMaxBytes { get; set; } = 32L << 20;

    /// <summary>Largest the imported file may grow to when gunzipped.</summary>
    [Range(1024, 1L << 30)]
    public long ImportMaxDecompressedBytes { get; set; } = 256L << 20;

    public TimeSpan LiveInterval => TimeSpan.FromMilliseconds(LiveIntervalMs);
}
