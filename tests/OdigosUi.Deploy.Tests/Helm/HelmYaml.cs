using System.Globalization;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;
using YamlDotNet.Serialization;

namespace OdigosUi.Deploy.Tests.Helm;

/// <summary>
/// YAML as Helm and the Kubernetes API read and write it (go-yaml v2 through JSON): plain scalars resolved with YAML 1.1
/// rules (<c>yes</c>/<c>on</c> are booleans, <c>~</c> is null), values-file numbers as doubles (they pass through JSON),
/// and <c>toYaml</c> with sorted keys and integral numbers written as integers.
/// </summary>
public static partial class HelmYaml
{
    private static readonly ISerializer Serializer = new SerializerBuilder()
        .WithQuotingNecessaryStrings()
        .DisableAliases()
        .Build();

    /// <summary>Every document of a YAML stream; empty documents are dropped, as Helm and kubectl do.</summary>
    public static List<object?> ParseAll(string yaml, bool numbersAsDouble = false)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return stream.Documents
            .Select(d => Convert(d.RootNode, numbersAsDouble))
            .Where(v => v is not null)
            .ToList();
    }

    /// <summary>One YAML document; an empty one is an empty map (an empty values file).</summary>
    public static object? Parse(string yaml, bool numbersAsDouble = false)
    {
        var documents = ParseAll(yaml, numbersAsDouble);
        return documents.Count switch
        {
            0 => new Dictionary<string, object?>(StringComparer.Ordinal),
            1 => documents[0],
            _ => throw new YamlException($"expected one YAML document, found {documents.Count}"),
        };
    }

    /// <summary>Helm's toYaml (before it trims the final newline).</summary>
    public static string ToYaml(object? value) => Serializer.Serialize(ForOutput(value));

    private static object? ForOutput(object? value) => value switch
    {
        IDictionary<string, object?> map => new SortedDictionary<string, object?>(
            map.ToDictionary(p => p.Key, p => ForOutput(p.Value), StringComparer.Ordinal), StringComparer.Ordinal),
        IList<object?> list => list.Select(ForOutput).ToList(),
        double d when Math.Abs(d) < 1e21 && d == Math.Floor(d) => (long)d,
        _ => value,
    };

    private static object? Convert(YamlNode node, bool numbersAsDouble)
    {
        switch (node)
        {
            case YamlMappingNode mapping:
                var map = new Dictionary<string, object?>(StringComparer.Ordinal);
                foreach (var (key, value) in mapping.Children)
                {
                    string name = key is YamlScalarNode { Value: { } k } ? k : throw new YamlException(key.Start, key.End, "only scalar keys are supported");
                    if (!map.TryAdd(name, Convert(value, numbersAsDouble)))
                    {
                        throw new YamlException(key.Start, key.End, $"duplicate key {name}");
                    }
                }

                return map;
            case YamlSequenceNode sequence:
                return sequence.Children.Select(c => Convert(c, numbersAsDouble)).ToList();
            case YamlScalarNode scalar:
                if (scalar.Style != ScalarStyle.Plain || (!scalar.Tag.IsNonSpecific && !scalar.Tag.IsEmpty && scalar.Tag.Value == "tag:yaml.org,2002:str"))
                {
                    return scalar.Value ?? "";
                }

                return Resolve(scalar.Value ?? "", numbersAsDouble);
            default:
                throw new YamlException(node.Start, node.End, $"unsupported YAML node {node.NodeType}");
        }
    }

    /// <summary>go-yaml v2's resolution of a plain scalar.</summary>
    public static object? Resolve(string plain, bool numbersAsDouble)
    {
        switch (plain)
        {
            case "" or "~" or "null" or "Null" or "NULL":
                return null;
            case "y" or "Y" or "yes" or "Yes" or "YES" or "true" or "True" or "TRUE" or "on" or "On" or "ON":
                return true;
            case "n" or "N" or "no" or "No" or "NO" or "false" or "False" or "FALSE" or "off" or "Off" or "OFF":
                return false;
            case ".inf" or ".Inf" or ".INF" or "+.inf" or "+.Inf" or "+.INF":
                return double.PositiveInfinity;
            case "-.inf" or "-.Inf" or "-.INF":
                return double.NegativeInfinity;
            case ".nan" or ".NaN" or ".NAN":
                return double.NaN;
        }

        if (plain[0] is not (>= '0' and <= '9') and not '-' and not '+' and not '.')
        {
            return plain;
        }

        string digits = plain.Replace("_", "", StringComparison.Ordinal);
        if (TryParseGoInt(digits, out long integer))
        {
            return numbersAsDouble ? (double)integer : integer;
        }

        if (FloatPattern().IsMatch(digits) && double.TryParse(digits, NumberStyles.Float, CultureInfo.InvariantCulture, out double real))
        {
            return real;
        }

        return plain;
    }

    /// <summary>strconv.ParseInt(s, 0, 64): decimal, 0x hex, 0b binary, leading-0 octal, optional sign.</summary>
    private static bool TryParseGoInt(string s, out long value)
    {
        value = 0;
        bool negative = s.StartsWith('-');
        string body = s.StartsWith('-') || s.StartsWith('+') ? s[1..] : s;
        try
        {
            if (body.StartsWith("0x", StringComparison.OrdinalIgnoreCase) && body.Length > 2)
            {
                value = System.Convert.ToInt64(body[2..], 16);
            }
            else if (body.StartsWith("0b", StringComparison.OrdinalIgnoreCase) && body.Length > 2)
            {
                value = System.Convert.ToInt64(body[2..], 2);
            }
            else if (body.Length > 1 && body[0] == '0' && body.All(char.IsAsciiDigit))
            {
                value = System.Convert.ToInt64(body, 8);
            }
            else if (body.Length > 0 && body.All(char.IsAsciiDigit))
            {
                value = long.Parse(body, NumberStyles.None, CultureInfo.InvariantCulture);
            }
            else
            {
                return false;
            }
        }
        catch (Exception ex) when (ex is FormatException or OverflowException or ArgumentException)
        {
            return false;
        }

        value = negative ? -value : value;
        return true;
    }

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")]
    private static partial Regex FloatPattern();
}
