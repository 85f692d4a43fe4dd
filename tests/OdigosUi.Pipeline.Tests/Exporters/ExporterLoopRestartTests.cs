using System.Diagnostics.Metrics;
using OdigosUi.Pipeline.Exporters;
using OdigosUi.Profiles.Aggregation;
using OdigosUi.TestSupport;
using OdigosUi.TestSupport.FakePyroscope;
using static OdigosUi.Pipeline.Tests.Exporters.ExporterTestSupport;

namespace OdigosUi.Pipeline.Tests.Exporters;

/// <summary>
/// An exporter's send loop that fails outside the classified send is restarted and reported, and keeps what it had
/// queued. The fault is injected through the exporter's clock (its <see cref="TimeProvider"/>, which times every
/// attempt): the real fleet, queue and HTTP exporter, a real Kestrel backend.
/// </summary>
public sealed class ExporterLoopRestartTests : IAsyncLifetime
{
    private FakePyroscopeServer _backend = null!;

    public async Task InitializeAsync() => _backend = await FakePyroscopeServer.StartAsync();

    public async Task DisposeAsync() => await _backend.DisposeAsync();

    [Fact]
    public async Task A_loop_that_died_is_restarted_counted_and_shown_and_nothing_queued_is_lost()
    {
        var clock = new FaultyTimers();
        using var restarts = new RestartCounter();
        await using var fleet = new ExporterFleet(Fast(), clock);
        await fleet.ApplyAsync([Pyroscope(_backend.HostPort)]);

        clock.FailNext(1);
        for (int i = 1; i <= 3; i++)
        {
            await fleet.ConsumeAsync(ProfileBatch.Create(SyntheticPayloads.Small(i)), CancellationToken.None);
        }

        await _backend.WaitForAcceptedAsync(3, TimeSpan.FromSeconds(30));
        await EventuallyAsync(() => fleet.GetStatus("pyro")!.SentRequests == 3, "three requests delivered", TimeSpan.FromSeconds(30));

        var status = fleet.GetStatus("pyro")!;
        Assert.Equal(1, clock.Failures);
        Assert.Equal(1, status.LoopRestarts);
        Assert.Equal(ExporterState.Running, status.State);
        Assert.Equal(0, status.DroppedRequests);
        Assert.Equal(0, status.QueueItems);
        Assert.Equal(3, _backend.Accepted.Count);
        Assert.Equal(1, restarts.Total);

        // The loop keeps draining after its restart.
        await fleet.ConsumeAsync(ProfileBatch.Create(SyntheticPayloads.Small(9)), CancellationToken.None);
        await _backend.WaitForAcceptedAsync(4, TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task A_fault_in_the_restart_itself_still_ends_in_a_running_loop_and_the_error_says_so()
    {
        var clock = new FaultyTimers();
        await using var fleet = new ExporterFleet(Fast(), clock);
        await fleet.ApplyAsync([Pyroscope(_backend.HostPort)]);
        var errors = new System.Collections.Concurrent.ConcurrentQueue<string>();
        fleet.StatusChanged += id =>
        {
            if (fleet.GetStatus(id)?.LastError is { } error)
            {
                errors.Enqueue(error);
            }
        };

        // The attempt's timer fails, then the restart delay's timer too.
        clock.FailNext(2);
        await fleet.ConsumeAsync(ProfileBatch.Create(SyntheticPayloads.Small(1)), CancellationToken.None);
        await _backend.WaitForAcceptedAsync(1, TimeSpan.FromSeconds(30));

        Assert.Equal(2, clock.Failures);
        Assert.Equal(1, fleet.GetStatus("pyro")!.LoopRestarts);
        Assert.Contains(errors, e => e.Contains("restarted", StringComparison.Ordinal) && e.Contains("injected timer fault", StringComparison.Ordinal));
        Assert.Single(_backend.Accepted);
    }

    /// <summary>The system clock, except that the next <c>n</c> timers it is asked for fail to be created.</summary>
    private sealed class FaultyTimers : TimeProvider
    {
        private int _toFail;
        private int _failures;

        public int Failures => Volatile.Read(ref _failures);

        public void FailNext(int count) => Volatile.Write(ref _toFail, count);

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            if (Interlocked.Decrement(ref _toFail) >= 0)
            {
                Interlocked.Increment(ref _failures);
                throw new InvalidOperationException("injected timer fault");
            }

            return System.CreateTimer(callback, state, dueTime, period);
        }
    }

    private sealed class RestartCounter : IDisposable
    {
        private readonly MeterListener _listener = new();
        private long _total;

        public RestartCounter()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == ExporterMetrics.MeterName && instrument.Name == ExporterMetrics.LoopRestartsName)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref _total, value));
            _listener.Start();
        }

        public long Total => Interlocked.Read(ref _total);

        public void Dispose() => _listener.Dispose();
    }
}
