using OdigosUi.Profiles.Otlp.Collector;
using OdigosUi.TestSupport;

namespace OdigosUi.Pipeline.Tests.Receivers;

/// <summary>Small export requests for the receiver tests.</summary>
public static class TestRequests
{
    public const int BadStackIndex = 999;

    /// <summary>Two valid profiles, one per service, three samples in all.</summary>
    public static ExportProfilesServiceRequest TwoValid()
    {
        var b = new OtlpRequestBuilder();
        var cart = b.Profile(new Dictionary<string, string> { ["service.name"] = "cart" });
        OtlpRequestBuilder.AddSample(cart, b.StackOf("leaf", "main"), 5);
        OtlpRequestBuilder.AddSample(cart, b.StackOf("other", "main"), 2);
        var api = b.Profile(new Dictionary<string, string> { ["service.name"] = "api" });
        OtlpRequestBuilder.AddSample(api, b.StackOf("handler", "serve"), 7);
        return b.Request;
    }

    /// <summary>Two profiles; the second one's sample points past the stack table.</summary>
    public static ExportProfilesServiceRequest OneBadOfTwo()
    {
        var request = TwoValid();
        request.ResourceProfiles[1].ScopeProfiles[0].Profiles[0].Samples[0].StackIndex = BadStackIndex;
        return request;
    }

    /// <summary>What <see cref="OneBadOfTwo"/> leaves once the bad profile (and its emptied resource) is removed.</summary>
    public static ExportProfilesServiceRequest OneBadOfTwoCleaned()
    {
        var request = OneBadOfTwo();
        request.ResourceProfiles.RemoveAt(1);
        return request;
    }

    /// <summary>One profile whose only sample points past the stack table: nothing in it is usable.</summary>
    public static ExportProfilesServiceRequest BadIndex()
    {
        var b = new OtlpRequestBuilder();
        var profile = b.Profile(new Dictionary<string, string> { ["service.name"] = "cart" });
        b.StackOf("leaf", "main");
        OtlpRequestBuilder.AddSample(profile, BadStackIndex, 1);
        return b.Request;
    }

    /// <summary>A valid request of about <paramref name="bytes"/> bytes: a long function name in the string table.</summary>
    public static ExportProfilesServiceRequest OfSize(int bytes)
    {
        var b = new OtlpRequestBuilder();
        var profile = b.Profile(new Dictionary<string, string> { ["service.name"] = "big" });
        OtlpRequestBuilder.AddSample(profile, b.StackOf(new string('f', bytes), "main"), 1);
        return b.Request;
    }
}
