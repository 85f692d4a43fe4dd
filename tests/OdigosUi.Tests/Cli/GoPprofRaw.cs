using System.Globalization;
using System.Text.RegularExpressions;

namespace OdigosUi.Tests.Cli;

/// <summary>
/// The output of <c>go tool pprof -raw</c>, read independently of our code: the sample types, and per stack
/// (function names root first, joined by <c>;</c>) the summed values of every sample with that stack.
/// </summary>
internal sealed partial class GoPprofRaw
{
    private GoPprofRaw(IReadOnlyList<string> sampleTypes, IReadOnlyDictionary<string, long[]> stacks)
    {
        SampleTypes = sampleTypes;
        Stacks = stacks;
    }

    /// <summary>As pprof prints them: <c>type/unit</c>.</summary>
    public IReadOnlyList<string> SampleTypes { get; }

    public IReadOnlyDictionary<string, long[]> Stacks { get; }

    /// <summary>Folded text of one sample type: every stack, including those whose sum is 0, in ordinal order.</summary>
    public string Folded(string sampleType) => Folded(sampleType, keepZero: true);

    /// <summary>Folded text of one sample type without the stacks whose sum is 0: what our conversion must produce.</summary>
    public string FoldedNonZero(string sampleType) => Folded(sampleType, keepZero: false);

    public long Total(string sampleType) => Stacks.Values.Sum(values => values[Column(sampleType)]);

    public IEnumerable<string> StacksWithZeroSum(string sampleType) =>
        Stacks.Where(stack => stack.Value[Column(sampleType)] == 0).Select(stack => stack.Key);

    public static GoPprofRaw Parse(string output)
    {
        var lines = output.Split('\n');
        var samplesAt = Array.IndexOf(lines, "Samples:");
        var locationsAt = Array.IndexOf(lines, "Locations");
        var mappingsAt = Array.IndexOf(lines, "Mappings");
        Assert.True(samplesAt >= 0 && locationsAt > samplesAt && mappingsAt > locationsAt, $"unexpected pprof -raw output:\n{output}");

        var sampleTypes = lines[samplesAt + 1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var frames = ParseLocations(lines[(locationsAt + 1)..mappingsAt]);
        var stacks = new Dictionary<string, long[]>(StringComparer.Ordinal);
        foreach (var line in lines[(samplesAt + 2)..locationsAt])
        {
            if (!TryParseSample(line, sampleTypes.Length, out var values, out var locationIds))
            {
                continue;
            }

            var leafFirst = locationIds.SelectMany(id => frames.TryGetValue(id, out var names)
                ? names
                : throw new InvalidOperationException($"pprof -raw: sample refers to location {id}, which it does not list"));
            var stack = string.Join(";", leafFirst.Reverse());
            var sums = stacks.TryGetValue(stack, out var existing) ? existing : stacks[stack] = new long[sampleTypes.Length];
            for (var i = 0; i < values.Length; i++)
            {
                sums[i] += values[i];
            }
        }

        return new GoPprofRaw(sampleTypes, stacks);
    }

    private string Folded(string sampleType, bool keepZero)
    {
        var column = Column(sampleType);
        return string.Concat(Stacks
            .Where(stack => keepZero || stack.Value[column] != 0)
            .Select(stack => $"{stack.Key} {stack.Value[column].ToString(CultureInfo.InvariantCulture)}\n")
            .Order(StringComparer.Ordinal));
    }

    private int Column(string sampleType)
    {
        var column = SampleTypes.ToList().IndexOf(sampleType);
        Assert.True(column >= 0, $"pprof -raw has no sample type {sampleType}; it has {string.Join(", ", SampleTypes)}");
        return column;
    }

    /// <summary>"  1000     512000: 10 11 12 " (values, a colon, location ids leaf first); label lines do not parse.</summary>
    private static bool TryParseSample(string line, int valueCount, out long[] values, out ulong[] locationIds)
    {
        values = [];
        locationIds = [];
        var colon = line.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
        {
            return false;
        }

        var valueTokens = line[..colon].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (valueTokens.Length != valueCount || !valueTokens.All(token => long.TryParse(token, CultureInfo.InvariantCulture, out _)))
        {
            return false;
        }

        values = [.. valueTokens.Select(token => long.Parse(token, CultureInfo.InvariantCulture))];
        locationIds = [.. line[(colon + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(token => ulong.Parse(token, CultureInfo.InvariantCulture))];
        return true;
    }

    /// <summary>
    /// "     3: 0x420eba M=1 runtime.resettimer /path/time.go:554 s=0" then one indented line per further (outer)
    /// inlined function: location id to its function names, innermost first.
    /// </summary>
    private static Dictionary<ulong, List<string>> ParseLocations(string[] lines)
    {
        var frames = new Dictionary<ulong, List<string>>();
        List<string>? current = null;
        foreach (var line in lines.Where(line => line.Trim().Length > 0))
        {
            var match = LocationLine().Match(line);
            string rest;
            if (match.Success)
            {
                frames[ulong.Parse(match.Groups["id"].Value, CultureInfo.InvariantCulture)] = current = [];
                rest = match.Groups["rest"].Value;
            }
            else
            {
                rest = line;
            }

            var name = rest.Trim().Split(' ')[0];
            if (current is null || name.Length == 0 || name.StartsWith("??", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"pprof -raw: a location line without a function name: '{line}'");
            }

            current.Add(name);
        }

        return frames;
    }

    [GeneratedRegex(@"^\s*(?<id>\d+): 0x[0-9a-f]+ (M=\d+ )?(\[F\] )?(?<rest>.*)$")]
    private static partial Regex LocationLine();
}
