using System.IO.Compression;
using Google.Protobuf;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OdigosUi.Profiles.Aggregation;
using OdigosUi.Profiles.Otlp.Collector;

namespace OdigosUi.Pipeline.Exporters;

/// <summary>
/// One Destination's exporter, like a Collector exporter with its exporterhelper: a bounded <see cref="ExportQueue"/>
/// of encoded requests, one background send loop (started by <see cref="Start"/>, stopped by
/// <see cref="StopAsync"/> / <see cref="DisposeAsync"/>), retries with <see cref="RetryPolicy"/>, a per-attempt
/// timeout and an <see cref="ExporterStatus"/>. Subclasses only send one encoded request and classify the answer.
/// <para>
/// One request is in delivery at a time (the Collector runs 10 consumers; profiles are few and large, and one keeps
/// a Destination that is down from being hammered). While it is retried, new requests wait in the queue.
/// </para>
/// </summary>
public abstract class DestinationExporter : IAsyncDisposable
{
    private readonly Lock _statusLock = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly RetryPolicy _retry;
    private readonly ILogger _logger;
    private Task? _run;
    private int _stopRequested;
    private bool _disposed;

    private ExporterState _state = ExporterState.Running;
    private bool _healthy = true;
    private DateTimeOffset? _lastSuccessAt;
    private string? _lastError;
    private DateTimeOffset? _lastErrorAt;
    private long _sentRequests;
    private long _sentBytes;
    private long _retried;
    private long _restarts;

    protected DestinationExporter(DestinationConfig config, Uri endpoint, bool gzipPayload, ExporterOptions? options, TimeProvider? time, ILogger? logger)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(endpoint);
        options ??= new ExporterOptions();
        options.Validate();
        Config = config;
        Endpoint = endpoint;
        GzipPayload = gzipPayload;
        Options = options;
        Time = time ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
        _retry = new RetryPolicy(options.Retry, Time);
        Queue = new ExportQueue(options.QueueMaxBytes, options.QueueMaxItems);
    }

    /// <summary>Raised (outside any lock, with the Destination id) when the state, health or error message changes; counters change silently.</summary>
    public event Action<string>? StatusChanged;

    public DestinationConfig Config { get; }

    /// <summary>Where requests go (no credentials).</summary>
    public Uri Endpoint { get; }

    /// <summary>True when queued bodies are gzip-compressed protobuf; false when plain protobuf.</summary>
    public bool GzipPayload { get; }

    public ExporterOptions Options { get; }

    /// <summary>What this exporter sends of a request: as received unless the backend needs it shaped.</summary>
    public virtual PayloadShape Shape => PayloadShape.AsReceived;

    protected TimeProvider Time { get; }

    internal ExportQueue Queue { get; }

    /// <summary>Set by the fleet before <see cref="Start"/>.</summary>
    internal ExporterMetrics? Metrics { get; set; }

    public ExporterStatus Status
    {
        get
        {
            lock (_statusLock)
            {
                return new ExporterStatus
                {
                    DestinationId = Config.Id,
                    Type = Config.Type,
                    Name = Config.Name,
                    State = _state,
                    Endpoint = Endpoint.GetLeftPart(UriPartial.Path),
                    Healthy = _healthy,
                    LastSuccessAt = _lastSuccessAt,
                    LastError = _lastError,
                    LastErrorAt = _lastErrorAt,
                    SentRequests = _sentRequests,
                    SentBytes = _sentBytes,
                    RetriedRequests = _retried,
                    LoopRestarts = Interlocked.Read(ref _restarts),
                    DroppedRequests = Queue.DroppedItems,
                    DroppedBytes = Queue.DroppedBytes,
                    QueueBytes = Queue.Bytes,
                    QueueItems = Queue.Count,
                };
            }
        }
    }

    /// <summary>Builds the exporter for a valid Destination (see <see cref="DestinationConfigValidator"/>); throws <see cref="ArgumentException"/> with the validator's messages otherwise.</summary>
    public static DestinationExporter Create(DestinationConfig config, ExporterOptions? options = null, TimeProvider? time = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        var errors = DestinationConfigValidator.Validate(config);
        if (errors.Count > 0)
        {
            throw new ArgumentException($"{config.Type} Destination '{config.Id}' is not valid: {string.Join("; ", errors)}", nameof(config));
        }

        return config.Type switch
        {
            DestinationTypes.Pyroscope => new PyroscopeExporter(config, options, time, logger),
            DestinationTypes.OtlpHttp => new OtlpHttpExporter(config, options, time, logger),
            DestinationTypes.Otlp => new OtlpGrpcExporter(config, options, time, logger),
            _ => throw new ArgumentException($"'{config.Type}' is not a supported destination type", nameof(config)),
        };
    }

    /// <summary>Serialized protobuf of <paramref name="request"/>, gzip-compressed when asked.</summary>
    public static byte[] Encode(ExportProfilesServiceRequest request, bool gzip) => gzip ? Gzip(request.ToByteArray()) : request.ToByteArray();

    public static byte[] Gzip(byte[] protobuf)
    {
        using var output = new MemoryStream(protobuf.Length / 4 + 64);
        using (var zip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            zip.Write(protobuf);
        }

        return output.ToArray();
    }

    /// <summary>Starts the send loop. Idempotent.</summary>
    public void Start()
    {
        lock (_statusLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_run is not null || _stopRequested != 0)
            {
                return;
            }

            _run = Task.Run(RunAsync);
        }

        _logger.LogInformation("Exporter for {Type} Destination {Id} started, sending to {Endpoint}", Config.Type, Config.Id, Endpoint.GetLeftPart(UriPartial.Path));
    }

    /// <summary>
    /// Queues a body already encoded as <see cref="GzipPayload"/> says. Never blocks: when the queue is full the oldest
    /// requests are dropped (counted). The array is shared, never modified.
    /// </summary>
    public EnqueueResult Enqueue(byte[] body)
    {
        ArgumentNullException.ThrowIfNull(body);
        var result = Queue.Enqueue(new ExportItem(body, Time.GetUtcNow()));
        Metrics?.Dropped(Config, result.DroppedItems);
        return result;
    }

    /// <summary>Shapes (<see cref="Shape"/>), encodes and queues a valid request.</summary>
    public EnqueueResult Enqueue(ExportProfilesServiceRequest request) =>
        Enqueue(Encode(PayloadShapes.Apply(Shape, request, Options.DefaultCpuPeriodNanos), GzipPayload));

    /// <summary>Shapes (<see cref="Shape"/>), encodes and queues the valid profiles of a batch.</summary>
    public EnqueueResult Enqueue(ProfileBatch batch) =>
        Enqueue(Encode(PayloadShapes.Apply(Shape, batch, Options.DefaultCpuPeriodNanos), GzipPayload));

    /// <summary>One attempt, outside the queue, for "test connection": shapes, encodes and sends <paramref name="request"/> with the timeout.</summary>
    public Task<SendResult> SendOnceAsync(ExportProfilesServiceRequest request, CancellationToken cancellationToken)
    {
        var body = Encode(PayloadShapes.Apply(Shape, request, Options.DefaultCpuPeriodNanos), GzipPayload);
        return AttemptAsync(body, cancellationToken);
    }

    /// <summary>
    /// Stops taking requests and lets the loop deliver what is queued for up to <paramref name="flushTimeout"/>; then
    /// cancels, and whatever is left is dropped (counted).
    /// </summary>
    public async Task StopAsync(TimeSpan flushTimeout)
    {
        Task? run;
        lock (_statusLock)
        {
            if (_stopRequested != 0)
            {
                run = _run;
            }
            else
            {
                _stopRequested = 1;
                run = _run;
            }
        }

        Queue.Complete();
        if (run is not null && !run.IsCompleted)
        {
            using var deadline = new CancellationTokenSource(flushTimeout, Time);
            try
            {
                await run.WaitAsync(deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested)
            {
                await _stopping.CancelAsync().ConfigureAwait(false);
                await run.ConfigureAwait(false);
            }
        }

        var dropped = Queue.DropQueued();
        Metrics?.Dropped(Config, dropped);
        SetStopped();
    }

    /// <summary>Stops at once and returns the queued requests (the one in delivery first) for a replacement exporter.</summary>
    internal async Task<IReadOnlyList<ExportItem>> StopForHandOverAsync()
    {
        Task? run;
        lock (_statusLock)
        {
            _stopRequested = 1;
            run = _run;
        }

        Queue.Complete();
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (run is not null)
        {
            await run.ConfigureAwait(false);
        }

        var items = Queue.DrainQueued();
        SetStopped();
        return items;
    }

    /// <summary>Takes requests handed over by the exporter this one replaces, oldest first.</summary>
    internal void EnqueueHandedOver(IReadOnlyList<ExportItem> items)
    {
        foreach (var item in items)
        {
            var result = Queue.Enqueue(item);
            Metrics?.Dropped(Config, result.DroppedItems);
        }
    }

    public async ValueTask DisposeAsync()
    {
        lock (_statusLock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
        }

        await StopAsync(Options.ShutdownFlushTimeout).ConfigureAwait(false);
        await DisposeTransportAsync().ConfigureAwait(false);
        _stopping.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>Sends one encoded body. <paramref name="cancellationToken"/> carries the attempt's timeout and the shutdown.</summary>
    protected abstract Task<SendResult> SendAsync(byte[] body, CancellationToken cancellationToken);

    /// <summary>Releases the HTTP client or gRPC channel.</summary>
    protected abstract ValueTask DisposeTransportAsync();

    /// <summary>
    /// The send loop, supervised: an unexpected failure (a fault outside the classified send, e.g. in a timer, a
    /// status subscriber or the metrics) puts the request in delivery back at the head of the queue, is counted and
    /// reported (<see cref="ExporterStatus.LoopRestarts"/>, <c>odigos_ui.exporter.loop_restarts</c>, the error), and
    /// the loop starts again after a backoff, so a queue is never left without a drain.
    /// </summary>
    private async Task RunAsync()
    {
        var stopping = _stopping.Token;
        while (true)
        {
            ExportItem? current = null;
            try
            {
                while (await Queue.TakeAsync(stopping).ConfigureAwait(false) is { } item)
                {
                    current = item;
                    await DeliverAsync(item, stopping).ConfigureAwait(false);
                    current = null;
                }

                return;
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                if (current is not null)
                {
                    Queue.Requeue(current);
                }

                var restarts = Interlocked.Increment(ref _restarts);
                var delay = TimeSpan.FromSeconds(Math.Min(MaxRestartDelaySeconds, 1L << (int)Math.Min(restarts - 1, 5)));
                ReportRestart(e, restarts, delay);
                try
                {
                    await Task.Delay(delay, Time, stopping).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (stopping.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception delayFailure)
                {
                    _logger.LogError(delayFailure, "Exporter for Destination {Id}: the restart delay failed; restarting at once", Config.Id);
                }
            }
        }
    }

    private const int MaxRestartDelaySeconds = 30;

    /// <summary>Logs, counts and shows a restart; a failing status subscriber cannot stop it.</summary>
    private void ReportRestart(Exception e, long restarts, TimeSpan delay)
    {
        _logger.LogError(e, "Exporter for Destination {Id}: the send loop failed; restart {Restarts} in {Delay}", Config.Id, restarts, delay);
        try
        {
            Metrics?.Restarted(Config);
            RecordError($"the send loop failed ({e.GetType().Name}: {e.Message}) and was restarted ({restarts} restarts so far); queued requests are kept");
        }
        catch (Exception reportFailure)
        {
            _logger.LogError(reportFailure, "Exporter for Destination {Id}: reporting the restart failed", Config.Id);
        }
    }

    private async Task DeliverAsync(ExportItem item, CancellationToken stopping)
    {
        var schedule = _retry.Begin();
        while (true)
        {
            SendResult result;
            try
            {
                result = await AttemptAsync(item.Body, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                Queue.Requeue(item);
                throw;
            }

            switch (result.Outcome)
            {
                case SendOutcome.Success:
                    Queue.Release(item);
                    RecordSuccess(item.Bytes, result.Message);
                    return;
                case SendOutcome.Permanent:
                    // The reason first: whoever sees the drop in the status sees why.
                    RecordError($"{result.Message} (not retried; request dropped)");
                    Queue.Drop(item);
                    Metrics?.Dropped(Config, 1);
                    return;
            }

            if (!schedule.TryNext(result.RetryAfter, out var delay))
            {
                RecordError(Options.Retry.Enabled
                    ? $"{result.Message} (gave up after {schedule.Retries} retries in {schedule.Elapsed.TotalSeconds:0.#} s; request dropped)"
                    : $"{result.Message} (retries disabled; request dropped)");
                Queue.Drop(item);
                Metrics?.Dropped(Config, 1);
                return;
            }

            Interlocked.Increment(ref _retried);
            Metrics?.Retried(Config);
            RecordError($"{result.Message} (retrying)");
            try
            {
                await Task.Delay(delay, Time, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                Queue.Requeue(item);
                throw;
            }
        }
    }

    /// <summary>One attempt with the timeout; connection failures and timeouts become <see cref="SendOutcome.Retryable"/>.</summary>
    private async Task<SendResult> AttemptAsync(byte[] body, CancellationToken stopping)
    {
        using var timeout = new CancellationTokenSource(Options.Timeout, Time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stopping, timeout.Token);
        try
        {
            return await SendAsync(body, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
        {
            return SendResult.Retry($"no answer from {Endpoint.Authority} within {Options.Timeout.TotalSeconds:0.###} s");
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return SendResult.Retry($"cannot reach {Endpoint.Authority}: {Innermost(e)}");
        }
    }

    private static string Innermost(Exception e)
    {
        var message = e.Message;
        for (var inner = e.InnerException; inner is not null; inner = inner.InnerException)
        {
            if (!string.IsNullOrEmpty(inner.Message))
            {
                message = $"{message} ({inner.Message})";
                break;
            }
        }

        return message;
    }

    private void RecordSuccess(long bytes, string? warning)
    {
        bool changed;
        lock (_statusLock)
        {
            _sentRequests++;
            _sentBytes += bytes;
            _lastSuccessAt = Time.GetUtcNow();
            changed = !_healthy || _sentRequests == 1;
            _healthy = true;
            if (warning is not null)
            {
                changed |= _lastError != warning;
                _lastError = warning;
                _lastErrorAt = _lastSuccessAt;
            }
        }

        Metrics?.Sent(Config, bytes);
        if (changed)
        {
            if (warning is null)
            {
                _logger.LogInformation("Destination {Id} accepts profiles again", Config.Id);
            }

            StatusChanged?.Invoke(Config.Id);
        }
    }

    private void RecordError(string message)
    {
        bool changed;
        lock (_statusLock)
        {
            changed = _healthy || _lastError != message;
            _healthy = false;
            _lastError = message;
            _lastErrorAt = Time.GetUtcNow();
        }

        if (changed)
        {
            _logger.LogWarning("Exporting profiles to {Type} Destination {Id}: {Error}", Config.Type, Config.Id, message);
            StatusChanged?.Invoke(Config.Id);
        }
    }

    private void SetStopped()
    {
        lock (_statusLock)
        {
            if (_state == ExporterState.Stopped)
            {
                return;
            }

            _state = ExporterState.Stopped;
        }

        StatusChanged?.Invoke(Config.Id);
    }
}
