using System.Text;
using OdigosUi.Pipeline.Exporters;
using OdigosUi.Profiles.Model;
using OdigosUi.TestSupport;
using OdigosUi.TestSupport.FakePyroscope;
using static OdigosUi.Pipeline.Tests.Exporters.ExporterTestSupport;

namespace OdigosUi.Pipeline.Tests.Exporters;

public sealed class PyroscopeExporterTests : IAsyncLifetime
{
    private FakePyroscopeServer _pyroscope = null!;

    public async Task InitializeAsync() => _pyroscope = await FakePyroscopeServer.StartAsync();

    public async Task DisposeAsync() => await _pyroscope.DisposeAsync();

    private PyroscopeExporter Exporter(ExporterOptions? options = null, IReadOnlyDictionary<string, string>? extra = null, string? url = null)
    {
        var exporter = new PyroscopeExporter(Pyroscope(url ?? _pyroscope.HostPort, extra: extra), options ?? Fast());
        exporter.Start();
        return exporter;
    }

    [Fact]
    public async Task Delivers_a_small_batch_the_strict_fake_accepts()
    {
        await using var exporter = Exporter();
        var request = Small(7);

        Assert.True(exporter.Enqueue(request).Accepted);
        await _pyroscope.WaitForAcceptedAsync(1);

        var accepted = Assert.Single(_pyroscope.Accepted);
        Assert.Empty(_pyroscope.Rejected);
        Assert.Equal(200, accepted.TotalSampleValue);
        Assert.Equal(request.ResourceProfiles.Count, accepted.ServiceNames.Count);
        Assert.True(accepted.Gzip);
        Assert.Equal("application/x-protobuf", accepted.Headers["Content-Type"]);
        Assert.Equal("gzip", accepted.Headers["Content-Encoding"]);
        Assert.Equal(request, accepted.Request);
        await EventuallyAsync(() => exporter.Status.SentRequests == 1, "sent counted");
        var status = exporter.Status;
        Assert.True(status.Healthy);
        Assert.NotNull(status.LastSuccessAt);
        Assert.Null(status.LastError);
        Assert.Equal(accepted.BodyBytes, status.SentBytes);
        Assert.Equal(0, status.QueueBytes);
    }

    [Fact]
    public async Task Delivers_a_quirky_request_after_normalizing_it()
    {
        var quirky = PyroscopeCompatTests.Quirky();
        await using var exporter = Exporter();

        // As is, Pyroscope refuses it.
        using (var client = new HttpClient())
        {
            var raw = new ByteArrayContent(DestinationExporter.Encode(quirky, gzip: false));
            raw.Headers.ContentType = new("application/x-protobuf");
            var response = await client.PostAsync(_pyroscope.ProfilesUri, raw);
            Assert.Equal(400, (int)response.StatusCode);
            Assert.Contains("mapping_table is empty", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        exporter.Enqueue(quirky);
        await _pyroscope.WaitForAcceptedAsync(1);

        var accepted = Assert.Single(_pyroscope.Accepted);
        Assert.Equal(["checkout"], accepted.ServiceNames);
        Assert.Equal(8, accepted.TotalSampleValue);
    }

    [Fact]
    public async Task Content_type_is_exactly_protobuf_without_charset()
    {
        await using var exporter = new PyroscopeExporter(Pyroscope(_pyroscope.HostPort), Fast());
        using var request = exporter.BuildRequest([1, 2, 3]);

        Assert.Equal("application/x-protobuf", request.Content!.Headers.ContentType!.ToString());
        Assert.Null(request.Content.Headers.ContentType.CharSet);
        Assert.Equal(["gzip"], request.Content.Headers.ContentEncoding);
        Assert.Equal(HttpMethod.Post, request.Method);
    }

    [Fact]
    public async Task Sends_basic_auth_and_tenant_when_configured()
    {
        await using var exporter = Exporter(extra: new Dictionary<string, string>
        {
            [DestinationFields.PyroscopeBasicAuthUsername] = "grafana",
            [DestinationFields.PyroscopeBasicAuthPassword] = "s3cret",
            [DestinationFields.PyroscopeTenantId] = "team-a",
        });

        exporter.Enqueue(Small());
        await _pyroscope.WaitForAcceptedAsync(1);

        var headers = _pyroscope.Accepted[0].Headers;
        Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("grafana:s3cret")), headers["Authorization"]);
        Assert.Equal("team-a", headers["X-Scope-OrgID"]);
    }

    [Fact]
    public async Task Typed_scheme_and_trailing_slash_reach_the_server()
    {
        await using var exporter = Exporter(url: $"http://{_pyroscope.HostPort}/");
        Assert.Equal(_pyroscope.ProfilesUri, exporter.Url);

        exporter.Enqueue(Small());
        await _pyroscope.WaitForAcceptedAsync(1);
    }

    [Fact]
    public async Task Unavailable_then_ok_is_delivered_once_after_a_retry()
    {
        _pyroscope.RespondWith(503, times: 1, body: "ingester unavailable");
        await using var exporter = Exporter();

        exporter.Enqueue(Small());
        await _pyroscope.WaitForAcceptedAsync(1);
        await EventuallyAsync(() => exporter.Status.SentRequests == 1, "sent counted");

        var status = exporter.Status;
        Assert.Single(_pyroscope.Accepted);
        Assert.Equal(2, _pyroscope.RequestCount);
        Assert.Equal(1, status.RetriedRequests);
        Assert.Equal(0, status.DroppedRequests);
        Assert.True(status.Healthy);
        Assert.Contains("HTTP 503", status.LastError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Too_many_requests_honors_retry_after()
    {
        _pyroscope.RespondWith(429, times: 1, retryAfter: TimeSpan.FromSeconds(1));
        await using var exporter = Exporter();
        var started = DateTime.UtcNow;

        exporter.Enqueue(Small());
        await _pyroscope.WaitForAcceptedAsync(1, TimeSpan.FromSeconds(8));

        Assert.True(DateTime.UtcNow - started >= TimeSpan.FromMilliseconds(950), "Retry-After: 1 was not honored");
        await EventuallyAsync(() => exporter.Status.RetriedRequests == 1, "retry counted");
    }

    [Fact]
    public async Task Bad_request_is_dropped_with_the_status_and_first_line()
    {
        _pyroscope.RespondWith(400, times: 1, body: "invalid profile: stack_index out of range\nmore detail");
        await using var exporter = Exporter();
        var changes = 0;
        exporter.StatusChanged += _ => Interlocked.Increment(ref changes);

        exporter.Enqueue(Small());
        await EventuallyAsync(() => exporter.Status.DroppedRequests == 1, "drop");
        await Task.Delay(100);

        var status = exporter.Status;
        Assert.Equal(1, _pyroscope.RequestCount);
        Assert.Equal(0, status.RetriedRequests);
        Assert.False(status.Healthy);
        Assert.StartsWith("HTTP 400 (Bad Request) from 127.0.0.1:", status.LastError, StringComparison.Ordinal);
        Assert.Contains(": invalid profile: stack_index out of range (not retried; request dropped)", status.LastError, StringComparison.Ordinal);
        Assert.DoesNotContain("more detail", status.LastError, StringComparison.Ordinal);
        Assert.NotNull(status.LastErrorAt);
        Assert.True(Volatile.Read(ref changes) >= 1);
    }

    [Theory]
    [InlineData(401)]
    [InlineData(403)]
    [InlineData(404)]
    [InlineData(413)]
    [InlineData(415)]
    public async Task Other_client_errors_are_permanent(int code)
    {
        _pyroscope.RespondWith(code, times: 1);
        await using var exporter = Exporter();

        exporter.Enqueue(Small());
        await EventuallyAsync(() => exporter.Status.DroppedRequests == 1, "drop");

        Assert.Equal(1, _pyroscope.RequestCount);
        Assert.Contains($"HTTP {code}", exporter.Status.LastError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Internal_server_error_is_a_conversion_error_and_not_retried()
    {
        _pyroscope.RespondWith(500, times: 1, body: "failed to convert otel profile: symbol not found");
        await using var exporter = Exporter();

        exporter.Enqueue(Small());
        await EventuallyAsync(() => exporter.Status.DroppedRequests == 1, "drop");
        await Task.Delay(150);

        Assert.Equal(1, _pyroscope.RequestCount);
        Assert.Equal(0, exporter.Status.RetriedRequests);
        Assert.Contains("HTTP 500", exporter.Status.LastError, StringComparison.Ordinal);
        Assert.Contains("failed to convert otel profile", exporter.Status.LastError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Gives_up_after_max_elapsed_time()
    {
        _pyroscope.RespondWith(503, times: 1000);
        await using var exporter = Exporter(Fast(maxElapsed: TimeSpan.FromMilliseconds(300), initial: TimeSpan.FromMilliseconds(10)));

        exporter.Enqueue(Small());
        await EventuallyAsync(() => exporter.Status.DroppedRequests == 1, "give-up", TimeSpan.FromSeconds(8));

        var status = exporter.Status;
        Assert.True(_pyroscope.RequestCount > 2);
        Assert.Equal(_pyroscope.RequestCount - 1, status.RetriedRequests);
        Assert.Contains("HTTP 503", status.LastError, StringComparison.Ordinal);
        Assert.Contains("gave up after", status.LastError, StringComparison.Ordinal);
        Assert.Equal(0, status.QueueBytes);
        Assert.Empty(_pyroscope.Accepted);
    }

    [Fact]
    public async Task Outage_keeps_memory_within_the_bound_and_delivers_what_is_queued_on_return()
    {
        var bodies = Enumerable.Range(1, 12).Select(seed => DestinationExporter.Encode(Small(seed), gzip: true)).ToList();
        var bound = bodies.Max(b => b.Length) * 4L;
        await _pyroscope.GoDownAsync();
        await using var exporter = Exporter(Fast(queueMaxBytes: bound));

        var totalEnqueued = 0L;
        foreach (var body in bodies)
        {
            exporter.Enqueue(body);
            totalEnqueued += body.Length;
            Assert.True(exporter.Status.QueueBytes <= bound, $"queue holds {exporter.Status.QueueBytes} > {bound}");
        }

        await EventuallyAsync(() => exporter.Status.RetriedRequests >= 2, "retries while down");
        var held = exporter.Status;
        Assert.True(totalEnqueued > bound);
        Assert.True(held.QueueBytes <= bound);
        Assert.True(held.DroppedRequests >= bodies.Count - 4, $"dropped {held.DroppedRequests}");
        Assert.Equal(bodies.Count, held.DroppedRequests + held.QueueItems);
        Assert.Contains("cannot reach", held.LastError, StringComparison.Ordinal);
        Assert.False(held.Healthy);

        await _pyroscope.ComeBackAsync();
        await _pyroscope.WaitForAcceptedAsync(held.QueueItems);
        await EventuallyAsync(() => exporter.Status.QueueItems == 0, "queue drained");

        var after = exporter.Status;
        Assert.Equal(held.QueueItems, _pyroscope.Accepted.Count);
        Assert.Equal(held.QueueItems, after.SentRequests);
        Assert.Equal(held.DroppedRequests, after.DroppedRequests);
        Assert.True(after.Healthy);
        Assert.Equal(0, after.QueueBytes);
        // The newest requests survived: the last one enqueued was delivered.
        Assert.Contains(_pyroscope.Accepted, a => a.BodyBytes == bodies[^1].Length);
    }

    [Fact]
    public async Task Stop_flushes_what_it_can_and_drops_the_rest()
    {
        await _pyroscope.GoDownAsync();
        var exporter = Exporter(Fast());
        exporter.Enqueue(Small(1));
        exporter.Enqueue(Small(2));

        await exporter.StopAsync(TimeSpan.FromMilliseconds(100));

        var status = exporter.Status;
        Assert.True(status.DroppedRequests == 2, status.ToString());
        Assert.Equal(ExporterState.Stopped, status.State);
        Assert.Equal(2, status.DroppedRequests);
        Assert.Equal(0, status.QueueBytes);
        Assert.False(exporter.Enqueue(Small(3)).Accepted);
        await exporter.DisposeAsync();
    }

    [Fact]
    public async Task Send_once_reports_the_outcome_without_queueing()
    {
        var exporter = new PyroscopeExporter(Pyroscope(_pyroscope.HostPort), Fast());
        await using var _ = exporter;

        var ok = await exporter.SendOnceAsync(Small(), CancellationToken.None);
        _pyroscope.RespondWith(503);
        var unavailable = await exporter.SendOnceAsync(Small(), CancellationToken.None);

        Assert.Equal(SendOutcome.Success, ok.Outcome);
        Assert.Equal(SendOutcome.Retryable, unavailable.Outcome);
        Assert.Equal(0, exporter.Status.SentRequests);
    }

    [Fact]
    public async Task Unreachable_port_is_retryable()
    {
        await _pyroscope.GoDownAsync();
        var exporter = new PyroscopeExporter(Pyroscope(_pyroscope.HostPort), Fast());
        await using var _ = exporter;

        var result = await exporter.SendOnceAsync(Small(), CancellationToken.None);

        Assert.Equal(SendOutcome.Retryable, result.Outcome);
        Assert.Contains($"cannot reach {_pyroscope.HostPort}", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Service_names_reach_pyroscope_as_plain_resource_attributes()
    {
        await using var exporter = Exporter();
        var b = new OtlpRequestBuilder();
        OtlpRequestBuilder.AddSample(b.Profile(new Dictionary<string, string> { ["k8s.namespace.name"] = "shop", ["k8s.deployment.name"] = "cart" }), b.StackOf("work", "main"), 4);

        exporter.Enqueue(b.Request);
        await _pyroscope.WaitForAcceptedAsync(1);

        Assert.Equal(["cart"], _pyroscope.ServiceNames);
        Assert.Equal(4, _pyroscope.TotalSampleValue);
        Assert.Equal(new SourceKey("shop", "Deployment", "cart"), new DictionaryView(_pyroscope.Accepted[0].Request.Dictionary).SourceKey(_pyroscope.Accepted[0].Request.ResourceProfiles[0].Resource));
    }
}
