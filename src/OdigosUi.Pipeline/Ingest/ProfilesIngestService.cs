using System.Diagnostics.Metrics;
using Google.Protobuf;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OdigosUi.Profiles.Aggregation;
using OdigosUi.Profiles.Formats.Otlp;
using OdigosUi.Profiles.Otlp.Collector;
using OdigosUi.Profiles.Validation;

namespace OdigosUi.Pipeline.Ingest;

/// <summary>
/// The one transport-agnostic path of received OTLP profiles: admission by bytes in flight (every buffer a request
/// fills is reserved in <see cref="BytesInFlight"/>), size limits, a body-read deadline, then a bounded number of
/// requests decoded at once, gzip decompression, protobuf or OTLP/JSON parsing, validation, removal of invalid
/// profiles and the hand-over to the pipeline. The gRPC and HTTP receivers are thin adapters that map its
/// <see cref="IngestResult"/>. A body is read before a decoding slot is taken, so slow senders hold only the bytes
/// they sent, never a slot.
/// </summary>
public sealed class ProfilesIngestService : IDisposable
{
    public const string HttpTransport = "http";
    public const string GrpcTransport = "grpc";

    /// <summary>How many times its size a protobuf body may build once parsed without being charged to the bytes in flight.</summary>
    public const int ExpansionAllowance = 32;

    private readonly IProfilesConsumer _next;
    private readonly IngestOptions _options;
    private readonly ProfileLimits _limits;
    private readonly SemaphoreSlim _gate;
    private readonly TimeSpan _queueWait;
    private readonly TimeSpan _bodyReadTimeout;
    private readonly ILogger _logger;
    private volatile bool _stopping;

    public ProfilesIngestService(IProfilesConsumer next, IngestOptions options, IMeterFactory? meterFactory = null, ILogger<ProfilesIngestService>? logger = null, ProfileLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(next);
        ArgumentNullException.ThrowIfNull(options);
        var validation = new IngestOptionsValidator().Validate(null, options);
        if (validation.Failed)
        {
            throw new ArgumentException(validation.FailureMessage, nameof(options));
        }

        _next = next;
        _options = options.Clone();
        _limits = (limits ?? ProfileLimits.Default).EnsureValid();
        _gate = new SemaphoreSlim(_options.MaxConcurrentRequests, _options.MaxConcurrentRequests);
        _queueWait = TimeSpan.FromMilliseconds(_options.QueueWaitMilliseconds);
        _bodyReadTimeout = TimeSpan.FromSeconds(_options.BodyReadTimeoutSeconds);
        InFlight = new BytesInFlight(_options.MaxBytesInFlight);
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        Metrics = new IngestMetrics(meterFactory, InFlight);
    }

    /// <summary>The bytes every receiver holds for requests in progress, against <see cref="IngestOptions.MaxBytesInFlight"/>.</summary>
    public BytesInFlight InFlight { get; }

    public IngestOptions Options => _options.Clone();

    /// <summary>What one request may make the profile core build (<c>Ingest:Limits:*</c>).</summary>
    public ProfileLimits Limits => _limits;

    public IngestMetrics Metrics { get; }

    public IngestCounters Counters => Metrics.Snapshot();

    /// <summary>True once <see cref="BeginShutdown"/> was called: every later request is <see cref="IngestStatus.Unavailable"/>.</summary>
    public bool IsShuttingDown => _stopping;

    /// <summary>Refuses every later request as <see cref="IngestStatus.Unavailable"/>; requests in flight finish.</summary>
    public void BeginShutdown() => _stopping = true;

    /// <summary>An encoded request body (gRPC-less transports). <paramref name="gzip"/> says the body is gzip; a gzip body is also recognised by its magic bytes.</summary>
    public ValueTask<IngestResult> IngestAsync(ReadOnlyMemory<byte> body, IngestEncoding encoding, bool gzip, CancellationToken cancellationToken) =>
        IngestAsync(body, encoding, gzip, HttpTransport, cancellationToken);

    /// <remarks>The body (a gRPC message already buffered by the transport) is admitted by its size before anything else.</remarks>
    public async ValueTask<IngestResult> IngestAsync(ReadOnlyMemory<byte> body, IngestEncoding encoding, bool gzip, string transport, CancellationToken cancellationToken)
    {
        Metrics.RecordBytes(transport, body.Length);
        if (Precheck(body.Length) is { } refused)
        {
            return Finish(transport, refused);
        }

        using var lease = InFlight.Open();
        if (!lease.TryAdd(body.Length))
        {
            return Finish(transport, OverBudgetResult());
        }

        if (!await EnterAsync(cancellationToken).ConfigureAwait(false))
        {
            return Finish(transport, SaturatedResult());
        }

        try
        {
            return Finish(transport, await DecodeAndConsumeAsync(body, encoding, gzip, lease, cancellationToken).ConfigureAwait(false));
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Reads a request body from <paramref name="body"/> and ingests it. The body is admitted by the buffer it fills as
    /// it arrives (at most <see cref="IngestOptions.MaxBytesInFlight"/> over all requests, else saturated), must arrive
    /// within <see cref="IngestOptions.BodyReadTimeoutSeconds"/> (else timed out), and reading stops past
    /// <see cref="IngestOptions.MaxRequestBytes"/>; only then does it wait for one of the
    /// <see cref="IngestOptions.MaxConcurrentRequests"/> decoding slots. Exceptions of <paramref name="body"/> (a client
    /// that went away, a malformed chunked body, a body slower than the minimum data rate) propagate.
    /// </summary>
    public async ValueTask<IngestResult> IngestAsync(Stream body, long? contentLength, IngestEncoding encoding, bool gzip, string transport, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (Precheck(contentLength ?? 0) is { } refused)
        {
            // Refused on its declared length: nothing was read, so no bytes are counted.
            return Finish(transport, refused);
        }

        var limit = _options.MaxRequestBytes;
        using var lease = InFlight.Open();

        // The first buffer is what a declared length needs, up to 64 KiB; it grows as bytes actually arrive.
        using var buffer = PooledBuffer.TryCreate((int)Math.Min(Math.Min(contentLength ?? 64 * 1024, 64 * 1024), limit + 1), lease);
        if (buffer is null)
        {
            return Finish(transport, OverBudgetResult());
        }

        ReadOutcome outcome;
        using (var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            deadline.CancelAfter(_bodyReadTimeout);
            try
            {
                outcome = await buffer.ReadToEndAsync(body, limit, deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                Metrics.RecordBytes(transport, buffer.Length);
                return Finish(transport, TimedOutResult($"the request body did not arrive within {_options.BodyReadTimeoutSeconds} s ({buffer.Length} bytes read)"));
            }
        }

        Metrics.RecordBytes(transport, buffer.Length);
        switch (outcome)
        {
            case ReadOutcome.TooLarge:
                return Finish(transport, TooLargeResult($"the request body is larger than the limit of {limit} bytes"));
            case ReadOutcome.OverBudget:
                return Finish(transport, OverBudgetResult());
        }

        if (!await EnterAsync(cancellationToken).ConfigureAwait(false))
        {
            return Finish(transport, SaturatedResult());
        }

        try
        {
            return Finish(transport, await DecodeAndConsumeAsync(buffer.Memory, encoding, gzip, lease, cancellationToken).ConfigureAwait(false));
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Counts a request whose body came slower than the transport's minimum data rate and returns its result.</summary>
    public IngestResult TimedOut(string message, string transport) => Finish(transport, TimedOutResult(message));

    /// <summary>A request that a transport already decoded (gRPC). It is modified: invalid profiles are removed.</summary>
    public ValueTask<IngestResult> IngestAsync(ExportProfilesServiceRequest request, CancellationToken cancellationToken) =>
        IngestAsync(request, GrpcTransport, cancellationToken);

    public async ValueTask<IngestResult> IngestAsync(ExportProfilesServiceRequest request, string transport, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (_stopping)
        {
            return Finish(transport, UnavailableResult());
        }

        if (!await EnterAsync(cancellationToken).ConfigureAwait(false))
        {
            return Finish(transport, SaturatedResult());
        }

        try
        {
            return Finish(transport, await ValidateAndConsumeAsync(request, cancellationToken).ConfigureAwait(false));
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Counts a request a transport refused before decoding it (e.g. an unsupported content type) and returns its result.</summary>
    public IngestResult Refuse(IngestStatus status, string message, string transport)
    {
        if (status is IngestStatus.Accepted or IngestStatus.PartiallyAccepted)
        {
            throw new ArgumentOutOfRangeException(nameof(status), status, "Only a refusal can be reported.");
        }

        return Finish(transport, IngestResult.Refused(status, message));
    }

    private IngestResult? Precheck(long length)
    {
        if (_stopping)
        {
            return UnavailableResult();
        }

        return length > _options.MaxRequestBytes
            ? TooLargeResult($"the request body ({length} bytes) is larger than the limit of {_options.MaxRequestBytes} bytes")
            : null;
    }

    private async ValueTask<bool> EnterAsync(CancellationToken cancellationToken) =>
        _gate.Wait(0, CancellationToken.None) || (_queueWait > TimeSpan.Zero && await _gate.WaitAsync(_queueWait, cancellationToken).ConfigureAwait(false));

    private async ValueTask<IngestResult> DecodeAndConsumeAsync(ReadOnlyMemory<byte> body, IngestEncoding encoding, bool gzip, BytesInFlight.Lease lease, CancellationToken cancellationToken)
    {
        if (body.IsEmpty)
        {
            return InvalidResult("the request body is empty");
        }

        if (body.Length > _options.MaxRequestBytes)
        {
            return TooLargeResult($"the request body ({body.Length} bytes) is larger than the limit of {_options.MaxRequestBytes} bytes");
        }

        PooledBuffer? decompressed = null;
        try
        {
            if (gzip || BoundedGzip.IsGzip(body.Span))
            {
                // A JSON document may not be larger than Ingest:Limits:MaxJsonBytes, so its gunzip stops there.
                var decompressedLimit = encoding == IngestEncoding.Json ? Math.Min(_options.MaxRequestBytes, _limits.MaxJsonBytes) : _options.MaxRequestBytes;
                switch (BoundedGzip.Decompress(body, decompressedLimit, lease, out decompressed, out var error))
                {
                    case BoundedGzip.Outcome.TooLarge:
                        return TooLargeResult(decompressedLimit < _options.MaxRequestBytes ? $"OTLP/JSON: {error} ({ProfileLimits.SectionName}:{nameof(ProfileLimits.MaxJsonBytes)})" : error!);
                    case BoundedGzip.Outcome.OverBudget:
                        return OverBudgetResult();
                    case BoundedGzip.Outcome.Corrupt:
                        return InvalidResult(error!);
                }

                body = decompressed!.Memory;
                if (body.IsEmpty)
                {
                    return InvalidResult("the request body is empty once decompressed");
                }
            }

            if (encoding == IngestEncoding.Protobuf && AdmitExpansion(body.Span, lease) is { } refused)
            {
                return refused;
            }

            if (!TryParse(body.Span, encoding, out var request, out var parseError, out var tooLarge))
            {
                return tooLarge ? TooLargeResult(parseError) : InvalidResult(parseError);
            }

            // The parsed request owns copies of everything it needs: the buffers can go back to the pool now.
            decompressed?.Dispose();
            decompressed = null;
            return await ValidateAndConsumeAsync(request, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            decompressed?.Dispose();
        }
    }

    /// <summary>
    /// Charges what parsing the protobuf body will build, beyond what real requests build, to the request's lease
    /// before it is built (see <see cref="ProtobufExpansion"/>). Real requests parse to about 12 times their size, so
    /// up to <see cref="ExpansionAllowance"/> times the body is not charged (the bytes in flight count wire bytes);
    /// the excess of an expansion bomb is. More than the whole budget, or a table or sample count over its limit, is
    /// too large; more than the budget has left is saturated (retryable). Null when the body may be parsed.
    /// </summary>
    private IngestResult? AdmitExpansion(ReadOnlySpan<byte> body, BytesInFlight.Lease lease)
    {
        var scan = ProtobufExpansion.Scan(body);
        if (scan.Malformed is { } malformed)
        {
            return InvalidResult($"not an OTLP ExportProfilesServiceRequest in binary protobuf: {malformed}");
        }

        if (ProtobufExpansion.Refusal(scan, _limits) is { } refusal)
        {
            return TooLargeResult(refusal);
        }

        var excess = scan.EstimatedBytes - ExpansionAllowance * (long)body.Length;
        if (excess <= 0)
        {
            return null;
        }

        if (excess + lease.Held > InFlight.Limit)
        {
            return TooLargeResult($"parsing the request would build about {scan.EstimatedBytes} bytes from {body.Length}, more than Otlp:MaxBytesInFlight ({_options.MaxBytesInFlight}) allows; send smaller requests");
        }

        return lease.TryAdd(excess) ? null : OverBudgetResult();
    }

    private bool TryParse(ReadOnlySpan<byte> body, IngestEncoding encoding, out ExportProfilesServiceRequest request, out string error, out bool tooLarge)
    {
        tooLarge = false;
        try
        {
            if (encoding == IngestEncoding.Json)
            {
                if (!System.Text.Unicode.Utf8.IsValid(body))
                {
                    error = "OTLP/JSON: the body is not valid UTF-8";
                    request = null!;
                    return false;
                }

                request = OtlpJsonReader.Read(body, _limits);
                error = "";
                return true;
            }

            request = ExportProfilesServiceRequest.Parser.ParseFrom(body);
            if (request.ResourceProfiles.Count == 0 && request.Dictionary is null)
            {
                // Non-empty bytes that hold no field of the message: another message type, or not protobuf at all.
                error = "not an OTLP ExportProfilesServiceRequest: no resource_profiles and no dictionary";
                return false;
            }

            error = "";
            return true;
        }
        catch (Profiles.Conversion.ProfileTooLargeException e)
        {
            error = e.Message;
            tooLarge = true;
        }
        catch (InvalidProtocolBufferException e)
        {
            error = $"not an OTLP ExportProfilesServiceRequest in binary protobuf: {e.Message}";
        }
        catch (Exception e) when (e is not OperationCanceledException and not OutOfMemoryException)
        {
            // OtlpJsonReader reports ProfileFormatException; anything else a decoder throws on hostile input is
            // still the input's fault, never a server error.
            error = encoding == IngestEncoding.Json && e.Message.StartsWith("OTLP/JSON", StringComparison.Ordinal)
                ? e.Message
                : $"{(encoding == IngestEncoding.Json ? "OTLP/JSON" : "binary protobuf")}: {e.Message}";
            if (e is not Profiles.Conversion.ProfileFormatException)
            {
                _logger.LogDebug(e, "Decoding an OTLP profiles request failed with an unexpected exception.");
            }
        }

        request = null!;
        return false;
    }

    private async ValueTask<IngestResult> ValidateAndConsumeAsync(ExportProfilesServiceRequest request, CancellationToken cancellationToken)
    {
        var total = CountProfiles(request);
        ValidationResult validation;
        try
        {
            validation = ProfilesValidator.Validate(request, _limits);
        }
        catch (Exception e) when (e is not OperationCanceledException and not OutOfMemoryException)
        {
            _logger.LogWarning(e, "Validating an OTLP profiles request failed with an unexpected exception.");
            return InvalidResult($"the request could not be validated: {e.Message}", total);
        }

        if (validation.RequestInvalid || (validation.InvalidProfileCount >= total && total > 0))
        {
            return InvalidResult(validation.Summary, total);
        }

        var rejected = validation.InvalidProfileCount;
        var reason = validation.Summary;
        if (rejected > 0)
        {
            RemoveInvalidProfiles(request, validation);

            // What is left is valid as a whole: its dictionary passed and so did every remaining profile.
            validation = new ValidationResult();
        }

        var accepted = total - rejected;
        if (accepted == 0)
        {
            return new IngestResult(IngestStatus.Accepted, 0, 0, 0, null);
        }

        ProfileBatch batch;
        try
        {
            batch = ProfileBatch.Create(request, validation, _limits);
        }
        catch (Exception e) when (e is not OperationCanceledException and not OutOfMemoryException)
        {
            _logger.LogWarning(e, "Preparing a validated OTLP profiles request failed with an unexpected exception.");
            return InvalidResult($"the request could not be read: {e.Message}", total);
        }

        long samples = 0;
        foreach (var profile in batch.Profiles)
        {
            samples += profile.Profile.Samples.Count;
        }

        if (await _next.ConsumeAsync(batch, cancellationToken).ConfigureAwait(false) == ConsumeStatus.Saturated)
        {
            return SaturatedResult("the profiles pipeline is full; retry later");
        }

        return rejected == 0
            ? new IngestResult(IngestStatus.Accepted, accepted, 0, samples, null)
            : new IngestResult(IngestStatus.PartiallyAccepted, accepted, rejected, samples,
                IngestResult.OneLine($"{rejected} of {total} profiles rejected: {reason}"));
    }

    private static int CountProfiles(ExportProfilesServiceRequest request)
    {
        var count = 0;
        foreach (var resource in request.ResourceProfiles)
        {
            foreach (var scope in resource.ScopeProfiles)
            {
                count += scope.Profiles.Count;
            }
        }

        return count;
    }

    /// <summary>Removes the profiles <paramref name="validation"/> marks invalid, and the scopes and resources left empty by that.</summary>
    internal static void RemoveInvalidProfiles(ExportProfilesServiceRequest request, ValidationResult validation)
    {
        var resources = request.ResourceProfiles;
        for (var r = resources.Count - 1; r >= 0; r--)
        {
            var scopes = resources[r].ScopeProfiles;
            var scopeRemoved = false;
            for (var s = scopes.Count - 1; s >= 0; s--)
            {
                var profiles = scopes[s].Profiles;
                var profileRemoved = false;
                for (var p = profiles.Count - 1; p >= 0; p--)
                {
                    if (!validation.IsProfileValid(new ProfilePosition(r, s, p)))
                    {
                        profiles.RemoveAt(p);
                        profileRemoved = true;
                    }
                }

                if (profileRemoved && profiles.Count == 0)
                {
                    scopes.RemoveAt(s);
                    scopeRemoved = true;
                }
            }

            if (scopeRemoved && scopes.Count == 0)
            {
                resources.RemoveAt(r);
            }
        }
    }

    private IngestResult SaturatedResult(string? message = null) => IngestResult.Refused(IngestStatus.Saturated,
        message ?? $"too many export requests at once (limit {_options.MaxConcurrentRequests}); retry later");

    private IngestResult OverBudgetResult() => IngestResult.Refused(IngestStatus.Saturated,
        $"the receivers hold as many request bytes as Otlp:MaxBytesInFlight ({_options.MaxBytesInFlight}) allows; retry later");

    private static IngestResult TimedOutResult(string message) => IngestResult.Refused(IngestStatus.TimedOut, message);

    private static IngestResult UnavailableResult() => IngestResult.Refused(IngestStatus.Unavailable, "the receiver is shutting down; retry later");

    private static IngestResult TooLargeResult(string message) => IngestResult.Refused(IngestStatus.TooLarge, message);

    private static IngestResult InvalidResult(string message, int rejectedProfiles = 0) =>
        IngestResult.Refused(IngestStatus.Invalid, message, rejectedProfiles);

    private IngestResult Finish(string transport, IngestResult result)
    {
        Metrics.Record(transport, result);
        if (result.Status is not (IngestStatus.Accepted or IngestStatus.PartiallyAccepted))
        {
            _logger.LogDebug("OTLP profiles export over {Transport} refused ({Status}): {Reason}", transport, result.Status, result.ErrorMessage);
        }

        return result;
    }

    public void Dispose()
    {
        _gate.Dispose();
        Metrics.Dispose();
    }
}
