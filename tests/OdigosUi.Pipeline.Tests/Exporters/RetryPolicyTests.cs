using OdigosUi.Pipeline.Exporters;

namespace OdigosUi.Pipeline.Tests.Exporters;

public class RetryPolicyTests
{
    private readonly SteppingTimeProvider _time = new(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000));

    [Fact]
    public void Defaults_are_odigos_defaults()
    {
        var options = new RetryOptions();

        Assert.Equal(TimeSpan.FromSeconds(5), options.InitialInterval);
        Assert.Equal(TimeSpan.FromSeconds(30), options.MaxInterval);
        Assert.Equal(TimeSpan.FromSeconds(300), options.MaxElapsedTime);
        Assert.True(options.Enabled);
        Assert.Equal(TimeSpan.FromSeconds(10), new ExporterOptions().Timeout);
        Assert.Equal(64L << 20, new ExporterOptions().QueueMaxBytes);
    }

    [Fact]
    public void Intervals_grow_to_the_max_and_stop_after_max_elapsed()
    {
        // random() = 0.5 means no jitter.
        var policy = new RetryPolicy(new RetryOptions(), _time, () => 0.5);
        var schedule = policy.Begin();
        var delays = new List<double>();
        while (schedule.TryNext(null, out var delay))
        {
            delays.Add(delay.TotalSeconds);
            _time.Advance(delay);
        }

        Assert.Equal([5, 7.5, 11.25, 16.875, 25.3125, 30, 30, 30], delays.Take(8));
        Assert.True(delays.Sum() <= 300);
        Assert.True(delays.Sum() + 30 > 300);
        Assert.Equal(delays.Count, schedule.Retries);
    }

    [Fact]
    public void Jitter_stays_within_the_randomization_factor()
    {
        var low = new RetryPolicy(new RetryOptions(), _time, () => 0).Begin();
        var high = new RetryPolicy(new RetryOptions(), _time, () => 0.999999).Begin();

        Assert.True(low.TryNext(null, out var lowDelay));
        Assert.True(high.TryNext(null, out var highDelay));
        Assert.Equal(2.5, lowDelay.TotalSeconds, 3);
        Assert.Equal(7.5, highDelay.TotalSeconds, 3);
    }

    [Fact]
    public void Retry_after_wins_when_longer_and_can_exhaust_the_budget()
    {
        var schedule = new RetryPolicy(new RetryOptions(), _time, () => 0.5).Begin();

        Assert.True(schedule.TryNext(TimeSpan.FromSeconds(42), out var delay));
        Assert.Equal(TimeSpan.FromSeconds(42), delay);
        Assert.True(schedule.TryNext(TimeSpan.FromSeconds(1), out delay));
        Assert.Equal(TimeSpan.FromSeconds(7.5), delay);
        Assert.False(schedule.TryNext(TimeSpan.FromSeconds(301), out _));
    }

    [Fact]
    public void Disabled_never_retries()
    {
        var schedule = new RetryPolicy(new RetryOptions { Enabled = false }, _time).Begin();

        Assert.False(schedule.TryNext(null, out _));
    }

    [Fact]
    public void Zero_max_elapsed_retries_forever()
    {
        var schedule = new RetryPolicy(new RetryOptions { MaxElapsedTime = TimeSpan.Zero }, _time, () => 0.5).Begin();
        for (var i = 0; i < 1000; i++)
        {
            Assert.True(schedule.TryNext(null, out var delay));
            _time.Advance(delay);
        }
    }

    [Fact]
    public void Options_are_validated()
    {
        Assert.Throws<ArgumentException>(() => new RetryPolicy(new RetryOptions { InitialInterval = TimeSpan.Zero }));
        Assert.Throws<ArgumentException>(() => new RetryPolicy(new RetryOptions { MaxInterval = TimeSpan.FromSeconds(1) }));
        Assert.Throws<ArgumentException>(() => new RetryPolicy(new RetryOptions { RandomizationFactor = 2 }));
    }
}
