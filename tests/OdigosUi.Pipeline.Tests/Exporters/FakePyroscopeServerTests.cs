using System.Net.Http.Headers;
using Google.Protobuf;
using OdigosUi.Pipeline.Exporters;
using OdigosUi.Profiles.Otlp.Common;
using OdigosUi.Profiles.Otlp.Profiles;
using OdigosUi.TestSupport;
using OdigosUi.TestSupport.FakePyroscope;

namespace OdigosUi.Pipeline.Tests.Exporters;

/// <summary>The fake is only useful if it refuses what Pyroscope refuses.</summary>
public sealed class FakePyroscopeServerTests : IAsyncLifetime
{
    private readonly HttpClient _client = new();
    private FakePyroscopeServer _server = null!;

    public async Task InitializeAsync() => _server = await FakePyroscopeServer.StartAsync();

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync();
    }

    private async Task<(int Status, string Body)> PostAsync(byte[] body, string contentType = "application/x-protobuf", string? encoding = null, string path = FakePyroscopeServer.ProfilesPath)
    {
        var content = new ByteArrayContent(body);
        content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        if (encoding is not null)
        {
            content.Headers.ContentEncoding.Add(encoding);
        }

        using var response = await _client.PostAsync(new Uri(_server.BaseUri, path), content);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Accepts_a_tidy_request_plain_or_gzip()
    {
        var request = SyntheticPayloads.Small(2);

        Assert.Equal(200, (await PostAsync(request.ToByteArray())).Status);
        Assert.Equal(200, (await PostAsync(DestinationExporter.Gzip(request.ToByteArray()), encoding: "gzip")).Status);
        Assert.Equal(2, _server.Accepted.Count);
        Assert.Equal(["cart", "frontend"], _server.ServiceNames.Order(StringComparer.Ordinal));
        Assert.Equal(400, _server.TotalSampleValue);
    }

    [Theory]
    [InlineData("application/x-protobuf; charset=utf-8")]
    [InlineData("application/json")]
    [InlineData("application/protobuf")]
    public async Task Refuses_any_other_content_type(string contentType)
    {
        var (status, body) = await PostAsync(SyntheticPayloads.Small(1).ToByteArray(), contentType);

        Assert.Equal(415, status);
        Assert.Contains(contentType, body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Only_post_to_the_profiles_path()
    {
        Assert.Equal(404, (await PostAsync([], path: "/otlp/v1development/profiles")).Status);
        Assert.Equal(405, (int)(await _client.GetAsync(_server.ProfilesUri)).StatusCode);
        Assert.Equal(400, (await PostAsync([0xff, 0xff, 0xff])).Status);
    }

    [Fact]
    public void Refuses_strindex_service_names_multi_value_samples_and_zero_periods()
    {
        var strindex = SyntheticPayloads.Small(1);
        var attributes = strindex.ResourceProfiles[0].Resource.Attributes;
        var index = attributes.IndexOf(attributes.First(a => a.Key == "service.name"));
        strindex.Dictionary.StringTable.Add("service.name");
        attributes[index] = new KeyValue { KeyStrindex = strindex.Dictionary.StringTable.Count - 1, Value = new AnyValue { StringValue = "cart" } };
        Assert.Contains("key_strindex / string_value_strindex form", FakePyroscopeServer.Check(strindex));

        var missing = SyntheticPayloads.Small(1);
        missing.ResourceProfiles[0].Resource.Attributes.Remove(missing.ResourceProfiles[0].Resource.Attributes.First(a => a.Key == "service.name"));
        Assert.Equal("resource_profiles[0]: service.name is missing", FakePyroscopeServer.Check(missing));

        var twoValues = SyntheticPayloads.Small(1);
        var sample = twoValues.ResourceProfiles[0].ScopeProfiles[0].Profiles[0].Samples.First(s => s.Values.Count == 1);
        sample.Values.Add(1);
        Assert.Contains("a sample has 2 values", FakePyroscopeServer.Check(twoValues));

        var zeroPeriod = SyntheticPayloads.Small(1);
        zeroPeriod.ResourceProfiles[1].ScopeProfiles[0].Profiles[0].Period = 0;
        Assert.Equal("resource_profiles[1]: CPU profile with period 0", FakePyroscopeServer.Check(zeroPeriod));

        var noZero = SyntheticPayloads.Small(1);
        noZero.Dictionary.LinkTable[0] = new Link { TraceId = ByteString.CopyFrom(new byte[16]) };
        Assert.Equal("dictionary.link_table[0] is not the zero value", FakePyroscopeServer.Check(noZero));
    }

    [Fact]
    public async Task Scripted_statuses_then_normal_service_and_outages()
    {
        _server.RespondWith(503, times: 2, retryAfter: TimeSpan.FromSeconds(3));
        var body = SyntheticPayloads.Small(1).ToByteArray();

        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
        using (var first = await _client.PostAsync(_server.ProfilesUri, content))
        {
            Assert.Equal(503, (int)first.StatusCode);
            Assert.Equal(TimeSpan.FromSeconds(3), first.Headers.RetryAfter?.Delta);
        }

        Assert.Equal(503, (await PostAsync(body)).Status);
        Assert.Equal(200, (await PostAsync(body)).Status);

        var port = _server.Port;
        await _server.GoDownAsync();
        Assert.True(_server.IsDown);
        using (var fresh = new HttpClient())
        {
            await Assert.ThrowsAsync<HttpRequestException>(() => fresh.PostAsync(_server.ProfilesUri, new ByteArrayContent(body)));
        }

        await _server.ComeBackAsync();
        Assert.Equal(port, _server.Port);
        Assert.Equal(200, (await PostAsync(body)).Status);
    }
}
