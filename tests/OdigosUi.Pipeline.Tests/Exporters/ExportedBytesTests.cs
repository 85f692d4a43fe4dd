using Google.Protobuf;
using OdigosUi.Pipeline.Collector;
using OdigosUi.Pipeline.Exporters;
using OdigosUi.Profiles.Aggregation;
using OdigosUi.Profiles.Model;
using OdigosUi.Profiles.Otlp.Collector;
using OdigosUi.TestSupport;
using OdigosUi.TestSupport.FakePyroscope;
using static OdigosUi.Pipeline.Tests.Exporters.ExporterTestSupport;

namespace OdigosUi.Pipeline.Tests.Exporters;

/// <summary>
/// What real receivers (Kestrel on loopback) get from each exporter for profiles whose totals need every value and
/// timestamp: OTLP exporters and internal hops send the request byte for byte as received; only the Pyroscope
/// exporter shapes it, keeping every total and timestamp.
/// </summary>
public sealed class ExportedBytesTests : IAsyncLifetime
{
    private static readonly ExportProfilesServiceRequest Mixed =
        MixedValuePayload.Create(new Dictionary<string, string> { ["service.name"] = "checkout" }, SyntheticPayloads.StartUnixNano);

    private FakePyroscopeServer _pyroscope = null!;
    private FakePyroscopeServer _otlpHttp = null!;
    private FakeGrpcProfilesServer _grpc = null!;

    public async Task InitializeAsync()
    {
        _pyroscope = await FakePyroscopeServer.StartAsync();
        _otlpHttp = await FakePyroscopeServer.StartAsync(pyroscopeRules: false);
        _grpc = await FakeGrpcProfilesServer.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _pyroscope.DisposeAsync();
        await _otlpHttp.DisposeAsync();
        await _grpc.DisposeAsync();
    }

    [Fact]
    public async Task Pyroscope_gets_one_value_per_sample_with_every_total_unit_and_timestamp_kept()
    {
        await using var exporter = new PyroscopeExporter(Pyroscope(_pyroscope.HostPort), Fast());
        exporter.Start();

        exporter.Enqueue(ProfileBatch.Create(Mixed));
        await _pyroscope.WaitForAcceptedAsync(1);

        var sent = Assert.Single(_pyroscope.Accepted).Request;
        var view = new DictionaryView(sent.Dictionary);
        var profiles = sent.ResourceProfiles.Single().ScopeProfiles.Single().Profiles;
        Assert.Equal(
            [MixedValuePayload.CpuNanosType, MixedValuePayload.OffCpuType, MixedValuePayload.SamplesType],
            profiles.Select(p => view.ProfileType(p).ToString()));
        Assert.Equal(
            MixedValuePayload.TotalsInOrder,
            profiles.Select(WireTotals.Total));
        var received = Mixed.ResourceProfiles[0].ScopeProfiles[0].Profiles;
        for (var i = 0; i < profiles.Count; i++)
        {
            Assert.Equal(WireTotals.Timestamps(received[i]), WireTotals.Timestamps(profiles[i]));
            Assert.Equal(received[i].Period, profiles[i].Period);
            Assert.All(profiles[i].Samples, s => Assert.True(s.Values.Count <= 1));
        }

        Assert.Equal([2L, 2L, 3L, 3L], profiles[1].Samples.Select(s => s.Values.Single()));
        Assert.Null(profiles[1].PeriodType);
        Assert.Equal(["checkout"], _pyroscope.ServiceNames);
    }

    [Fact]
    public async Task Otlp_http_gets_the_request_byte_for_byte()
    {
        await using var exporter = new OtlpHttpExporter(OtlpHttp($"http://{_otlpHttp.HostPort}"), Fast());
        exporter.Start();

        exporter.Enqueue(ProfileBatch.Create(Mixed));
        await _otlpHttp.WaitForAcceptedAsync(1);

        Assert.Equal(Mixed.ToByteArray(), Assert.Single(_otlpHttp.Accepted).Protobuf);
    }

    [Fact]
    public async Task Otlp_grpc_gets_the_request_byte_for_byte()
    {
        await using var exporter = new OtlpGrpcExporter(GrpcConfig(), Fast());
        exporter.Start();

        exporter.Enqueue(ProfileBatch.Create(Mixed));
        await EventuallyAsync(() => _grpc.Received.Count == 1, "one gRPC export");

        Assert.Equal(Mixed.ToByteArray(), _grpc.Received[0].Request.ToByteArray());
    }

    [Fact]
    public async Task Internal_hop_forwards_the_request_byte_for_byte()
    {
        await using var forwarder = new OtlpForwarder("gateway", $"http://127.0.0.1:{_grpc.Port}", Fast());

        await forwarder.ConsumeAsync(ProfileBatch.Create(Mixed), CancellationToken.None);
        await EventuallyAsync(() => _grpc.Received.Count == 1, "one forwarded export");

        Assert.Equal(Mixed.ToByteArray(), _grpc.Received[0].Request.ToByteArray());
    }

    [Fact]
    public async Task Fleet_shapes_one_batch_for_pyroscope_only()
    {
        await using var fleet = new ExporterFleet(Fast());
        await fleet.ApplyAsync([Pyroscope(_pyroscope.HostPort), OtlpHttp($"http://{_otlpHttp.HostPort}"), GrpcConfig()]);

        await fleet.ConsumeAsync(ProfileBatch.Create(Mixed), CancellationToken.None);
        await _pyroscope.WaitForAcceptedAsync(1);
        await _otlpHttp.WaitForAcceptedAsync(1);
        await EventuallyAsync(() => _grpc.Received.Count == 1, "one gRPC export");

        Assert.Equal(Mixed.ToByteArray(), _otlpHttp.Accepted[0].Protobuf);
        Assert.Equal(Mixed.ToByteArray(), _grpc.Received[0].Request.ToByteArray());
        var shaped = _pyroscope.Accepted[0].Request.ResourceProfiles[0].ScopeProfiles[0].Profiles;
        Assert.Equal(MixedValuePayload.TotalsInOrder, shaped.Select(WireTotals.Total));
        Assert.Empty(_pyroscope.Rejected);
    }

    [Fact]
    public async Task A_real_producers_request_reaches_pyroscope_accepted_and_otlp_unchanged()
    {
        var ebpf = RealProducerPayloads.EbpfProfiler();
        await using var fleet = new ExporterFleet(Fast());
        await fleet.ApplyAsync([Pyroscope(_pyroscope.HostPort), OtlpHttp($"http://{_otlpHttp.HostPort}")]);

        await fleet.ConsumeAsync(ProfileBatch.Create(ebpf), CancellationToken.None);
        await _pyroscope.WaitForAcceptedAsync(1);
        await _otlpHttp.WaitForAcceptedAsync(1);

        Assert.Equal(ebpf.ToByteArray(), _otlpHttp.Accepted[0].Protobuf);
        var shaped = _pyroscope.Accepted[0].Request;
        Assert.Equal(
            ebpf.ResourceProfiles.SelectMany(r => r.ScopeProfiles).SelectMany(s => s.Profiles).Select(WireTotals.Total),
            shaped.ResourceProfiles.SelectMany(r => r.ScopeProfiles).SelectMany(s => s.Profiles).Select(WireTotals.Total));
    }

    [Fact]
    public async Task Invalid_profiles_are_left_out_and_the_dictionary_is_sent_as_received()
    {
        var b = new OtlpRequestBuilder();
        OtlpRequestBuilder.AddSample(b.Profile(new Dictionary<string, string> { ["service.name"] = "good" }), b.StackOf("a"), 1);
        OtlpRequestBuilder.AddSample(b.Profile(new Dictionary<string, string> { ["service.name"] = "bad" }), 999, 1);
        var batch = ProfileBatch.Create(b.Request);
        Assert.Equal(1, batch.Validation.InvalidProfileCount);
        await using var exporter = new OtlpHttpExporter(OtlpHttp($"http://{_otlpHttp.HostPort}"), Fast());
        exporter.Start();

        exporter.Enqueue(batch);
        await _otlpHttp.WaitForAcceptedAsync(1);

        var sent = _otlpHttp.Accepted[0].Request;
        Assert.Equal(["good"], _otlpHttp.Accepted[0].ServiceNames);
        Assert.Equal(b.Request.Dictionary, sent.Dictionary);
        Assert.Equal(b.Request.ResourceProfiles[0], sent.ResourceProfiles.Single());
    }

    private DestinationConfig GrpcConfig() => new(
        "grpc",
        DestinationTypes.Otlp,
        "gRPC",
        new Dictionary<string, string> { [DestinationFields.OtlpGrpcEndpoint] = $"127.0.0.1:{_grpc.Port}" },
        ["PROFILES"]);
}
