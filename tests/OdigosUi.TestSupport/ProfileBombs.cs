using System.Text;
using Google.Protobuf;
using OdigosUi.Profiles.Otlp.Collector;
using OdigosUi.Profiles.Otlp.Profiles;
using PprofProto = OdigosUi.Profiles.Pprof.Proto;

namespace OdigosUi.TestSupport;

/// <summary>
/// Small hostile payloads that expand into far more than their size (issue 15): shared by the tests that refuse them
/// and the benchmarks that measure them.
/// </summary>
public static class ProfileBombs
{
    public static readonly Dictionary<string, string> Attributes = new()
    {
        ["k8s.namespace.name"] = "shop",
        ["k8s.deployment.name"] = "bomb",
    };

    /// <summary>
    /// The expansion bomb: one location with <paramref name="lines"/> lines, used by <paramref name="stacks"/> distinct
    /// stack entries, one sample each (1,000 × 20,000 = 20 million frames from a ~100 KB request).
    /// </summary>
    public static ExportProfilesServiceRequest ExpansionBomb(int lines = 1000, int stacks = 20_000)
    {
        var b = new OtlpRequestBuilder();
        var location = new Location();
        var function = b.Function("inlined");
        for (var i = 0; i < lines; i++)
        {
            location.Lines.Add(new Line { FunctionIndex = function, Line_ = i });
        }

        var index = b.AddLocation(location);
        var profile = b.Profile(Attributes);
        for (var s = 0; s < stacks; s++)
        {
            OtlpRequestBuilder.AddSample(profile, b.Stack(index), 1);
        }

        return b.Request;
    }

    /// <summary>One sample whose stack has <paramref name="depth"/> distinct single-line frames, named <c>f0</c> (leaf) to <c>f{depth-1}</c> (root).</summary>
    public static ExportProfilesServiceRequest DeepStack(int depth)
    {
        var b = new OtlpRequestBuilder();
        var profile = b.Profile(Attributes);
        OtlpRequestBuilder.AddSample(profile, b.StackOf([.. Enumerable.Range(0, depth).Select(i => $"f{i}")]), 1);
        return b.Request;
    }

    /// <summary>
    /// The JSON bomb: an OTLP/JSON document of about <paramref name="bytes"/> bytes that is nothing but empty objects in
    /// <paramref name="table"/> (3 bytes each, a message of ~100 bytes each once parsed).
    /// </summary>
    public static byte[] JsonBomb(int bytes, string table = "locationTable")
    {
        var head = $$"""{"dictionary":{"{{table}}":[""";
        var count = Math.Max(1, (bytes - head.Length - 3) / 3);
        var json = new StringBuilder(head, bytes + 16);
        json.Append("{}");
        json.Insert(json.Length, ",{}", count - 1);
        json.Append("]}}");
        return Encoding.UTF8.GetBytes(json.ToString());
    }

    /// <summary>
    /// A pprof profile of <paramref name="functions"/> functions and locations whose ids are <c>k·(2³²+1)</c>: every
    /// one has the same default 64-bit hash (the two halves cancel).
    /// </summary>
    public static byte[] CollidingIdsPprof(int functions = 80_000)
    {
        var profile = new PprofProto.Profile
        {
            SampleType = { new PprofProto.ValueType { Type = 1, Unit = 2 } },
            StringTable = { "", "samples", "count" },
        };
        for (var k = 1; k <= functions; k++)
        {
            var id = (ulong)k * 0x1_0000_0001UL;
            profile.StringTable.Add($"fn{k}");
            profile.Function.Add(new PprofProto.Function { Id = id, Name = profile.StringTable.Count - 1 });
            profile.Location.Add(new PprofProto.Location { Id = id, Line = { new PprofProto.Line { FunctionId = id } } });
            if (k % 100 == 0)
            {
                profile.Sample.Add(new PprofProto.Sample { LocationId = { id, (ulong)(k - 1) * 0x1_0000_0001UL }, Value = { k } });
            }
        }

        return profile.ToByteArray();
    }
}
