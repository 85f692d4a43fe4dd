using System.Globalization;
using System.Text;
using OdigosUi.Profiles.Otlp.Collector;
using OdigosUi.Profiles.Otlp.Profiles;

namespace OdigosUi.TestSupport;

/// <summary>
/// A deliberately naive reading of the design's rules, independent of the product code, used as the oracle:
/// profile type, sample value, frame labels and folded text computed straight from the request.
/// </summary>
public static class ReferenceFolded
{
    public static string Compute(ExportProfilesServiceRequest request, string profileType)
    {
        var d = request.Dictionary;
        string S(int i) => i == 0 ? "" : d.StringTable[i];
        var sums = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var rp in request.ResourceProfiles)
        {
            foreach (var sp in rp.ScopeProfiles)
            {
                foreach (var p in sp.Profiles)
                {
                    var type = $"{S(p.SampleType.TypeStrindex)}:{S(p.SampleType.UnitStrindex)}:{S(p.PeriodType?.TypeStrindex ?? 0)}:{S(p.PeriodType?.UnitStrindex ?? 0)}";
                    if (type != profileType)
                    {
                        continue;
                    }

                    foreach (var sample in p.Samples)
                    {
                        var frames = new List<string>();
                        var stack = sample.StackIndex == 0 ? [] : d.StackTable[sample.StackIndex].LocationIndices.ToList();
                        foreach (var li in stack)
                        {
                            var loc = li == 0 ? new Location() : d.LocationTable[li];
                            if (loc.Lines.Count == 0)
                            {
                                var mapping = loc.MappingIndex == 0 ? new Mapping() : d.MappingTable[loc.MappingIndex];
                                var file = S(mapping.FilenameStrindex);
                                var inFile = file != "" && loc.Address >= mapping.MemoryStart && loc.Address < mapping.MemoryLimit;
                                var address = inFile ? loc.Address - mapping.MemoryStart + mapping.FileOffset : loc.Address;
                                var hex = "0x" + address.ToString("x", CultureInfo.InvariantCulture);
                                frames.Add(file == "" ? hex : file.Split('/')[^1] + "+" + hex);
                                continue;
                            }

                            foreach (var line in loc.Lines)
                            {
                                var f = line.FunctionIndex == 0 ? new Function() : d.FunctionTable[line.FunctionIndex];
                                var label = S(f.NameStrindex);
                                if (label == "")
                                {
                                    label = S(f.SystemNameStrindex);
                                }

                                if (label == "")
                                {
                                    label = S(f.FilenameStrindex) + ":" + line.Line_.ToString(CultureInfo.InvariantCulture);
                                }

                                frames.Add(label);
                            }
                        }

                        frames.Reverse();
                        var key = string.Join(";", frames);
                        var value = sample.Values.Count > 0 ? sample.Values.Sum() : sample.TimestampsUnixNano.Count;
                        sums[key] = sums.GetValueOrDefault(key) + value;
                    }
                }
            }
        }

        return Format(sums.Where(kv => kv.Value != 0));
    }

    /// <summary>Folded text of summed stacks: <c>stack value</c> lines in code-point order.</summary>
    public static string Format(IEnumerable<KeyValuePair<string, long>> sums)
    {
        var lines = sums.Select(kv => $"{kv.Key} {kv.Value.ToString(CultureInfo.InvariantCulture)}").ToList();
        lines.Sort((a, b) => Encoding.UTF8.GetBytes(a).AsSpan().SequenceCompareTo(Encoding.UTF8.GetBytes(b)));
        return string.Concat(lines.Select(line => line + "\n"));
    }

    /// <summary>The stacks and values of folded text.</summary>
    public static Dictionary<string, long> Parse(string folded) => folded
        .Split('\n', StringSplitOptions.RemoveEmptyEntries)
        .ToDictionary(line => line[..line.LastIndexOf(' ')], line => long.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture), StringComparer.Ordinal);

    /// <summary>The sum of every value of folded text.</summary>
    public static long Total(string folded) => Parse(folded).Values.Sum();

    /// <summary>A copy of <paramref name="request"/> with only its resource at <paramref name="index"/> (same dictionary).</summary>
    public static ExportProfilesServiceRequest OnlyResource(ExportProfilesServiceRequest request, int index)
    {
        var only = request.Clone();
        var kept = only.ResourceProfiles[index];
        only.ResourceProfiles.Clear();
        only.ResourceProfiles.Add(kept);
        return only;
    }
}
