using Microsoft.Extensions.Options;

namespace OdigosUi.Pipeline.Ingest;

/// <summary>
/// The <c>Otlp</c> section's limits for received export requests, shared by every transport
/// (<c>--Otlp:MaxRequestBytes=33554432</c>, env <c>Otlp__MaxConcurrentRequests</c>).
/// </summary>
public sealed class IngestOptions
{
    public const string SectionName = "Otlp";

    public const long DefaultMaxRequestBytes = 16L << 20;

    /// <summary>The largest accepted limit: bodies are held in one array.</summary>
    public const long MaxAllowedRequestBytes = 1L << 30;

    /// <summary>
    /// Largest request, in bytes, both as received (the compressed HTTP body, the gRPC message) and after gzip
    /// decompression. Larger requests are refused (HTTP 413, gRPC RESOURCE_EXHAUSTED) without being buffered.
    /// </summary>
    public long MaxRequestBytes { get; set; } = DefaultMaxRequestBytes;

    /// <summary>Requests processed at once; more are refused as saturated (HTTP 429, gRPC RESOURCE_EXHAUSTED).</summary>
    public int MaxConcurrentRequests { get; set; } = 2 * Environment.ProcessorCount;

    /// <summary>How long a request waits for a free slot before it is refused as saturated; no longer queue exists.</summary>
    public int QueueWaitMilliseconds { get; set; } = 100;

    /// <summary>The delay a saturated or shutting-down receiver asks senders to wait (HTTP Retry-After, gRPC RetryInfo).</summary>
    public int RetryAfterSeconds { get; set; } = 1;

    public const long DefaultMaxBytesInFlight = 64L << 20;

    /// <summary>
    /// Request bytes all receivers hold at once (bodies as read, decompressed, then parsed), as the Collector's
    /// memory_limiter: a request whose buffers do not fit is refused as saturated (HTTP 429, gRPC RESOURCE_EXHAUSTED,
    /// both with a retry delay). At least twice <see cref="MaxRequestBytes"/> (a gzip body and what it expands to);
    /// unset, 64 MiB or four times <see cref="MaxRequestBytes"/>, whichever is larger.
    /// </summary>
    public long MaxBytesInFlight
    {
        get => _maxBytesInFlight ?? Math.Max(DefaultMaxBytesInFlight, 4 * MaxRequestBytes);
        set => _maxBytesInFlight = value;
    }

    private long? _maxBytesInFlight;

    /// <summary>The longest an OTLP/HTTP request body may take to arrive; slower ones are answered 408 and closed.</summary>
    public int BodyReadTimeoutSeconds { get; set; } = 30;

    /// <summary>
    /// The slowest a request body may arrive on either receiver, after a 5 s grace (Kestrel's
    /// <c>MinRequestBodyDataRate</c>); a sender trickling slower is disconnected. 0 turns the check off.
    /// </summary>
    public int MinRequestBodyBytesPerSecond { get; set; } = 1024;

    /// <summary>HTTP/2 streams (gRPC calls) one connection may have open at once (Kestrel's <c>MaxStreamsPerConnection</c>).</summary>
    public int MaxConcurrentStreams { get; set; } = 100;

    public IngestOptions Clone() => (IngestOptions)MemberwiseClone();
}

/// <summary>Checks the <c>Otlp</c> limits, naming the key and the accepted range.</summary>
public sealed class IngestOptionsValidator : IValidateOptions<IngestOptions>
{
    public ValidateOptionsResult Validate(string? name, IngestOptions options)
    {
        List<string> errors = [];
        const string Section = IngestOptions.SectionName;
        if (options.MaxRequestBytes is < 1024 or > IngestOptions.MaxAllowedRequestBytes)
        {
            errors.Add($"{Section}:MaxRequestBytes: {options.MaxRequestBytes} is out of range; use 1024 to {IngestOptions.MaxAllowedRequestBytes} (default {IngestOptions.DefaultMaxRequestBytes}).");
        }

        if (options.MaxConcurrentRequests is < 1 or > 100_000)
        {
            errors.Add($"{Section}:MaxConcurrentRequests: {options.MaxConcurrentRequests} is out of range; use 1 to 100000.");
        }

        if (options.QueueWaitMilliseconds is < 0 or > 60_000)
        {
            errors.Add($"{Section}:QueueWaitMilliseconds: {options.QueueWaitMilliseconds} is out of range; use 0 to 60000.");
        }

        if (options.RetryAfterSeconds is < 1 or > 3600)
        {
            errors.Add($"{Section}:RetryAfterSeconds: {options.RetryAfterSeconds} is out of range; use 1 to 3600.");
        }

        if (options.MaxBytesInFlight < 2 * options.MaxRequestBytes || options.MaxBytesInFlight > 64L << 30)
        {
            errors.Add($"{Section}:MaxBytesInFlight: {options.MaxBytesInFlight} is out of range; use twice {Section}:MaxRequestBytes ({2 * options.MaxRequestBytes}) to {64L << 30} (default {IngestOptions.DefaultMaxBytesInFlight}).");
        }

        if (options.BodyReadTimeoutSeconds is < 1 or > 3600)
        {
            errors.Add($"{Section}:BodyReadTimeoutSeconds: {options.BodyReadTimeoutSeconds} is out of range; use 1 to 3600.");
        }

        if (options.MinRequestBodyBytesPerSecond is < 0 or > 1 << 30)
        {
            errors.Add($"{Section}:MinRequestBodyBytesPerSecond: {options.MinRequestBodyBytesPerSecond} is out of range; use 0 (off) to {1 << 30}.");
        }

        if (options.MaxConcurrentStreams is < 1 or > 10_000)
        {
            errors.Add($"{Section}:MaxConcurrentStreams: {options.MaxConcurrentStreams} is out of range; use 1 to 10000.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
