namespace OdigosUi.Profiles.Validation;

/// <summary>
/// How much one request may make the profile core build, whatever its size on the wire: the caps that keep a small
/// hostile payload (one location of 1,000 lines used by 20,000 stacks, a table of millions of empty entries, an
/// OTLP/JSON document of empty objects) from expanding into gigabytes. Bound from <c>Ingest:Limits:*</c>. Every
/// default is at or above what real producers send (the OTel eBPF profiler and Go unwind at most 128 frames,
/// async-profiler at most 2048; pprof files of Go, Java and .NET stay well under a hundred lines per location).
/// </summary>
public sealed record ProfileLimits
{
    public const string SectionName = "Ingest:Limits";

    public static readonly ProfileLimits Default = new();

    /// <summary>
    /// Frames kept per sample once every location is expanded into its lines. A deeper stack is not refused: as a
    /// profiler does at its own depth limit, its leaf-most frames are kept, here under a synthetic root frame
    /// <see cref="TruncatedFrameLabel"/> so the flame graph shows the cut.
    /// </summary>
    public int MaxStackDepth { get; init; } = 2048;

    /// <summary>Lines (inlined frames) one location may hold; a request with more is refused.</summary>
    public int MaxLinesPerLocation { get; init; } = 256;

    /// <summary>Entries of any one dictionary table (strings, locations, stacks, ...); a request with more is refused.</summary>
    public int MaxTableEntries { get; init; } = 1_000_000;

    /// <summary>Samples of all the profiles of one request together; a request with more is refused.</summary>
    public int MaxSamplesPerRequest { get; init; } = 1_000_000;

    /// <summary>
    /// Frames of all the stacks of one request together, after expanding lines and truncating at
    /// <see cref="MaxStackDepth"/>: what resolving the request costs (4 bytes a frame). A request with more is refused.
    /// </summary>
    public long MaxFramesPerRequest { get; init; } = 4_000_000;

    /// <summary>
    /// Largest OTLP/JSON document, in bytes once decompressed: lower than the protobuf limit, because the same data takes
    /// several times more bytes as JSON and a document of empty objects builds far more than its size.
    /// </summary>
    public long MaxJsonBytes { get; init; } = 8L << 20;

    /// <summary>
    /// What parsing an OTLP/JSON document may allocate, as a multiple of its size (plus 1 MiB); the parse stops and the
    /// document is refused past it. Real documents allocate about 1-3 times their size.
    /// </summary>
    public int MaxJsonAllocationFactor { get; init; } = 12;

    /// <summary>The label of the synthetic root frame of a stack cut at <see cref="MaxStackDepth"/>.</summary>
    public const string TruncatedFrameLabel = "[truncated]";

    /// <summary>Every setting out of range, one message each naming its key and the accepted range; empty when valid.</summary>
    public IReadOnlyList<string> Problems()
    {
        List<string> problems = [];
        Check(problems, nameof(MaxStackDepth), MaxStackDepth, 16, 1 << 20, Default.MaxStackDepth);
        Check(problems, nameof(MaxLinesPerLocation), MaxLinesPerLocation, 1, 1 << 20, Default.MaxLinesPerLocation);
        Check(problems, nameof(MaxTableEntries), MaxTableEntries, 1024, 1 << 28, Default.MaxTableEntries);
        Check(problems, nameof(MaxSamplesPerRequest), MaxSamplesPerRequest, 1024, 1 << 28, Default.MaxSamplesPerRequest);
        Check(problems, nameof(MaxFramesPerRequest), MaxFramesPerRequest, 1024, 1L << 28, Default.MaxFramesPerRequest);
        Check(problems, nameof(MaxJsonBytes), MaxJsonBytes, 1024, 1L << 30, Default.MaxJsonBytes);
        Check(problems, nameof(MaxJsonAllocationFactor), MaxJsonAllocationFactor, 2, 1000, Default.MaxJsonAllocationFactor);
        return problems;
    }

    /// <summary>Throws when a setting is out of range (see <see cref="Problems"/>).</summary>
    public ProfileLimits EnsureValid()
    {
        var problems = Problems();
        return problems.Count == 0 ? this : throw new ArgumentException(string.Join(" ", problems));
    }

    /// <summary>How a limit is named in messages: its configuration key.</summary>
    internal static string Key(string name) => $"{SectionName}:{name}";

    private static void Check(List<string> problems, string name, long value, long min, long max, long defaultValue)
    {
        if (value < min || value > max)
        {
            problems.Add($"{Key(name)}: {value} is out of range; use {min} to {max} (default {defaultValue}).");
        }
    }
}
