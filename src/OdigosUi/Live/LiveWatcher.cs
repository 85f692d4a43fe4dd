using OdigosUi.Pipeline.Live;
using OdigosUi.Pipeline.Slots;
using OdigosUi.Profiles.Model;

namespace OdigosUi.Live;

/// <summary>
/// One connection's live view: a background loop that sends the watched slot's next update when woken by a change
/// (throttled per Source), at most one unacknowledged update at a time and at most one per interval. Changes that
/// arrive while it waits (for the ack or the interval) are merged into the next update, since the cursor diffs
/// against what was sent, not against what happened. While watched, the slot is touched so it does not expire.
/// </summary>
internal sealed class LiveWatcher : IAsyncDisposable
{
    private static readonly TimeSpan MaxKeepAlive = TimeSpan.FromSeconds(5);

    private readonly Lock _gate = new();
    private readonly Lock _signalGate = new();
    private readonly SemaphoreSlim _signal = new(0, 1);
    private readonly CancellationTokenSource _stop = new();
    private readonly ProfilingSlots _slots;
    private readonly LiveChangeNotifier _notifier;
    private readonly Func<ProfileUpdate, CancellationToken, Task> _send;
    private readonly Func<TimeSpan> _interval;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Action _wake;
    private readonly Task _loop;
    private SourceKey _source;
    private LiveCursor? _cursor;
    private IDisposable? _subscription;
    private long _seq;
    private long _unacked;
    private long? _lastSent;

    public LiveWatcher(
        string connectionId,
        ProfilingSlots slots,
        LiveChangeNotifier notifier,
        Func<ProfileUpdate, CancellationToken, Task> send,
        Func<TimeSpan> interval,
        TimeProvider time,
        ILogger logger)
    {
        ConnectionId = connectionId;
        _slots = slots;
        _notifier = notifier;
        _send = send;
        _interval = interval;
        _time = time;
        _logger = logger;
        _wake = Wake;
        _loop = Task.Run(RunAsync);
    }

    public string ConnectionId { get; }

    /// <summary>Starts (or replaces) the view; the next update is a reset.</summary>
    public void Watch(SourceKey source, LiveCursor cursor)
    {
        lock (_gate)
        {
            if (_subscription is null || _source != source)
            {
                _subscription?.Dispose();
                _subscription = _notifier.Subscribe(source, _wake);
            }

            _source = source;
            _cursor = cursor;

            // A new view does not wait for the ack of an update of the old one.
            _unacked = 0;
        }

        Wake();
    }

    /// <summary>The client applied every update up to <paramref name="seq"/>.</summary>
    public void Ack(long seq)
    {
        lock (_gate)
        {
            if (_unacked == 0 || seq < _unacked || seq > _seq)
            {
                return;
            }

            _unacked = 0;
        }

        Wake();
    }

    public void Unwatch()
    {
        lock (_gate)
        {
            _subscription?.Dispose();
            _subscription = null;
            _cursor = null;
            _unacked = 0;
        }
    }

    public async ValueTask DisposeAsync()
    {
        Unwatch();
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
        _signal.Dispose();
    }

    private void Wake()
    {
        lock (_signalGate)
        {
            if (_signal.CurrentCount == 0)
            {
                _signal.Release();
            }
        }
    }

    private async Task RunAsync()
    {
        var stop = _stop.Token;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await _signal.WaitAsync(PollInterval(), stop).ConfigureAwait(false);
                await SendNextAsync(stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                _logger.LogWarning(e, "Live update for connection {ConnectionId} failed", ConnectionId);
            }
        }
    }

    private async Task SendNextAsync(CancellationToken stop)
    {
        LiveCursor? cursor;
        SourceKey source;
        bool paused;
        lock (_gate)
        {
            cursor = _cursor;
            source = _source;
            paused = _unacked != 0;
        }

        if (cursor is null)
        {
            return;
        }

        if (paused)
        {
            // A paused view is still a view.
            _slots.Touch(source);
            return;
        }

        if (_lastSent is { } last && _interval() - _time.GetElapsedTime(last) is { } wait && wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, _time, stop).ConfigureAwait(false);
        }

        ProfileUpdate? update;
        lock (_gate)
        {
            if (_cursor != cursor || _unacked != 0)
            {
                // Watched again or unwatched meanwhile: look again.
                Wake();
                return;
            }

            update = _slots.NextUpdate(source, cursor);
            if (update is null)
            {
                return;
            }

            update.Seq = ++_seq;
            _unacked = update.Seq;
        }

        _lastSent = _time.GetTimestamp();
        await _send(update, stop).ConfigureAwait(false);
    }

    /// <summary>
    /// How long to sleep without a change: the interval for a sliding window (time moves it), else a keep-alive
    /// short enough to touch the slot well within its idle TTL.
    /// </summary>
    private TimeSpan PollInterval()
    {
        var interval = _interval();
        LiveCursor? cursor;
        lock (_gate)
        {
            cursor = _cursor;
        }

        if (cursor is { WindowSeconds: > 0 })
        {
            return interval;
        }

        var keepAlive = TimeSpan.FromSeconds(_slots.Options.SlotTtlSeconds / 3.0);
        return keepAlive > MaxKeepAlive ? MaxKeepAlive : keepAlive < interval ? interval : keepAlive;
    }
}
