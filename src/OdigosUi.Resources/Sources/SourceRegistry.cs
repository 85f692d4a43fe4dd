using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OdigosUi.Resources.Model;
using OdigosUi.Resources.Stores;

namespace OdigosUi.Resources.Sources;

/// <summary>
/// Which workloads are enabled, kept live from a watch of <c>Source</c> resources. A workload is enabled when a
/// Source selects it without <c>disableInstrumentation</c>, or when a <c>Namespace</c> Source of its namespace is
/// enabled and no Source of the workload disables it (Odigos' semantics). <see cref="IsEnabled"/> is lock-free and
/// allocation-free (it reads an immutable snapshot); <see cref="Changed"/> carries no data, and is raised after the
/// snapshot changed.
/// </summary>
public sealed class SourceRegistry : IDisposable
{
    /// <summary>How long <see cref="StartAsync"/> waits for the initial state before letting the host go on.</summary>
    public static readonly TimeSpan InitialSyncTimeout = TimeSpan.FromSeconds(10);

    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(30);

    private readonly IResourceStore _store;
    private readonly ILogger _logger;
    private readonly TaskCompletionSource _synced = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stopping = new();
    private Dictionary<WorkloadRef, bool> _snapshot = new(WorkloadRef.Comparer);
    private Task? _loop;
    private int _disposed;

    public SourceRegistry(IResourceStore store, ILogger<SourceRegistry>? logger = null)
    {
        _store = store;
        _logger = logger ?? NullLogger<SourceRegistry>.Instance;
    }

    /// <summary>Raised (on the watch's thread) after the set of enabled workloads may have changed. Handlers must not block.</summary>
    public event EventHandler? Changed;

    /// <summary>True once the initial state has been read.</summary>
    public bool IsSynced => _synced.Task.IsCompleted;

    /// <summary>Completes when the initial state has been read.</summary>
    public Task WhenSynced => _synced.Task;

    /// <summary>Whether data of the workload is wanted. Kind compares ignoring case.</summary>
    public bool IsEnabled(string @namespace, string kind, string name)
    {
        var snapshot = Volatile.Read(ref _snapshot);
        if (snapshot.Count == 0)
        {
            return false;
        }

        if (snapshot.TryGetValue(new WorkloadRef(@namespace, kind, name), out bool enabled))
        {
            return enabled;
        }

        return snapshot.TryGetValue(new WorkloadRef(@namespace, WorkloadKinds.Namespace, @namespace), out bool namespaceEnabled) && namespaceEnabled;
    }

    public bool IsEnabled(WorkloadRef workload) => IsEnabled(workload.Namespace, workload.Kind, workload.Name);

    /// <summary>The workloads (and namespaces, kind <c>Namespace</c>) with an enabled Source of their own.</summary>
    public IReadOnlyList<WorkloadRef> EnabledWorkloads =>
        [.. Volatile.Read(ref _snapshot).Where(p => p.Value).Select(p => p.Key).OrderBy(w => w.ToString(), StringComparer.Ordinal)];

    /// <summary>Starts following the Sources and waits (at most <see cref="InitialSyncTimeout"/>) for the initial state.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _loop ??= Task.Run(() => RunAsync(_stopping.Token), CancellationToken.None);
        try
        {
            await _synced.Task.WaitAsync(InitialSyncTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            _logger.LogWarning("Sources not read within {Timeout}; going on, the registry fills in when they arrive", InitialSyncTimeout);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_loop is { } loop)
        {
            await loop.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _stopping.Cancel();
        }
    }

    private async Task RunAsync(CancellationToken stopping)
    {
        var delay = TimeSpan.FromMilliseconds(200);
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                // Sources by namespace/name; a new watch rebuilds them from its initial events.
                var sources = new Dictionary<(string, string), Entry>();
                bool initial = true;
                var options = new WatchOptions { SendInitialEventsEndBookmark = true };
                await foreach (var change in _store.WatchAsync<Source>(null, options, stopping).ConfigureAwait(false))
                {
                    var key = (change.Object.Metadata.Namespace ?? "", change.Object.Metadata.Name ?? "");
                    switch (change.Type)
                    {
                        case WatchEventType.Bookmark:
                            initial = false;
                            break;
                        case WatchEventType.Added or WatchEventType.Modified:
                            sources[key] = new Entry(SourceService.ToRef(change.Object), change.Object.Spec.DisableInstrumentation);
                            break;
                        case WatchEventType.Deleted:
                            sources.Remove(key);
                            break;
                    }

                    if (!initial)
                    {
                        Publish(sources);
                        _synced.TrySetResult();
                        delay = TimeSpan.FromMilliseconds(200);
                    }
                }

                if (!stopping.IsCancellationRequested)
                {
                    _logger.LogWarning("The watch of Sources ended; watching again");
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                break;
            }
            catch (ObjectDisposedException)
            {
                break;
            }
            catch (Exception ex)
            {
                _logger.LogError(ex, "The watch of Sources failed; retrying in {Delay}", delay);
            }

            try
            {
                await Task.Delay(delay, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxRetryDelay.Ticks));
        }
    }

    private void Publish(Dictionary<(string, string), Entry> sources)
    {
        var snapshot = new Dictionary<WorkloadRef, bool>(WorkloadRef.Comparer);
        foreach (var entry in sources.Values)
        {
            // A disabling Source wins over an enabling one for the same workload.
            snapshot[entry.Workload] = snapshot.TryGetValue(entry.Workload, out bool enabled) ? enabled && !entry.Disabled : !entry.Disabled;
        }

        var previous = Volatile.Read(ref _snapshot);
        if (previous.Count == snapshot.Count && previous.All(p => snapshot.TryGetValue(p.Key, out bool v) && v == p.Value))
        {
            return;
        }

        Volatile.Write(ref _snapshot, snapshot);
        try
        {
            Changed?.Invoke(this, EventArgs.Empty);
        }
        catch (Exception ex)
        {
            _logger.LogError(ex, "A SourceRegistry.Changed handler failed");
        }
    }

    private readonly record struct Entry(WorkloadRef Workload, bool Disabled);
}

/// <summary>Runs <see cref="SourceRegistry"/> with the host.</summary>
internal sealed class SourceRegistryHostedService(SourceRegistry registry) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => registry.StartAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => registry.StopAsync(cancellationToken);
}
