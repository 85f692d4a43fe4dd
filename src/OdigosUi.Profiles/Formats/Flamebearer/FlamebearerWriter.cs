using System.Text.Json;
using OdigosUi.Profiles.Aggregation;

namespace OdigosUi.Profiles.Formats.Flamebearer;

/// <summary>
/// Pyroscope's flamebearer v1 JSON (format "single"): <c>names</c>, <c>levels</c> of [x-delta, total, self, nameIndex]
/// groups where x-delta is the gap to the end of the previous bar in the level, <c>numTicks</c>, <c>maxSelf</c> and metadata.
/// Children are laid out left to right in label order; bars of zero total are left out.
/// </summary>
public static class FlamebearerWriter
{
    public const string SpyName = "odigos-ui";

    public static byte[] Write(ProfileSnapshot snapshot, string? name = null)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer))
        {
            Write(json, snapshot, name);
        }

        return buffer.WrittenSpan.ToArray();
    }

    public static void Write(Utf8JsonWriter json, ProfileSnapshot snapshot, string? name = null)
    {
        var names = new List<string> { "total" };
        var nameIndex = new Dictionary<int, int>();
        long maxSelf = 0;

        json.WriteStartObject();
        json.WriteNumber("version", 1);
        json.WriteStartObject("flamebearer");

        json.WriteStartArray("levels");
        List<(int Node, long X)> level = [(ProfileTree.Root, 0)];
        List<(int Node, long X)> next = [];
        while (level.Count > 0)
        {
            json.WriteStartArray();
            long previousEnd = 0;
            next.Clear();
            foreach (var (node, x) in level)
            {
                var total = snapshot.Total[node];
                var self = snapshot.Self[node];
                maxSelf = Math.Max(maxSelf, self);
                json.WriteNumberValue(x - previousEnd);
                json.WriteNumberValue(total);
                json.WriteNumberValue(self);
                json.WriteNumberValue(node == ProfileTree.Root ? 0 : NameIndex(snapshot, node, names, nameIndex));
                previousEnd = x + total;

                var childX = x;
                foreach (var child in snapshot.Children(node))
                {
                    var childTotal = snapshot.Total[child];
                    if (childTotal == 0)
                    {
                        continue;
                    }

                    next.Add((child, childX));
                    childX += childTotal;
                }
            }

            json.WriteEndArray();
            (level, next) = (next, level);
        }

        json.WriteEndArray();
        json.WriteStartArray("names");
        foreach (var label in names)
        {
            json.WriteStringValue(label);
        }

        json.WriteEndArray();
        json.WriteNumber("numTicks", snapshot.TotalValue);
        json.WriteNumber("maxSelf", maxSelf);
        json.WriteEndObject();

        json.WriteStartObject("metadata");
        json.WriteString("format", "single");
        json.WriteString("spyName", SpyName);
        json.WriteNumber("sampleRate", SampleRate(snapshot));
        json.WriteString("units", Units(snapshot));
        json.WriteString("name", name ?? snapshot.Type.ToString());
        json.WriteEndObject();
        json.WriteNull("timeline");
        json.WriteEndObject();
    }

    private static int NameIndex(ProfileSnapshot snapshot, int node, List<string> names, Dictionary<int, int> byFrame)
    {
        var frame = snapshot.FrameOf[node];
        if (!byFrame.TryGetValue(frame, out var index))
        {
            index = names.Count;
            names.Add(snapshot.Frames[frame].Label);
            byFrame.Add(frame, index);
        }

        return index;
    }

    /// <summary>Samples per second for time-based periods (1e9 / period for nanoseconds), else 100 as Pyroscope assumes.</summary>
    private static long SampleRate(ProfileSnapshot snapshot) =>
        snapshot.Type.PeriodUnit == "nanoseconds" && snapshot.Period > 0
            ? Math.Max(1, (long)Math.Round(1e9 / snapshot.Period))
            : 100;

    private static string Units(ProfileSnapshot snapshot) => snapshot.Type.SampleUnit switch
    {
        "bytes" => "bytes",
        "nanoseconds" => "nanoseconds",
        "count" when snapshot.Type.SampleType.Contains("object", StringComparison.Ordinal) => "objects",
        "count" when snapshot.Type.SampleType.Contains("lock", StringComparison.Ordinal) || snapshot.Type.SampleType.Contains("contention", StringComparison.Ordinal) => "lock_samples",
        _ => "samples",
    };
}
