using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace OdigosDemo;

/// <summary>
/// The .NET demo whose hot code is the framework's own precompiled code: it spins hashing a long string, in
/// System.Private.CoreLib's <c>System.Marvin.ComputeHash32</c>, run from the ReadyToRun image (called from
/// <see cref="Hash"/>, which is never inlined: the loop's on-stack-replaced code would inline the hashing otherwise).
/// It runs with DOTNET_TC_CallCounting=0, so the runtime never replaces precompiled code by a JIT-compiled tier
/// (without it a method called 30 times is rejitted after a 100 ms delay). Before spinning it runs a spread of framework code (collections,
/// LINQ, formatting, parsing, regular expressions, JSON, generic instantiations) so that a jitdump lists many
/// precompiled methods of several assemblies.
/// </summary>
public static class FrameworkDemo
{
    private static int _sink;

    public static int Run(double? seconds)
    {
        Warm();
        var text = new string('x', 1 << 20);
        Console.WriteLine("ready");
        var deadline = seconds is { } limit ? DateTime.UtcNow.AddSeconds(limit) : DateTime.MaxValue;
        while (DateTime.UtcNow < deadline)
        {
            _sink += Hash(text);
        }

        return _sink == 42 ? 1 : 0;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static int Hash(string text) => text.GetHashCode();

    private static void Warm()
    {
        var words = Enumerable.Range(0, 2000).Select(i => i.ToString("x", CultureInfo.InvariantCulture)).ToList();
        var lengths = words.ToDictionary(w => w, w => w.Length);
        var set = new HashSet<string>(words.Where(w => w.Contains('a')));
        var text = new StringBuilder();
        foreach (var (word, length) in lengths.OrderByDescending(p => p.Key, StringComparer.Ordinal).Take(500))
        {
            text.Append(word).Append('=').Append(length.ToString(CultureInfo.InvariantCulture)).Append(';');
        }

        var numbers = words.Select(w => int.Parse(w, NumberStyles.HexNumber, CultureInfo.InvariantCulture)).ToArray();
        Array.Sort(numbers, (a, b) => b.CompareTo(a));
        var matches = Regex.Matches(text.ToString(), "[a-f]+=[0-9]").Count;
        var joined = string.Join(",", text.ToString().Split(';').GroupBy(p => p.Length).Select(g => $"{g.Key}:{g.Count()}"));
        var stamp = string.Format(CultureInfo.InvariantCulture, "{0:O} {1} {2:F3}", new DateTime(2024, 1, 2, 3, 4, 5, DateTimeKind.Utc), Guid.Empty, Math.Sqrt(2));
        var json = JsonSerializer.Serialize(lengths.Take(20).ToDictionary(p => p.Key, p => new[] { p.Value, p.Key.Length }));
        var parsed = JsonSerializer.Deserialize<Dictionary<string, int[]>>(json)!;
        _sink = set.Count + numbers[0] + matches + joined.Length + stamp.Length + parsed.Count;
    }
}
