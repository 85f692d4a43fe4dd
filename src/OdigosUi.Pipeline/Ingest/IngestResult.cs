namespace OdigosUi.Pipeline.Ingest;

/// <summary>How a request body is encoded: OTLP binary protobuf or OTLP/JSON.</summary>
public enum IngestEncoding
{
    Protobuf,
    Json,
}

/// <summary>What became of one export request; each transport maps it to its own status codes.</summary>
public enum IngestStatus
{
    /// <summary>Every profile was handed to the pipeline (also an export without profiles).</summary>
    Accepted,

    /// <summary>The valid profiles were handed to the pipeline; <see cref="IngestResult.RejectedProfiles"/> were dropped.</summary>
    PartiallyAccepted,

    /// <summary>Undecodable or invalid; nothing was accepted and retrying the same data will not help.</summary>
    Invalid,

    /// <summary>The request, compressed or decompressed, is larger than <see cref="IngestOptions.MaxRequestBytes"/>.</summary>
    TooLarge,

    /// <summary>Too many requests at once, or the pipeline is full; nothing was accepted, retry later.</summary>
    Saturated,

    /// <summary>The content type or content encoding is not one the receiver reads.</summary>
    UnsupportedMediaType,

    /// <summary>The pipeline is shutting down; nothing was accepted, retry elsewhere or later.</summary>
    Unavailable,

    /// <summary>The request body did not arrive within <see cref="IngestOptions.BodyReadTimeoutSeconds"/> or came too slowly.</summary>
    TimedOut,
}

/// <summary>
/// The outcome of one export request: its status, how many profiles were accepted and rejected, how many samples the
/// accepted profiles carry, and a one-line reason when something was refused.
/// </summary>
public sealed record IngestResult(
    IngestStatus Status,
    int AcceptedProfiles,
    int RejectedProfiles,
    long AcceptedSamples,
    string? ErrorMessage)
{
    /// <summary>True when the sender should send the same request again later (saturated or shutting down).</summary>
    public bool Retryable => Status is IngestStatus.Saturated or IngestStatus.Unavailable;

    /// <summary>True when at least part of the request reached the pipeline.</summary>
    public bool Succeeded => Status is IngestStatus.Accepted or IngestStatus.PartiallyAccepted;

    internal static IngestResult Refused(IngestStatus status, string message, int rejectedProfiles = 0) =>
        new(status, 0, rejectedProfiles, 0, OneLine(message));

    internal static string OneLine(string text)
    {
        text = text.ReplaceLineEndings(" ").Trim();
        return text.Length <= 1024 ? text : string.Concat(text.AsSpan(0, 1021), "...");
    }
}
