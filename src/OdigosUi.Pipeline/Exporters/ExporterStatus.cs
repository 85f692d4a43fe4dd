namespace OdigosUi.Pipeline.Exporters;

/// <summary>Settings every Destination exporter shares.</summary>
public sealed record ExporterOptions
{
    /// <summary>64 MiB: see <see cref="QueueMaxBytes"/>.</summary>
    public const long DefaultQueueMaxBytes = 64L << 20;

    /// <summary>The Collector's (and so Odigos') default <c>sending_queue.queue_size</c>: 1000 requests.</summary>
    public const int DefaultQueueMaxItems = 1000;

    /// <summary>
    /// Bytes of encoded (compressed when the exporter compresses) requests one exporter may hold, the one in
    /// delivery included. Odigos keeps the Collector's 1000-request sending_queue, which for profile requests of
    /// 0.1–1 MB would be 100 MB–1 GB per Destination; 64 MiB keeps a gateway with a few Destinations within a
    /// small pod's memory while buffering minutes of a cluster's profiles through an outage.
    /// </summary>
    public long QueueMaxBytes { get; init; } = DefaultQueueMaxBytes;

    /// <summary>A second bound, in requests (the Collector's unit).</summary>
    public int QueueMaxItems { get; init; } = DefaultQueueMaxItems;

    public RetryOptions Retry { get; init; } = new();

    /// <summary>One attempt's limit, connection included (Helm value <c>profiling.exporter.timeout</c> later).</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long the exporter of a removed (or disabled, or now invalid) Destination may keep delivering what it holds.</summary>
    public TimeSpan RemovalFlushTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>20 s: see <see cref="ShutdownFlushTimeout"/>.</summary>
    public static readonly TimeSpan DefaultShutdownFlushTimeout = TimeSpan.FromSeconds(20);

    /// <summary>
    /// How long the exporters may keep delivering the requests they accepted when the process shuts down (or the fleet
    /// is disposed) before the rest is dropped (counted). <c>Profiling:Exporter:ShutdownTimeoutSeconds</c>.
    /// </summary>
    public TimeSpan ShutdownFlushTimeout { get; init; } = DefaultShutdownFlushTimeout;

    /// <summary>64 KiB: see <see cref="MaxResponseBytes"/>.</summary>
    public const int DefaultMaxResponseBytes = 64 << 10;

    /// <summary>
    /// The most bytes of a response body read (an error's first line, an OTLP partial success, a gRPC answer); the
    /// rest is not read and the connection is closed. A backend answers a few hundred bytes; a hostile one must not
    /// make the exporter (or a connection test) hold megabytes.
    /// </summary>
    public int MaxResponseBytes { get; init; } = DefaultMaxResponseBytes;

    /// <summary>The period given to CPU profiles that say 0 (see <see cref="PyroscopeCompat"/>).</summary>
    public long DefaultCpuPeriodNanos { get; init; } = PyroscopeCompat.DefaultCpuPeriodNanos;

    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(QueueMaxBytes, 1, nameof(QueueMaxBytes));
        ArgumentOutOfRangeException.ThrowIfLessThan(QueueMaxItems, 1, nameof(QueueMaxItems));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(Timeout, TimeSpan.Zero, nameof(Timeout));
        ArgumentOutOfRangeException.ThrowIfLessThan(ShutdownFlushTimeout, TimeSpan.Zero, nameof(ShutdownFlushTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThan(RemovalFlushTimeout, TimeSpan.Zero, nameof(RemovalFlushTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThan(DefaultCpuPeriodNanos, 1, nameof(DefaultCpuPeriodNanos));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxResponseBytes, 1, nameof(MaxResponseBytes));
        ArgumentNullException.ThrowIfNull(Retry, nameof(Retry));
        Retry.Validate();
    }
}

public enum ExporterState
{
    /// <summary>An exporter is running for the Destination.</summary>
    Running,

    /// <summary><c>spec.disabled</c>: no exporter.</summary>
    Disabled,

    /// <summary>The configuration has errors (<see cref="ExporterStatus.ConfigurationError"/>): no exporter.</summary>
    Invalid,

    /// <summary>The exporter was stopped (removed, or the fleet disposed).</summary>
    Stopped,
}

/// <summary>
/// What one Destination's exporter is doing, for the Destination's status conditions, the UI and the API.
/// <see cref="Healthy"/> is the outcome of the latest delivery attempt (true before the first).
/// </summary>
public sealed record ExporterStatus
{
    public required string DestinationId { get; init; }

    public required string Type { get; init; }

    public required string Name { get; init; }

    public required ExporterState State { get; init; }

    /// <summary>True when an exporter runs: the Destination's <c>DestinationConfigured</c> condition is True.</summary>
    public bool Configured => State == ExporterState.Running;

    /// <summary>Why no exporter runs (<see cref="ExporterState.Invalid"/>): the validator's messages joined by "; ".</summary>
    public string? ConfigurationError { get; init; }

    /// <summary>The URL requests go to (no credentials), when configured.</summary>
    public string? Endpoint { get; init; }

    public bool Healthy { get; init; } = true;

    public DateTimeOffset? LastSuccessAt { get; init; }

    public string? LastError { get; init; }

    public DateTimeOffset? LastErrorAt { get; init; }

    /// <summary>Requests delivered (2xx / OK).</summary>
    public long SentRequests { get; init; }

    public long SentBytes { get; init; }

    /// <summary>Retries scheduled (attempts after a retryable failure).</summary>
    public long RetriedRequests { get; init; }

    /// <summary>How often the send loop failed unexpectedly and was restarted (nothing queued is lost by it).</summary>
    public long LoopRestarts { get; init; }

    /// <summary>Requests given up: queue full (oldest dropped), permanent error, retries exhausted, shutdown.</summary>
    public long DroppedRequests { get; init; }

    public long DroppedBytes { get; init; }

    public long QueueBytes { get; init; }

    public int QueueItems { get; init; }
}

public enum SendOutcome
{
    Success,

    /// <summary>Worth another attempt: 429/502/503/504, connection errors, timeouts; gRPC UNAVAILABLE and the like.</summary>
    Retryable,

    /// <summary>Will not get better: other 4xx, 500 (Pyroscope's answer to a conversion error), gRPC INVALID_ARGUMENT and the like.</summary>
    Permanent,
}

/// <summary>The outcome of one delivery attempt. On success <see cref="Message"/> may carry a partial-success warning.</summary>
public readonly record struct SendResult(SendOutcome Outcome, string? Message = null, TimeSpan? RetryAfter = null)
{
    public static SendResult Ok(string? warning = null) => new(SendOutcome.Success, warning);

    public static SendResult Retry(string message, TimeSpan? retryAfter = null) => new(SendOutcome.Retryable, message, retryAfter);

    public static SendResult Fail(string message) => new(SendOutcome.Permanent, message);
}
