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

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
