using OdigosUi.Pipeline.Slots;
using OdigosUi.Profiles.Model;

namespace OdigosUi.Pipeline.Live;

/// <summary>
/// Throttled, data-free change notification per Source: however often <see cref="ProfilingSlots.Changed"/> fires
/// for a Source, its subscribers are woken at most once per interval (right away when the last wake-up is older
/// than the interval, else once when it has passed). Subscriptions are disposable.
/// </summary>
public sealed class LiveChangeNotifier : IDisposable
{
    private readonly Lock _lock = new();
    private readonly Dictionary<SourceKey, SourceThrottle> _sources = [];
    private readonly ProfilingSlots _slots;
    private readonly Func<TimeSpan> _interval;
    private readonly TimeProvider _time;
    private bool _disposed;

    /// <param name="interval">Read at every change, so a reloaded setting applies at once.</param>
    public LiveChangeNotifier(ProfilingSlots slots, Func<TimeSpan> interval, TimeProvider time)
    {
        _slots = slots;
        _interval = interval;
        _time = time;
        _slots.Changed += OnChanged;
    }

    /// <summary>Sources with at least one subscriber.</summary>
    public int SourceCount
    {
        get
        {
            lock (_lock)
            {
                return _sources.Count;
            }
        }
    }

    /// <summary>Calls <paramref name="wake"/> (on a timer or the changing thread; it must be quick and not throw) after changes of <paramref name="source"/>.</summary>
    public IDisposable Subscribe(SourceKey source, Action wake)
    {
        ArgumentNullException.ThrowIfNull(wake);
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_sources.TryGetValue(source, out var throttle))
            {
                throttle = new SourceThrottle(source);
                _sources.Add(source, throttle);
            }

            throttle.Listeners = [.. throttle.Listeners, wake];
            return new Subscription(this, throttle, wake);
        }
    }

    public void Dispose()
    {
        _slots.Changed -= OnChanged;
        lock (_lock)
        {
            _disposed = true;
            foreach (var throttle in _sources.Values)
            {
                throttle.Timer?.Dispose();
            }

            _sources.Clear();
        }
    }

    private void OnChanged(SourceKey source)
    {
        Action[] wake;
        lock (_lock)
        {
            if (!_sources.TryGetValue(source, out var throttle) || throttle.Pending)
            {
                return;
            }

            var now = _time.GetTimestamp();
            var due = throttle.LastFired is { } last ? _interval() - _time.GetElapsedTime(last, now) : TimeSpan.Zero;
            if (due > TimeSpan.Zero)
            {
                throttle.Pending = true;
                throttle.Timer ??= _time.CreateTimer(_ => Fire(throttle), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
                throttle.Timer.Change(due, Timeout.InfiniteTimeSpan);
                return;
            }

            throttle.LastFired = now;
            wake = throttle.Listeners;
        }

        Invoke(wake);
    }

    private void Fire(SourceThrottle throttle)
    {
        Action[] wake;
        lock (_lock)
        {
            if (!throttle.Pending)
            {
                return;
            }

            throttle.Pending = false;
            throttle.LastFired = _time.GetTimestamp();
            wake = throttle.Listeners;
        }

        Invoke(wake);
    }

    private static void Invoke(Action[] wake)
    {
        foreach (var action in wake)
        {
            action();
        }
    }

    private void Unsubscribe(SourceThrottle throttle, Action wake)
    {
        lock (_lock)
        {
            var index = Array.IndexOf(throttle.Listeners, wake);
            if (index < 0)
            {
                return;
            }

            throttle.Listeners = [.. throttle.Listeners[..index], .. throttle.Listeners[(index + 1)..]];
            if (throttle.Listeners.Length == 0 && _sources.TryGetValue(throttle.Source, out var current) && current == throttle)
            {
                _sources.Remove(throttle.Source);
                throttle.Pending = false;
                throttle.Timer?.Dispose();
            }
        }
    }

    private sealed class SourceThrottle(SourceKey source)
    {
        public SourceKey Source { get; } = source;

        public Action[] Listeners { get; set; } = [];

        /// <summary>Timestamp of the last wake-up (<see cref="TimeProvider.GetTimestamp"/>).</summary>
        public long? LastFired { get; set; }

        public bool Pending { get; set; }

        public ITimer? Timer { get; set; }
    }

    private sealed class Subscription(LiveChangeNotifier owner, SourceThrottle throttle, Action wake) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                owner.Unsubscribe(throttle, wake);
            }
        }
    }
}
