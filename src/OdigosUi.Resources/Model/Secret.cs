using System.Text;
using System.Text.Json.Serialization;

namespace OdigosUi.Resources.Model;

/// <summary>
/// Core <c>v1</c> <c>Secret</c>. <see cref="Data"/> holds base64 values as in Kubernetes JSON; <see cref="StringData"/> is
/// write-only (stores fold it into <see cref="Data"/>). No <c>ToString</c> shows values: never log a Secret's content.
/// </summary>
public sealed class Secret : KubernetesObject, IKubernetesResource
{
    public static ResourceType ResourceType { get; } = new("", "v1", "Secret", "secrets");

    public Secret()
        : base(ResourceType)
    {
    }

    [JsonPropertyName("type")]
    public string? Type { get; set; } = "Opaque";

    /// <summary>Values in base64.</summary>
    [JsonPropertyName("data")]
    public Dictionary<string, string>? Data { get; set; }

    /// <summary>Plain values; merged into <see cref="Data"/> (winning over it) when written.</summary>
    [JsonPropertyName("stringData")]
    public Dictionary<string, string>? StringData { get; set; }

    [JsonPropertyName("immutable")]
    public bool? Immutable { get; set; }

    /// <summary>The decoded value of a key (data, or stringData not yet folded), or null.</summary>
    public string? GetString(string key)
    {
        if (StringData is not null && StringData.TryGetValue(key, out var plain))
        {
            return plain;
        }

        return Data is not null && Data.TryGetValue(key, out var encoded) ? Decode(encoded) : null;
    }

    /// <summary>Every key with its decoded value.</summary>
    public Dictionary<string, string> GetStrings()
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, encoded) in Data ?? [])
        {
            result[key] = Decode(encoded);
        }

        foreach (var (key, plain) in StringData ?? [])
        {
            result[key] = plain;
        }

        return result;
    }

    /// <summary>Sets a value (base64 in <see cref="Data"/>).</summary>
    public void SetString(string key, string value)
    {
        Data ??= new Dictionary<string, string>(StringComparer.Ordinal);
        Data[key] = Convert.ToBase64String(Encoding.UTF8.GetBytes(value));
        StringData?.Remove(key);
    }

    internal override void Normalize()
    {
        if (StringData is { Count: > 0 })
        {
            foreach (var (key, value) in StringData)
            {
                Data ??= new Dictionary<string, string>(StringComparer.Ordinal);
                Data[key] = Convert.ToBase64String(Encoding.UTF8.GetBytes(value));
            }
        }

        StringData = null;
    }

    internal override string? Validate()
    {
        foreach (var (key, encoded) in Data ?? [])
        {
            if (!IsBase64(encoded))
            {
                return $"data[{key}]: not valid base64";
            }
        }

        return null;
    }

    private static bool IsBase64(string encoded)
    {
        byte[] buffer = new byte[(encoded.Length * 3 / 4) + 3];
        return Convert.TryFromBase64String(encoded, buffer, out _);
    }

    private static string Decode(string encoded)
    {
        try
        {
            return Encoding.UTF8.GetString(Convert.FromBase64String(encoded));
        }
        catch (FormatException)
        {
            return "";
        }
    }
}
