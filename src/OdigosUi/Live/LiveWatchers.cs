using System.Collections.Concurrent;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;
using OdigosUi.Hosting;
using OdigosUi.Pipeline.Live;
using OdigosUi.Pipeline.Slots;
using OdigosUi.Profiles.Model;

namespace OdigosUi.Live;

/// <summary>
/// The live views of every SignalR connection of <see cref="ProfilesHub"/>: validates <c>Watch</c> calls (never
/// throwing to the client), opens or touches the slot, and runs one <see cref="LiveWatcher"/> per connection.
/// </summary>
public sealed class LiveWatchers : IAsyncDisposable
{
    /// <summary>The longest window a client may ask for (31 days).</summary>
    public const int MaxWindowSeconds = 31 * 24 * 3600;

    private const int MaxEchoedLength = 200;

    private readonly ConcurrentDictionary<string, LiveWatcher> _watchers = new(StringComparer.Ordinal);
    private readonly Lock _admission = new();
    private readonly ProfilingSlots _slots;
    private readonly LiveChangeNotifier _notifier;
    private readonly IHubContext<ProfilesHub> _hub;
    private readonly IOptionsMonitor<LiveOptions> _options;
    private readonly IOptionsMonitor<ProfilingOptions> _profiling;
    private readonly TimeProvider _time;
    private readonly ILogger<LiveWatchers> _logger;

    public LiveWatchers(
        ProfilingSlots slots,
        LiveChangeNotifier notifier,
        IHubContext<ProfilesHub> hub,
        IOptionsMonitor<LiveOptions> options,
        IOptionsMonitor<ProfilingOptions> profiling,
        TimeProvider time,
        ILogger<LiveWatchers> logger)
    {
        _slots = slots;
        _notifier = notifier;
        _hub = hub;
        _options = options;
        _profiling = profiling;
        _time = time;
        _logger = logger;
    }

    /// <summary>Connections that watch (or watched and have not disconnected).</summary>
    public int Count => _watchers.Count;

    public WatchResult Watch(string connectionId, string? source, string? profileType, int windowSeconds)
    {
        if (!_profiling.CurrentValue.Enabled)
        {
            return WatchResult.Fail("profiling is disabled (Profiling:Enabled=false)");
        }

        if (source is null || source.Length > 3 * 256 || !SourceKey.TryParse(source, out var key))
        {
            return WatchResult.Fail($"bad source key '{Echo(source)}': expected namespace/Kind/name");
        }

        ProfileType? type = null;
        if (!string.IsNullOrEmpty(profileType))
        {
            if (!ProfileType.TryParse(profileType, out var parsed))
            {
                return WatchResult.Fail($"profile type '{Echo(profileType)}' is not of the form sampleType:sampleUnit:periodType:periodUnit");
            }

            type = parsed;
        }

        if (windowSeconds is < 0 or > MaxWindowSeconds)
        {
            return WatchResult.Fail($"windowSeconds {windowSeconds} is not 0 (since the slot opened) or a number of seconds up to {MaxWindowSeconds}");
        }

        LiveWatcher watcher;
        lock (_admission)
        {
            if (!_watchers.TryGetValue(connectionId, out var existing))
            {
                var max = _options.CurrentValue.MaxLiveWatchers;
                if (_watchers.Count >= max)
                {
                    return WatchResult.Fail($"too many live views ({max}, Profiling:Ui:MaxLiveWatchers); close one and try again");
                }

                existing = new LiveWatcher(connectionId, _slots, _notifier, Sender(connectionId), () => _options.CurrentValue.LiveInterval, _time, _logger);
                _watchers[connectionId] = existing;
            }

            watcher = existing;
        }

        var slot = _slots.Open(key);
        if (type is { } requested && slot.ProfileTypes.Count > 0 && !slot.ProfileTypes.Contains(requested.ToString()))
        {
            return WatchResult.Fail($"profile type '{requested}' is not in this slot; it has: {string.Join(", ", slot.ProfileTypes)}");
        }

        watcher.Watch(key, new LiveCursor(type, windowSeconds));
        return WatchResult.Success();
    }

    public void Ack(string connectionId, long seq)
    {
        if (_watchers.TryGetValue(connectionId, out var watcher))
        {
            watcher.Ack(seq);
        }
    }

    public void Unwatch(string connectionId)
    {
        if (_watchers.TryGetValue(connectionId, out var watcher))
        {
            watcher.Unwatch();
        }
    }

    /// <summary>Stops and forgets the connection's view (on disconnect).</summary>
    public async Task RemoveAsync(string connectionId)
    {
        if (_watchers.TryRemove(connectionId, out var watcher))
        {
            await watcher.DisposeAsync().ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var connectionId in _watchers.Keys)
        {
            await RemoveAsync(connectionId).ConfigureAwait(false);
        }
    }

    private Func<ProfileUpdate, CancellationToken, Task> Sender(string connectionId) =>
        (update, cancellationToken) => _hub.Clients.Client(connectionId).SendAsync(ProfilesHub.UpdateMethod, update, cancellationToken);

    private static string Echo(string? text) => text is null ? "" : text.Length <= MaxEchoedLength ? text : text[..MaxEchoedLength] + "…";
}
