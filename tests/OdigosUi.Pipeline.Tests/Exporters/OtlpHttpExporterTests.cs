using OdigosUi.Pipeline.Exporters;
using OdigosUi.TestSupport.FakePyroscope;
using static OdigosUi.Pipeline.Tests.Exporters.ExporterTestSupport;

namespace OdigosUi.Pipeline.Tests.Exporters;

public sealed class OtlpHttpExporterTests : IAsyncLifetime
{
    private FakePyroscopeServer _server = null!;

    public async Task InitializeAsync() => _server = await FakePyroscopeServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Custom_headers_in_odigos_json_form_reach_the_backend()
    {
        var config = OtlpHttp(_server.BaseUri.ToString(), extra: new Dictionary<string, string>
        {
            [DestinationFields.OtlpHttpHeaders] = """[{"key":"X-Api-Key","value":"k-123"},{"key":"x-team","value":"profiling"}]""",
        });
        await using var exporter = new OtlpHttpExporter(config, Fast());
        exporter.Start();

        exporter.Enqueue(Small());
        await _server.WaitForAcceptedAsync(1);

        var headers = _server.Accepted[0].Headers;
        Assert.Equal("k-123", headers["X-Api-Key"]);
        Assert.Equal("profiling", headers["x-team"]);
        Assert.True(_server.Accepted[0].Gzip);
        Assert.Equal(_server.ProfilesUri, exporter.Url);
    }

    [Fact]
    public async Task Uncompressed_with_key_value_headers_and_basic_auth()
    {
        var config = OtlpHttp(_server.BaseUri.ToString(), extra: new Dictionary<string, string>
        {
            [DestinationFields.OtlpHttpHeaders] = "x-scope-orgid=tenant-1,x-other=2",
            [DestinationFields.OtlpHttpCompression] = "none",
            [DestinationFields.OtlpHttpBasicAuthUsername] = "u",
            [DestinationFields.OtlpHttpBasicAuthPassword] = "p",
        });
        await using var exporter = new OtlpHttpExporter(config, Fast());
        exporter.Start();

        exporter.Enqueue(Small());
        await _server.WaitForAcceptedAsync(1);

        var accepted = _server.Accepted[0];
        Assert.False(accepted.Gzip);
        Assert.False(accepted.Headers.ContainsKey("Content-Encoding"));
        Assert.Equal("tenant-1", accepted.Headers["x-scope-orgid"]);
        Assert.Equal("Basic dTpw", accepted.Headers["Authorization"]);
        Assert.False(exporter.GzipPayload);
    }

    [Fact]
    public async Task Profiles_endpoint_is_used_as_given()
    {
        var config = new DestinationConfig("o", DestinationTypes.OtlpHttp, "o", new Dictionary<string, string>
        {
            [DestinationFields.OtlpHttpEndpoint] = "http://127.0.0.1:1",
            [DestinationFields.OtlpHttpProfilesEndpoint] = _server.ProfilesUri.ToString(),
        }, ["PROFILES"]);
        await using var exporter = new OtlpHttpExporter(config, Fast());
        exporter.Start();

        exporter.Enqueue(Small());
        await _server.WaitForAcceptedAsync(1);
    }

    [Fact]
    public async Task Wrong_path_is_a_permanent_404()
    {
        await using var exporter = new OtlpHttpExporter(OtlpHttp(_server.BaseUri + "otlp"), Fast());
        exporter.Start();

        exporter.Enqueue(Small());
        await EventuallyAsync(() => exporter.Status.DroppedRequests == 1, "drop");

        Assert.Equal(1, _server.RequestCount);
        Assert.Contains("HTTP 404", exporter.Status.LastError, StringComparison.Ordinal);
        Assert.Contains("404 page not found", exporter.Status.LastError, StringComparison.Ordinal);
    }
}
