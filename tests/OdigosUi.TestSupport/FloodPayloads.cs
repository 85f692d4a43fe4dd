using OdigosUi.Profiles.Otlp.Collector;

namespace OdigosUi.TestSupport;

/// <summary>
/// The wide-frame flood: requests whose stacks are all made of frames never seen before (long generated method
/// names), plus one known stack <c>main;known</c> of value 1 in every request, so a test can tell that known stacks
/// still count while the new ones are dropped.
/// </summary>
public static class FloodPayloads
{
    public const string KnownFolded = "main;known";

    /// <summary>The resource of a local process named <paramref name="serviceName"/> (Source <c>local/Process/NAME</c>).</summary>
    public static Dictionary<string, string> Process(string serviceName) => new() { ["service.name"] = serviceName };

    /// <summary>
    /// One profile with the known stack and <paramref name="stacks"/> stacks of <paramref name="depth"/> new frames,
    /// unique per <paramref name="round"/>; filed at the time it is received.
    /// </summary>
    public static ExportProfilesServiceRequest Request(IReadOnlyDictionary<string, string> resource, int round, int stacks, int depth)
    {
        var b = new OtlpRequestBuilder();
        var profile = b.Profile(resource);
        profile.TimeUnixNano = 0;
        OtlpRequestBuilder.AddSample(profile, b.StackOf("known", "main"), 1);
        var frames = new string[depth];
        for (var s = 0; s < stacks; s++)
        {
            for (var d = 0; d < depth; d++)
            {
                frames[d] = $"com.example.generated.Flood{round:D6}.Stack{s:D6}.method{d:D3}";
            }

            OtlpRequestBuilder.AddSample(profile, b.StackOf(frames), 1);
        }

        return b.Request;
    }

    /// <summary>A normal request: <paramref name="samples"/> samples over a few stacks that repeat in every request.</summary>
    public static ExportProfilesServiceRequest Normal(IReadOnlyDictionary<string, string> resource, int samples)
    {
        var b = new OtlpRequestBuilder();
        var profile = b.Profile(resource);
        profile.TimeUnixNano = 0;
        int[] stacks = [b.StackOf("handle", "serve", "main"), b.StackOf("parse", "handle", "serve", "main"), b.StackOf("gc", "main"), b.StackOf("write", "serve", "main")];
        for (var i = 0; i < samples; i++)
        {
            OtlpRequestBuilder.AddSample(profile, stacks[i % stacks.Length], 1);
        }

        return b.Request;
    }
}
