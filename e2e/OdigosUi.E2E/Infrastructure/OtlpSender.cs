using System.Net.Http.Headers;
using Google.Protobuf;
using OdigosUi.TestSupport;

namespace OdigosUi.E2E.Infrastructure;

/// <summary>Sends CPU profiles of a local process to the app's OTLP/HTTP receiver, as an external sender would.</summary>
public static class OtlpSender
{
    /// <summary>One request for <paramref name="service"/>: each stack (leaf first) with its sample value.</summary>
    public static async Task SendAsync(AppUnderTest app, string service, params (string[] LeafFirst, long Value)[] stacks)
    {
        var builder = new OtlpRequestBuilder();
        var profile = builder.Profile(new Dictionary<string, string> { ["service.name"] = service });
        profile.TimeUnixNano = (ulong)DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000UL;
        foreach (var (leafFirst, value) in stacks)
        {
            OtlpRequestBuilder.AddSample(profile, builder.StackOf(leafFirst), value);
        }

        using var client = new HttpClient();
        using var content = new ByteArrayContent(builder.Request.ToByteArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
        using var response = await client.PostAsync(new Uri(app.OtlpHttp, "/v1development/profiles"), content);
        response.EnsureSuccessStatusCode();
    }
}
