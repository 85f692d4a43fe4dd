using OdigosUi.Pipeline.Exporters;

namespace OdigosUi.Pipeline.Tests.Exporters;

public class DestinationConfigTests
{
    [Theory]
    [InlineData("pyroscope.pyroscope:4040", "false", "http://pyroscope.pyroscope:4040/v1development/profiles")]
    [InlineData("pyroscope.pyroscope:4040", "true", "https://pyroscope.pyroscope:4040/v1development/profiles")]
    [InlineData("pyroscope.pyroscope:4040/", "false", "http://pyroscope.pyroscope:4040/v1development/profiles")]
    [InlineData("http://pyroscope:4040", "true", "http://pyroscope:4040/v1development/profiles")]
    [InlineData("https://pyroscope:4040", "false", "https://pyroscope:4040/v1development/profiles")]
    [InlineData("https://pyroscope:4040/", "true", "https://pyroscope:4040/v1development/profiles")]
    [InlineData("HTTP://Pyroscope:4040", "", "http://pyroscope:4040/v1development/profiles")]
    [InlineData("http://pyroscope:4040/v1development/profiles", "false", "http://pyroscope:4040/v1development/profiles")]
    [InlineData("http://pyroscope:4040/v1development/profiles/", "false", "http://pyroscope:4040/v1development/profiles")]
    [InlineData("  10.0.0.7:4040  ", "false", "http://10.0.0.7:4040/v1development/profiles")]
    [InlineData("[::1]:4040", "false", "http://[::1]:4040/v1development/profiles")]
    [InlineData("pyroscope", "true", "https://pyroscope/v1development/profiles")]
    [InlineData("https://profiles.example.com/pyroscope", "false", "https://profiles.example.com/pyroscope/v1development/profiles")]
    public void Pyroscope_url_gets_one_scheme_and_the_profiles_path(string typed, string tls, string expected)
    {
        var config = ExporterTestSupport.Pyroscope(typed, extra: new Dictionary<string, string> { [DestinationFields.PyroscopeTlsEnabled] = tls });

        Assert.Empty(DestinationConfigValidator.Validate(config));
        Assert.True(DestinationEndpoints.TryPyroscopeUrl(config.Field(DestinationFields.PyroscopeUrl), tls == "true", out var uri, out _));
        Assert.Equal(expected, uri.ToString());
        Assert.DoesNotContain("://http", uri.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pyroscope_exporter_posts_to_the_resolved_url()
    {
        var config = ExporterTestSupport.Pyroscope("https://pyroscope.example:4443/", extra: new Dictionary<string, string> { [DestinationFields.PyroscopeTlsEnabled] = "false" });
        await using var exporter = new PyroscopeExporter(config);

        Assert.Equal("https://pyroscope.example:4443/v1development/profiles", exporter.Url.ToString());
    }

    [Theory]
    [InlineData("http://", "PYROSCOPE_URL: 'http://' has no host")]
    [InlineData("https://", "PYROSCOPE_URL: 'https://' has no host")]
    [InlineData(":4040", "PYROSCOPE_URL: ':4040' has no host")]
    [InlineData("", "PYROSCOPE_URL: is required")]
    [InlineData("host:abc", "PYROSCOPE_URL: 'host:abc' has an invalid port 'abc'")]
    [InlineData("host:70000", "PYROSCOPE_URL: 'host:70000' has an invalid port '70000'")]
    [InlineData("http://http://host:4040", "PYROSCOPE_URL: 'http://http://host:4040' has the scheme twice")]
    [InlineData("grpc://host:4040", "PYROSCOPE_URL: 'grpc://host:4040' has scheme 'grpc'; use host:port, http:// or https://")]
    [InlineData("host:4040?x=1", "PYROSCOPE_URL: 'host:4040?x=1' must not have a query or fragment")]
    [InlineData("user:pw@host:4040", "PYROSCOPE_URL: 'user:pw@host:4040' must not carry credentials; use the basic auth fields")]
    [InlineData("my host:4040", "PYROSCOPE_URL: 'my host:4040' must not contain spaces")]
    public void Bad_pyroscope_urls_get_a_message_per_field(string typed, string expected)
    {
        var errors = DestinationConfigValidator.Validate(ExporterTestSupport.Pyroscope(typed));

        Assert.Equal([expected], errors.Select(e => e.ToString()));
    }

    [Fact]
    public void Validator_reports_every_field_and_the_signals()
    {
        var config = new DestinationConfig("d", DestinationTypes.Pyroscope, "p", new Dictionary<string, string>
        {
            [DestinationFields.PyroscopeUrl] = "http://",
            [DestinationFields.PyroscopeTlsEnabled] = "yes",
            [DestinationFields.PyroscopeBasicAuthPassword] = "secret",
        }, ["TRACES"]);

        var errors = DestinationConfigValidator.Validate(config);
        var byField = DestinationConfigValidator.ByField(errors);

        Assert.Equal(["pyroscope requires the PROFILES signal"], byField["signals"]);
        Assert.Equal(["'yes' is not true or false"], byField[DestinationFields.PyroscopeTlsEnabled]);
        Assert.Equal(["'http://' has no host"], byField[DestinationFields.PyroscopeUrl]);
        Assert.Equal(["is required when PYROSCOPE_BASIC_AUTH_PASSWORD is set"], byField[DestinationFields.PyroscopeBasicAuthUsername]);
        Assert.DoesNotContain("secret", string.Join(" ", errors), StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_type_and_signal_are_reported()
    {
        var errors = DestinationConfigValidator.Validate(new DestinationConfig("d", "jaeger", "j", new Dictionary<string, string>(), ["PROFILES", "SPANS"]));

        Assert.Contains(errors, e => e.Field == "type" && e.Message.Contains("'jaeger' is not a supported destination type", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Field == "signals" && e.Message.StartsWith("'SPANS' is not a signal", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("http://collector:4318", null, "http://collector:4318/v1development/profiles")]
    [InlineData("https://otlp.example.com/", null, "https://otlp.example.com/v1development/profiles")]
    [InlineData("https://otlp.example.com/otlp", null, "https://otlp.example.com/otlp/v1development/profiles")]
    [InlineData("collector", null, "http://collector:4318/v1development/profiles")]
    [InlineData("collector:9999", null, "http://collector:9999/v1development/profiles")]
    [InlineData("http://collector:4318", "http://profiles:4040/custom/path", "http://profiles:4040/custom/path")]
    [InlineData(null, "https://profiles.example.com/v1development/profiles", "https://profiles.example.com/v1development/profiles")]
    public void Otlp_http_url(string? endpoint, string? profilesEndpoint, string expected)
    {
        var fields = new Dictionary<string, string>();
        if (endpoint is not null)
        {
            fields[DestinationFields.OtlpHttpEndpoint] = endpoint;
        }

        if (profilesEndpoint is not null)
        {
            fields[DestinationFields.OtlpHttpProfilesEndpoint] = profilesEndpoint;
        }

        var config = new DestinationConfig("o", DestinationTypes.OtlpHttp, "o", fields, ["PROFILES"]);

        Assert.Empty(DestinationConfigValidator.Validate(config));
        Assert.True(DestinationEndpoints.TryOtlpHttpUrl(endpoint, profilesEndpoint, false, out var uri, out _));
        Assert.Equal(expected, uri.ToString());
    }

    [Theory]
    [InlineData("collector", "false", "http://collector:4317/")]
    [InlineData("collector:5317", "true", "https://collector:5317/")]
    [InlineData("https://collector", "false", "https://collector/")]
    [InlineData("http://collector:4317/", "true", "http://collector:4317/")]
    public void Otlp_grpc_address(string endpoint, string tls, string expected)
    {
        Assert.True(DestinationEndpoints.TryOtlpGrpcAddress(endpoint, tls == "true", out var uri, out var error), error);
        Assert.Equal(expected, uri.ToString());
    }

    [Fact]
    public void Otlp_grpc_endpoint_with_a_path_is_refused()
    {
        var config = new DestinationConfig("g", DestinationTypes.Otlp, "g", new Dictionary<string, string>
        {
            [DestinationFields.OtlpGrpcEndpoint] = "http://collector:4317/v1",
        }, ["PROFILES"]);

        Assert.Equal(["OTLP_GRPC_ENDPOINT: 'http://collector:4317/v1' must not have a path"], DestinationConfigValidator.Validate(config).Select(e => e.ToString()));
    }

    [Theory]
    [InlineData("""[{"key":"X-Api-Key","value":"abc"},{"key":"x-team","value":"a b"}]""", "X-Api-Key=abc|x-team=a b")]
    [InlineData("X-Api-Key=abc, x-team = a b", "X-Api-Key=abc|x-team=a b")]
    [InlineData("", "")]
    [InlineData("[]", "")]
    public void Headers_in_both_forms(string text, string expected)
    {
        Assert.True(DestinationHeaders.TryParse(text, grpc: false, out var headers, out var error), error);
        Assert.Equal(expected, string.Join("|", headers.Select(h => $"{h.Key}={h.Value}")));
    }

    [Theory]
    [InlineData("""{"key":"a"}""", false, "is not a JSON array of {key, value} objects")]
    [InlineData("novalue", false, "'novalue' is not of the form key=value")]
    [InlineData("Content-Type=text/plain", false, "'Content-Type' is set by the exporter")]
    [InlineData("bad header=x", false, "'bad header' is not a valid HTTP header name")]
    [InlineData("""[{"key":"","value":"x"}]""", false, "a header has no name")]
    [InlineData("trace-bin=abc", true, "'trace-bin' is a binary metadata key; only text headers are supported")]
    [InlineData("grpc-foo=1", true, "'grpc-foo' is not a valid gRPC metadata key")]
    public void Bad_headers(string text, bool grpc, string expected)
    {
        Assert.False(DestinationHeaders.TryParse(text, grpc, out _, out var error));
        Assert.Equal(expected, error);
    }

    [Fact]
    public void Compression_field()
    {
        var config = ExporterTestSupport.OtlpHttp("http://c:4318", extra: new Dictionary<string, string> { [DestinationFields.OtlpHttpCompression] = "zstd" });

        Assert.Equal(["OTLP_HTTP_COMPRESSION: 'zstd' is not supported (gzip or none)"], DestinationConfigValidator.Validate(config).Select(e => e.ToString()));
    }

    [Fact]
    public void Equality_is_by_value()
    {
        var a = new DestinationConfig("d", "pyroscope", "p", new Dictionary<string, string> { ["A"] = "1", ["B"] = "2" }, ["PROFILES"]);
        var b = new DestinationConfig("d", "pyroscope", "p", new Dictionary<string, string> { ["B"] = "2", ["A"] = "1" }, ["PROFILES"]);
        var c = a with { Fields = new Dictionary<string, string> { ["A"] = "1", ["B"] = "3" } };

        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.NotEqual(a, c);
        Assert.NotEqual(a, a with { Disabled = true });
        Assert.NotEqual(a, a with { Signals = ["PROFILES", "TRACES"] });
        Assert.DoesNotContain("2", a.ToString(), StringComparison.Ordinal);
    }
}
