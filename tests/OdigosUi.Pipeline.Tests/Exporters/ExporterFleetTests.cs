using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using OdigosUi.Pipeline.Exporters;
using OdigosUi.Profiles.Aggregation;
using OdigosUi.TestSupport;
using OdigosUi.TestSupport.FakePyroscope;
using static OdigosUi.Pipeline.Tests.Exporters.ExporterTestSupport;

namespace OdigosUi.Pipeline.Tests.Exporters;

public sealed class ExporterFleetTests : IAsyncLifetime
{
    private FakePyroscopeServer _a = null!;
    private FakePyroscopeServer _b = null!;

    public async Task InitializeAsync()
    {
        _a = await FakePyroscopeServer.StartAsync();
        _b = await FakePyroscopeServer.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _a.DisposeAsync();
        await _b.DisposeAsync();
    }

    private static ProfileBatch Batch(int seed = 1) => ProfileBatch.Create(SyntheticPayloads.Small(seed));

    [Fact]
    public async Task Fans_a_batch_out_to_every_enabled_profiles_destination()
    {
        await using var fleet = new ExporterFleet(Fast());
        var statusChanges = new ConcurrentQueue<string>();
        fleet.StatusChanged += statusChanges.Enqueue;
        await fleet.ApplyAsync(
        [
            Pyroscope(_a.HostPort, id: "pyro-a"),
            OtlpHttp(_b.BaseUri.ToString(), id: "otlp-b"),
            OtlpHttp(_b.BaseUri.ToString(), id: "traces-only") with { Signals = ["TRACES"] },
            Pyroscope(_b.HostPort, id: "disabled") with { Disabled = true },
            Pyroscope("http://", id: "broken"),
        ]);

        var status = await fleet.ConsumeAsync(Batch(), CancellationToken.None);
        await _a.WaitForAcceptedAsync(1);
        await _b.WaitForAcceptedAsync(1);

        Assert.Equal(ConsumeStatus.Accepted, status);
        await Task.Delay(50);
        Assert.Single(_a.Accepted);
        Assert.Single(_b.Accepted);
        var statuses = fleet.Statuses;
        Assert.Equal(["broken", "disabled", "otlp-b", "pyro-a"], statuses.Select(s => s.DestinationId));
        Assert.Equal([ExporterState.Invalid, ExporterState.Disabled, ExporterState.Running, ExporterState.Running], statuses.Select(s => s.State));
        Assert.Equal("PYROSCOPE_URL: 'http://' has no host", statuses[0].ConfigurationError);
        Assert.False(statuses[0].Configured);
        Assert.True(statuses[3].Configured);
        Assert.Null(fleet.GetStatus("traces-only"));
        Assert.Contains("pyro-a", statusChanges);
        Assert.Contains("broken", statusChanges);
    }

    [Fact]
    public async Task Apply_rebuilds_only_changed_destinations_and_stops_removed_ones()
    {
        await using var fleet = new ExporterFleet(Fast());
        var a = Pyroscope(_a.HostPort, id: "a");
        var b = Pyroscope(_b.HostPort, id: "b");
        await fleet.ApplyAsync([a, b]);
        var exporterA = fleet.GetExporter("a")!;
        var exporterB = fleet.GetExporter("b")!;

        // Same values, new objects: nothing is rebuilt.
        await fleet.ApplyAsync([Pyroscope(_a.HostPort, id: "a"), Pyroscope(_b.HostPort, id: "b")]);
        Assert.Same(exporterA, fleet.GetExporter("a"));
        Assert.Same(exporterB, fleet.GetExporter("b"));

        var changedB = Pyroscope(_b.HostPort, id: "b", extra: new Dictionary<string, string> { [DestinationFields.PyroscopeTenantId] = "t2" });
        await fleet.ApplyAsync([a, changedB]);
        Assert.Same(exporterA, fleet.GetExporter("a"));
        var rebuiltB = fleet.GetExporter("b")!;
        Assert.NotSame(exporterB, rebuiltB);
        Assert.Equal(ExporterState.Stopped, exporterB.Status.State);
        Assert.Equal(changedB, rebuiltB.Config);

        await fleet.ConsumeAsync(Batch(), CancellationToken.None);
        await _b.WaitForAcceptedAsync(1);
        Assert.Equal("t2", _b.Accepted[0].Headers["X-Scope-OrgID"]);

        await fleet.ApplyAsync([changedB]);
        Assert.Null(fleet.GetExporter("a"));
        Assert.Null(fleet.GetStatus("a"));
        Assert.Equal(ExporterState.Stopped, exporterA.Status.State);
        Assert.False(exporterA.Enqueue([1, 2, 3]).Accepted);
        Assert.Equal(["b"], fleet.Statuses.Select(s => s.DestinationId));

        await fleet.ApplyAsync([changedB with { Disabled = true }]);
        Assert.Null(fleet.GetExporter("b"));
        Assert.Equal(ExporterState.Disabled, fleet.GetStatus("b")!.State);
        Assert.Equal(ExporterState.Stopped, rebuiltB.Status.State);
    }

    [Fact]
    public async Task Changed_destination_takes_over_the_queued_requests()
    {
        await _a.GoDownAsync();
        await using var fleet = new ExporterFleet(Fast());
        await fleet.ApplyAsync([Pyroscope(_a.HostPort, id: "d")]);
        for (var seed = 1; seed <= 3; seed++)
        {
            await fleet.ConsumeAsync(Batch(seed), CancellationToken.None);
        }

        await EventuallyAsync(() => fleet.GetStatus("d")!.RetriedRequests >= 1, "retrying while down");

        // The user fixes the URL: the new exporter delivers what the old one held.
        await fleet.ApplyAsync([Pyroscope(_b.HostPort, id: "d")]);
        await _b.WaitForAcceptedAsync(3);

        Assert.Equal(3, _b.Accepted.Count);
        await EventuallyAsync(() => fleet.GetStatus("d")!.SentRequests == 3, "sent counted");
        Assert.Equal(0, fleet.GetStatus("d")!.DroppedRequests);
    }

    [Fact]
    public async Task Consume_never_blocks_when_a_destination_is_down()
    {
        await _a.GoDownAsync();
        var bound = DestinationExporter.Encode(SyntheticPayloads.Small(1), gzip: true).Length * 3L;
        await using var fleet = new ExporterFleet(Fast(queueMaxBytes: bound));
        await fleet.ApplyAsync([Pyroscope(_a.HostPort, id: "down"), Pyroscope(_b.HostPort, id: "up")]);

        var started = DateTime.UtcNow;
        for (var i = 0; i < 40; i++)
        {
            Assert.Equal(ConsumeStatus.Accepted, await fleet.ConsumeAsync(Batch(i % 5), CancellationToken.None));
        }

        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(5));
        var down = fleet.GetStatus("down")!;
        Assert.True(down.QueueBytes <= bound);
        Assert.True(down.DroppedRequests >= 30, $"dropped {down.DroppedRequests}");
        await _b.WaitForAcceptedAsync(40 - (int)fleet.GetStatus("up")!.DroppedRequests);
    }

    [Fact]
    public async Task Batches_without_valid_profiles_and_fleets_without_destinations_accept()
    {
        await using var fleet = new ExporterFleet(Fast());
        Assert.Equal(ConsumeStatus.Accepted, await fleet.ConsumeAsync(Batch(), CancellationToken.None));

        await fleet.ApplyAsync([Pyroscope(_a.HostPort, id: "a")]);
        var b = new OtlpRequestBuilder();
        OtlpRequestBuilder.AddSample(b.Profile(new Dictionary<string, string> { ["service.name"] = "x" }), 999, 1);
        Assert.Equal(ConsumeStatus.Accepted, await fleet.ConsumeAsync(ProfileBatch.Create(b.Request), CancellationToken.None));
        await Task.Delay(100);

        Assert.Equal(0, _a.RequestCount);
    }

    [Fact]
    public async Task Metrics_are_tagged_with_the_destination()
    {
        var id = "metrics-" + Guid.NewGuid().ToString("N");
        var measurements = new ConcurrentBag<(string Instrument, long Value, string? Id, string? Type)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == ExporterMetrics.MeterName && instrument.Name.StartsWith("odigos_ui.exporter.", StringComparison.Ordinal))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            string? destination = null;
            string? type = null;
            foreach (var tag in tags)
            {
                if (tag.Key == ExporterMetrics.DestinationIdTag)
                {
                    destination = tag.Value as string;
                }
                else if (tag.Key == ExporterMetrics.DestinationTypeTag)
                {
                    type = tag.Value as string;
                }
            }

            if (destination == id)
            {
                measurements.Add((instrument.Name, value, destination, type));
            }
        });
        listener.Start();

        _a.RespondWith(503);
        await using var fleet = new ExporterFleet(Fast());
        await fleet.ApplyAsync([Pyroscope(_a.HostPort, id: id)]);
        await fleet.ConsumeAsync(Batch(), CancellationToken.None);
        await _a.WaitForAcceptedAsync(1);
        await EventuallyAsync(() => fleet.GetStatus(id)!.SentRequests == 1, "sent");
        listener.RecordObservableInstruments();

        Assert.Contains(measurements, m => m.Instrument == ExporterMetrics.SentRequestsName && m.Value == 1 && m.Type == "pyroscope");
        Assert.Contains(measurements, m => m.Instrument == ExporterMetrics.SentBytesName && m.Value > 0);
        Assert.Contains(measurements, m => m.Instrument == ExporterMetrics.RetriedRequestsName && m.Value == 1);
        Assert.Contains(measurements, m => m.Instrument == ExporterMetrics.QueueBytesName && m.Value == 0);
    }

    [Fact]
    public async Task Dispose_stops_every_exporter()
    {
        var fleet = new ExporterFleet(Fast());
        await fleet.ApplyAsync([Pyroscope(_a.HostPort, id: "a")]);
        var exporter = fleet.GetExporter("a")!;

        await fleet.DisposeAsync();

        Assert.Equal(ExporterState.Stopped, exporter.Status.State);
        Assert.Equal(ConsumeStatus.Accepted, await fleet.ConsumeAsync(Batch(), CancellationToken.None));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => fleet.ApplyAsync([]));
    }
}
