using Microsoft.Extensions.Time.Testing;
using OdigosUi.Pipeline.Live;
using OdigosUi.Pipeline.Slots;
using OdigosUi.Profiles.Model;

namespace OdigosUi.Pipeline.Tests.Live;

public class LiveChangeNotifierTests
{
    private static readonly SourceKey Cart = new("shop", "Deployment", "cart");
    private static readonly SourceKey Api = new("local", "Process", "api");
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(250);
    private readonly FakeTimeProvider _time = new(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000));
    private readonly ProfilingSlots _slots;
    private readonly LiveChangeNotifier _notifier;

    public LiveChangeNotifierTests()
    {
        _slots = new ProfilingSlots(new SlotOptions(), _time);
        _notifier = new LiveChangeNotifier(_slots, () => Interval, _time);
    }

    /// <summary>Each Open raises the slots' data-free Changed event for the Source.</summary>
    private void Change(SourceKey source, int times)
    {
        for (var i = 0; i < times; i++)
        {
            _slots.Open(source);
        }
    }

    [Fact]
    public void Many_changes_in_an_interval_are_one_wake_up_then_one_more_after_it()
    {
        var wakes = 0;
        using var subscription = _notifier.Subscribe(Cart, () => wakes++);

        Change(Cart, 100);
        Assert.Equal(1, wakes);

        _time.Advance(TimeSpan.FromMilliseconds(100));
        Change(Cart, 100);
        Assert.Equal(1, wakes);
        _time.Advance(TimeSpan.FromMilliseconds(149));
        Assert.Equal(1, wakes);
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(2, wakes);

        // No change, no wake-up.
        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(2, wakes);

        // After a quiet interval a change wakes at once.
        Change(Cart, 1);
        Assert.Equal(3, wakes);
    }

    [Fact]
    public void Sources_are_throttled_separately_and_only_their_subscribers_wake()
    {
        int cart = 0, cart2 = 0, api = 0;
        using var a = _notifier.Subscribe(Cart, () => cart++);
        using var b = _notifier.Subscribe(Cart, () => cart2++);
        using var c = _notifier.Subscribe(Api, () => api++);

        Change(Cart, 10);
        Change(Api, 10);
        Change(new SourceKey("x", "Process", "nobody-watches"), 10);

        Assert.Equal((1, 1, 1), (cart, cart2, api));
        Assert.Equal(2, _notifier.SourceCount);
    }

    [Fact]
    public void A_disposed_subscription_is_not_woken_and_the_last_one_frees_its_source()
    {
        var wakes = 0;
        var subscription = _notifier.Subscribe(Cart, () => wakes++);
        Change(Cart, 1);
        Change(Cart, 1);
        subscription.Dispose();
        subscription.Dispose();

        _time.Advance(Interval * 4);
        Change(Cart, 3);
        _time.Advance(Interval * 4);

        Assert.Equal(1, wakes);
        Assert.Equal(0, _notifier.SourceCount);
    }

    [Fact]
    public void A_longer_interval_applies_at_the_next_change()
    {
        var interval = Interval;
        using var notifier = new LiveChangeNotifier(_slots, () => interval, _time);
        var wakes = 0;
        using var subscription = notifier.Subscribe(Api, () => wakes++);
        Change(Api, 1);
        interval = TimeSpan.FromSeconds(2);
        Change(Api, 1);
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, wakes);
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(2, wakes);
    }
}
