using OdigosUi.Resources.Destinations;

namespace OdigosUi.Resources.Tests;

public sealed class FieldValueRulesTests
{
    [Theory]
    [InlineData("pyroscope:4040")]
    [InlineData("pyroscope.pyroscope.svc.cluster.local:4040")]
    [InlineData("10.0.0.1:4040")]
    [InlineData("[::1]:4040")]
    [InlineData("localhost:1")]
    [InlineData("localhost:65535")]
    [InlineData("http://pyroscope:4040")]
    [InlineData("https://pyroscope:4040/")]
    [InlineData("HTTPS://profiles-prod.grafana.net")]
    [InlineData("http://[fe80::1]")]
    public void Valid_pyroscope_urls(string url) => Assert.Null(FieldValueRules.CheckPyroscopeUrl(url));

    [Theory]
    [InlineData("pyroscope", "A port is required")]
    [InlineData("pyroscope:", "The port must be a number")]
    [InlineData("pyroscope:0", "between 1 and 65535")]
    [InlineData("pyroscope:65536", "between 1 and 65535")]
    [InlineData("pyroscope:123456", "between 1 and 65535")]
    [InlineData("pyroscope:http", "The port must be a number")]
    [InlineData("ftp://pyroscope:4040", "The scheme must be http:// or https://")]
    [InlineData("http://pyroscope:4040/otlp", "Must not have a path")]
    [InlineData("pyroscope:4040/v1development/profiles", "Must not have a path")]
    [InlineData("http://pyroscope:4040?x=1", "query")]
    [InlineData("http://user:pw@pyroscope:4040", "Credentials")]
    [InlineData(":4040", "A host is required")]
    [InlineData("http://:4040", "A host is required")]
    [InlineData("pyro scope:4040", "spaces")]
    [InlineData("bad_host!:4040", "not a valid host")]
    [InlineData("[::1:4040", "closing ']'")]
    [InlineData("http://http://pyroscope:4040", "The scheme is given twice")]
    [InlineData("pyroscope:4040:1", "not a valid host")]
    public void Invalid_pyroscope_urls(string url, string message) =>
        Assert.Contains(message, FieldValueRules.CheckPyroscopeUrl(url));

    [Fact]
    public void KeyValuePairs_are_parsed_from_the_Odigos_shape()
    {
        Assert.Equal(
            [new("Authorization", "Bearer x"), new("X-Scope-OrgID", "")],
            FieldValueRules.ParseKeyValuePairs("""[{"key":"Authorization","value":"Bearer x"},{"key":"X-Scope-OrgID","value":""}]"""));
        Assert.Empty(FieldValueRules.ParseKeyValuePairs(null));
        Assert.Empty(FieldValueRules.ParseKeyValuePairs("not json"));
    }
}
