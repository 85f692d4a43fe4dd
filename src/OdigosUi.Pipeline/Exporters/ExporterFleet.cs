using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OdigosUi.Profiles.Aggregation;

namespace OdigosUi.Pipeline.Exporters;

/// <summary>
/// The gateway's Destination exporters: one <see cref="DestinationExporter"/> per enabled, valid Destination with the
/// PROFILES signal, rebuilt live by <see cref="ApplyAsync"/> when Destinations change.
/// <para>
/// <see cref="ConsumeAsync"/> never blocks and always answers <see cref="ConsumeStatus.Accepted"/>: the batch's valid
/// profiles are encoded once per <see cref="PayloadShape"/> and compression the exporters ask for (as received for
/// OTLP, shaped for Pyroscope), and the same bytes are queued on every exporter that asks for them; a full queue drops
/// its oldest requests (counted).
/// </para>
/// <see cref="StatusChanged"/> carries only the Destination id; read <see cref="Statuses"/> or <see cref="GetStatus"/>.
/// One lock guards the set of exporters; <see cref="ApplyAsync"/> calls are serialized.
/// </summary>
public sealed class ExporterFleet : IProfilesConsumer, IAsyncDisposable
{
    private readonly Lock _lock = new();
    private readonly SemaphoreSlim _applyGate = new(1, 1);
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly ExporterOptions _options;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger _logger;
    private readonly ExporterMetrics _metrics;
    private readonly Func<DestinationConfig, ExporterOptions, TimeProvider, ILogger, DestinationExporter> _factory;
    private DestinationExporter[] _active = [];
    private bool _disposed;

    public ExporterFleet(ExporterOptions? options = null, TimeProvider? time = null, ILoggerFactory? loggerFactory = null, IMeterFactory? meterFactory = null)
        : this(options, time, loggerFactory, meterFactory, factory: null)
    {
    }

    /// <param name="factory">Builds an exporter for a valid Destination; <see cref="DestinationExporter.Create"/> by default.</param>
    internal ExporterFleet(
        ExporterOptions? options,
        TimeProvider? time,
        ILoggerFactory? loggerFactory,
        IMeterFactory? meterFactory,
        Func<DestinationConfig, ExporterOptions, TimeProvider, ILogger, DestinationExporter>? factory)
    {
        _options = options ?? new ExporterOptions();
        _options.Validate();
        _time = time ?? TimeProvider.System;
        _loggers = loggerFactory ?? NullLoggerFactory.Instance;
        _logger = _loggers.CreateLogger<ExporterFleet>();
        _factory = factory ?? ((config, o, t, l) => DestinationExporter.Create(config, o, t, l));
        _metrics = new ExporterMetrics(meterFactory, ActiveExporters);
    }

    /// <summary>Raised outside the lock with the Destination id whose <see cref="ExporterStatus"/> changed (added, rebuilt, removed, health or error).</summary>
    public event Action<string>? StatusChanged;

    public ExporterOptions Options => _options;

    /// <summary>One status per Destination with the PROFILES signal given to the latest <see cref="ApplyAsync"/>, ordered by id.</summary>
    public IReadOnlyList<ExporterStatus> Statuses
    {
        get
        {
            Entry[] entries;
            lock (_lock)
            {
                entries = [.. _entries.Values];
            }

            return [.. entries.Select(e => e.Status).OrderBy(s => s.DestinationId, StringComparer.Ordinal)];
        }
    }

    public ExporterStatus? GetStatus(string destinationId)
    {
        Entry? entry;
        lock (_lock)
        {
            entry = _entries.GetValueOrDefault(destinationId);
        }

        return entry?.Status;
    }

    /// <summary>The running exporter of a Destination (tests, test-connection).</summary>
    internal DestinationExporter? GetExporter(string destinationId)
    {
        lock (_lock)
        {
            return _entries.GetValueOrDefault(destinationId)?.Exporter;
        }
    }

    /// <summary>
    /// Makes the fleet match <paramref name="destinations"/> (all of them; those without PROFILES are ignored):
    /// unchanged Destinations (compared by value) keep their exporter and queue; a changed one gets a new exporter,
    /// which takes over the old one's queued requests when both encode alike; a removed, disabled or now invalid one
    /// has its exporter stopped, delivering what it holds within <see cref="ExporterOptions.RemovalFlushTimeout"/>.
    /// </summary>
    public async Task ApplyAsync(IReadOnlyList<DestinationConfig> destinations, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(destinations);
        await _applyGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var desired = new Dictionary<string, DestinationConfig>(StringComparer.Ordinal);
            foreach (var destination in destinations)
            {
                if (destination is not null && destination.HasProfiles && !string.IsNullOrEmpty(destination.Id))
                {
                    desired[destination.Id] = destination;
                }
            }

            var changed = new List<string>();
            var stop = new List<DestinationExporter>();
            var handOver = new List<(DestinationExporter Old, DestinationExporter New)>();
            var started = new List<DestinationExporter>();
            lock (_lock)
            {
                foreach (var id in _entries.Keys.Where(id => !desired.ContainsKey(id)).ToList())
                {
                    if (_entries[id].Exporter is { } removed)
                    {
                        stop.Add(removed);
                    }

                    _entries.Remove(id);
                    changed.Add(id);
                }

                foreach (var (id, config) in desired)
                {
                    var existing = _entries.GetValueOrDefault(id);
                    if (existing is not null && existing.Config.Equals(config))
                    {
                        continue;
                    }

                    var entry = Build(config);
                    if (existing?.Exporter is { } old)
                    {
                        if (entry.Exporter is { } replacement && replacement.GzipPayload == old.GzipPayload && replacement.Shape == old.Shape)
                        {
                            handOver.Add((old, replacement));
                        }
                        else
                        {
                            stop.Add(old);
                        }
                    }

                    if (entry.Exporter is { } fresh)
                    {
                        started.Add(fresh);
                    }

                    _entries[id] = entry;
                    changed.Add(id);
                }

                _active = [.. _entries.Values.Select(e => e.Exporter).OfType<DestinationExporter>()];
            }

            foreach (var exporter in started)
            {
                exporter.StatusChanged += OnExporterStatusChanged;
                exporter.Start();
            }

            foreach (var (old, replacement) in handOver)
            {
                old.StatusChanged -= OnExporterStatusChanged;
                var items = await old.StopForHandOverAsync().ConfigureAwait(false);
                replacement.EnqueueHandedOver(items);
                await old.DisposeAsync().ConfigureAwait(false);
            }

            await Task.WhenAll(stop.Select(e => StopAsync(e, _options.RemovalFlushTimeout))).ConfigureAwait(false);
            foreach (var id in changed)
            {
                StatusChanged?.Invoke(id);
            }
        }
        finally
        {
            _applyGate.Release();
        }
    }

    public ValueTask<ConsumeStatus> ConsumeAsync(ProfileBatch batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        DestinationExporter[] active;
        lock (_lock)
        {
            active = _active;
        }

        if (active.Length == 0 || batch.Profiles.Count == 0)
        {
            return ValueTask.FromResult(ConsumeStatus.Accepted);
        }

        var plainBodies = new Dictionary<PayloadShape, byte[]?>();
        var bodies = new Dictionary<(PayloadShape Shape, bool Gzip), byte[]?>();
        foreach (var exporter in active)
        {
            var key = (exporter.Shape, exporter.GzipPayload);
            if (!bodies.TryGetValue(key, out var body))
            {
                if (!plainBodies.TryGetValue(key.Shape, out var plain))
                {
                    plain = Encode(batch, key.Shape);
                    plainBodies[key.Shape] = plain;
                }

                body = plain is not null && key.GzipPayload ? DestinationExporter.Gzip(plain) : plain;
                bodies[key] = body;
            }

            if (body is not null)
            {
                exporter.Enqueue(body);
            }
        }

        return ValueTask.FromResult(ConsumeStatus.Accepted);
    }

    /// <summary>The protobuf of the batch's valid profiles in <paramref name="shape"/>; null when there is nothing to send.</summary>
    private byte[]? Encode(ProfileBatch batch, PayloadShape shape)
    {
        try
        {
            var request = PayloadShapes.Apply(shape, batch, _options.DefaultCpuPeriodNanos);
            return PyroscopeCompat.HasProfiles(request) ? Google.Protobuf.MessageExtensions.ToByteArray(request) : null;
        }
        catch (Exception e)
        {
            _logger.LogError(e, "Could not encode a batch of {Count} profiles for the {Shape} Destination exporters; dropped", batch.Profiles.Count, shape);
            return null;
        }
    }

    /// <summary>Stops every exporter, each delivering what it accepted within <see cref="ExporterOptions.ShutdownFlushTimeout"/> (in parallel).</summary>
    public async ValueTask DisposeAsync()
    {
        await _applyGate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            DestinationExporter[] exporters;
            lock (_lock)
            {
                exporters = _active;
                _active = [];
            }

            await Task.WhenAll(exporters.Select(e => StopAsync(e, _options.ShutdownFlushTimeout))).ConfigureAwait(false);
            _metrics.Dispose();
        }
        finally
        {
            _applyGate.Release();
        }
    }

    private async Task StopAsync(DestinationExporter exporter, TimeSpan flushTimeout)
    {
        try
        {
            await exporter.StopAsync(flushTimeout).ConfigureAwait(false);
            await exporter.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception e)
        {
            _logger.LogWarning(e, "Stopping the exporter of Destination {Id} failed", exporter.Config.Id);
        }
        finally
        {
            exporter.StatusChanged -= OnExporterStatusChanged;
        }
    }

    private Entry Build(DestinationConfig config)
    {
        if (config.Disabled)
        {
            return new Entry(config, null, Inactive(config, ExporterState.Disabled, null));
        }

        var errors = DestinationConfigValidator.Validate(config);
        if (errors.Count > 0)
        {
            return new Entry(config, null, Inactive(config, ExporterState.Invalid, string.Join("; ", errors)));
        }

        try
        {
            var exporter = _factory(config, _options, _time, _loggers.CreateLogger($"OdigosUi.Pipeline.Exporters.{config.Type}"));
            exporter.Metrics = _metrics;
            return new Entry(config, exporter, null);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or InvalidOperationException)
        {
            return new Entry(config, null, Inactive(config, ExporterState.Invalid, e.Message));
        }
    }

    private static ExporterStatus Inactive(DestinationConfig config, ExporterState state, string? error) => new()
    {
        DestinationId = config.Id,
        Type = config.Type,
        Name = config.Name,
        State = state,
        ConfigurationError = error,
    };

    private IEnumerable<DestinationExporter> ActiveExporters()
    {
        lock (_lock)
        {
            return _active;
        }
    }

    private void OnExporterStatusChanged(string id)
    {
        lock (_lock)
        {
            // A stopped exporter that was replaced reports nothing the fleet still shows.
            if (!_entries.TryGetValue(id, out var entry) || entry.Exporter is null)
            {
                return;
            }
        }

        StatusChanged?.Invoke(id);
    }

    private sealed record Entry(DestinationConfig Config, DestinationExporter? Exporter, ExporterStatus? InactiveStatus)
    {
        public ExporterStatus Status => Exporter?.Status ?? InactiveStatus!;
    }
}
