using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace OdigosUi.Resources.Stores;

/// <summary>Kubernetes name rules and <c>generateName</c>.</summary>
public static partial class ResourceNames
{
    /// <summary>Kubernetes' alphabet for generated suffixes (lower-case letters and digits without vowels and look-alikes).</summary>
    private const string SuffixAlphabet = "bcdfghjklmnpqrstvwxz2456789";

    public const int SuffixLength = 5;

    /// <summary>Kubernetes cuts a generateName prefix to this many characters.</summary>
    public const int MaxGenerateNamePrefix = 63 - SuffixLength;

    /// <summary><paramref name="prefix"/> (cut to 58 characters) and 5 random characters.</summary>
    public static string Generate(string prefix)
    {
        if (prefix.Length > MaxGenerateNamePrefix)
        {
            prefix = prefix[..MaxGenerateNamePrefix];
        }

        return string.Create(prefix.Length + SuffixLength, prefix, static (span, p) =>
        {
            p.AsSpan().CopyTo(span);
            for (int i = p.Length; i < span.Length; i++)
            {
                span[i] = SuffixAlphabet[RandomNumberGenerator.GetInt32(SuffixAlphabet.Length)];
            }
        });
    }

    /// <summary>A DNS-1123 subdomain (object names): lower-case alphanumerics, '-' and '.', at most 253 characters.</summary>
    public static bool IsValidName(string? name) => name is { Length: > 0 and <= 253 } && SubdomainPattern().IsMatch(name);

    /// <summary>A DNS-1123 label (namespaces): lower-case alphanumerics and '-', at most 63 characters.</summary>
    public static bool IsValidNamespace(string? value) => value is { Length: > 0 and <= 63 } && LabelPattern().IsMatch(value);

    /// <summary>A label value: empty, or at most 63 alphanumerics, '-', '_' and '.', starting and ending alphanumeric.</summary>
    public static bool IsValidLabelValue(string? value) => value is not null && (value.Length == 0 || (value.Length <= 63 && LabelValuePattern().IsMatch(value)));

    [GeneratedRegex(@"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\z", RegexOptions.CultureInvariant)]
    private static partial Regex SubdomainPattern();

    [GeneratedRegex(@"^[a-z0-9]([-a-z0-9]*[a-z0-9])?\z", RegexOptions.CultureInvariant)]
    private static partial Regex LabelPattern();

    [GeneratedRegex(@"^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?\z", RegexOptions.CultureInvariant)]
    private static partial Regex LabelValuePattern();
}
