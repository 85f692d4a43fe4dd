using System.Text.Json;
using System.Text.Json.Serialization;

namespace OdigosUi.Resources.Model;

/// <summary>
/// <c>odigos.io/v1alpha1</c> <c>Destination</c>: where the gateway exports telemetry. Same schema as Odigos, so an
/// existing Odigos Destination works unchanged.
/// </summary>
public sealed class Destination : KubernetesObject, IKubernetesResource
{
    public static ResourceType ResourceType { get; } = new("odigos.io", "v1alpha1", "Destination", "destinations");

    public Destination()
        : base(ResourceType)
    {
    }

    [JsonPropertyName("spec")]
    public DestinationSpec Spec { get; set; } = new();

    [JsonPropertyName("status")]
    public DestinationStatus? Status { get; set; }

    internal override bool HasStatusSubresource => true;

    internal override void CopyStatusFrom(KubernetesObject source) => Status = ((Destination)source).Status;

    internal override void ClearStatus() => Status = null;

    /// <summary>The condition of that type, or null.</summary>
    public Condition? FindCondition(string type) => Status?.Conditions?.FirstOrDefault(c => c.Type == type);
}

public sealed class DestinationSpec
{
    /// <summary>The catalog type: <c>pyroscope</c>, <c>otlp</c>, <c>otlphttp</c>, ...</summary>
    [JsonPropertyName("type")]
    public string Type { get; set; } = "";

    /// <summary>The display name the user chose.</summary>
    [JsonPropertyName("destinationName")]
    public string DestinationName { get; set; } = "";

    /// <summary>Non-secret field values by catalog field name.</summary>
    [JsonPropertyName("data")]
    public Dictionary<string, string> Data { get; set; } = [];

    /// <summary>The Secret (same namespace) holding the secret field values.</summary>
    [JsonPropertyName("secretRef")]
    public LocalObjectReference? SecretRef { get; set; }

    /// <summary><see cref="ObservabilitySignal"/> values.</summary>
    [JsonPropertyName("signals")]
    public List<string> Signals { get; set; } = [];

    [JsonPropertyName("disabled")]
    public bool? Disabled { get; set; }

    /// <summary>Which Sources may send to this Destination; null means all.</summary>
    [JsonPropertyName("sourceSelector")]
    public SourceSelector? SourceSelector { get; set; }

    /// <summary>Fields this version does not know, kept so that a read-modify-write does not drop them.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? AdditionalProperties { get; set; }
}

public sealed class DestinationStatus
{
    [JsonPropertyName("conditions")]
    public List<Condition>? Conditions { get; set; }
}

/// <summary><c>corev1.LocalObjectReference</c>.</summary>
public sealed class LocalObjectReference
{
    [JsonPropertyName("name")]
    public string Name { get; set; } = "";
}

/// <summary>
/// Odigos' source selector: a Source is selected when it is in one of <see cref="Namespaces"/> or in one of
/// <see cref="DataStreams"/> (OR). Fields of other Odigos versions are kept in <see cref="AdditionalProperties"/>.
/// </summary>
public sealed class SourceSelector
{
    [JsonPropertyName("namespaces")]
    public List<string>? Namespaces { get; set; }

    [JsonPropertyName("dataStreams")]
    public List<string>? DataStreams { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? AdditionalProperties { get; set; }
}

/// <summary>The <c>spec.signals</c> values.</summary>
public static class ObservabilitySignal
{
    public const string Traces = "TRACES";
    public const string Metrics = "METRICS";
    public const string Logs = "LOGS";
    public const string Profiles = "PROFILES";

    /// <summary>In the canonical order.</summary>
    public static IReadOnlyList<string> All { get; } = [Traces, Metrics, Logs, Profiles];

    /// <summary>The position of a signal in <see cref="All"/> (unknown ones last).</summary>
    public static int Rank(string signal) => signal switch
    {
        Traces => 0,
        Metrics => 1,
        Logs => 2,
        Profiles => 3,
        _ => 4,
    };

    /// <summary>The canonical (upper-case) signal for a case-insensitive name, or null.</summary>
    public static string? Parse(string? value) =>
        value is null ? null : All.FirstOrDefault(s => string.Equals(s, value.Trim(), StringComparison.OrdinalIgnoreCase));
}

/// <summary>The <c>DestinationConfigured</c> condition the gateway writes on a Destination.</summary>
public static class DestinationConditions
{
    public const string Configured = "DestinationConfigured";

    /// <summary>Reason with status True: the Destination became an exporter.</summary>
    public const string TransformedToOtelcolConfig = "TransformedToOtelcolConfig";

    /// <summary>Reason with status False: the Destination could not be turned into an exporter (message says why).</summary>
    public const string ErrConfigDestination = "ErrConfigDestination";

    /// <summary>Whether the last export attempt to the Destination succeeded (OdigosUi's own condition).</summary>
    public const string Exporting = "Exporting";

    /// <summary>Reason with <see cref="Exporting"/> True.</summary>
    public const string ExportSucceeded = "ExportSucceeded";

    /// <summary>Reason with <see cref="Exporting"/> False: the message holds the last error.</summary>
    public const string ExportFailed = "ExportFailed";
}
