using System.Text.Json.Serialization;
using OdigosUi.Resources.Model;

namespace OdigosUi.Resources.Catalog;

/// <summary>
/// One Destination type of the catalog, in Odigos' catalog shape (<c>destinations/data/*.yaml</c>):
/// <c>metadata</c> (type, displayName, category) and <c>spec</c> (image, signals, fields, testConnectionSupported).
/// </summary>
public sealed class DestinationTypeDefinition
{
    [JsonPropertyName("apiVersion")]
    public string? ApiVersion { get; set; }

    [JsonPropertyName("kind")]
    public string? Kind { get; set; }

    [JsonPropertyName("metadata")]
    public DestinationTypeMetadata Metadata { get; set; } = new();

    [JsonPropertyName("spec")]
    public DestinationTypeSpec Spec { get; set; } = new();

    [JsonIgnore]
    public string Type => Metadata.Type;

    [JsonIgnore]
    public string DisplayName => Metadata.DisplayName;

    /// <summary>The supported <see cref="ObservabilitySignal"/> values, in canonical order.</summary>
    [JsonIgnore]
    public IReadOnlyList<string> SupportedSignals => Spec.Signals.Supported();

    public bool Supports(string signal) => SupportedSignals.Contains(signal);

    /// <summary>The field of that name (ordinal), or null.</summary>
    public DestinationField? FindField(string name) => Spec.Fields.FirstOrDefault(f => f.Name == name);
}

public sealed class DestinationTypeMetadata
{
    [JsonPropertyName("type")]
    public string Type { get; set; } = "";

    [JsonPropertyName("displayName")]
    public string DisplayName { get; set; } = "";

    /// <summary><see cref="DestinationCategories.Managed"/> or <see cref="DestinationCategories.SelfHosted"/>.</summary>
    [JsonPropertyName("category")]
    public string Category { get; set; } = "";
}

public static class DestinationCategories
{
    public const string Managed = "managed";
    public const string SelfHosted = "self hosted";
}

public sealed class DestinationTypeSpec
{
    [JsonPropertyName("image")]
    public string? Image { get; set; }

    [JsonPropertyName("signals")]
    public SignalSupport Signals { get; set; } = new();

    [JsonPropertyName("fields")]
    public List<DestinationField> Fields { get; set; } = [];

    [JsonPropertyName("testConnectionSupported")]
    public bool TestConnectionSupported { get; set; }
}

public sealed class SignalSupport
{
    [JsonPropertyName("traces")]
    public SignalSupportEntry? Traces { get; set; }

    [JsonPropertyName("metrics")]
    public SignalSupportEntry? Metrics { get; set; }

    [JsonPropertyName("logs")]
    public SignalSupportEntry? Logs { get; set; }

    [JsonPropertyName("profiles")]
    public SignalSupportEntry? Profiles { get; set; }

    internal IReadOnlyList<string> Supported()
    {
        var result = new List<string>(4);
        if (Traces?.Supported == true)
        {
            result.Add(ObservabilitySignal.Traces);
        }

        if (Metrics?.Supported == true)
        {
            result.Add(ObservabilitySignal.Metrics);
        }

        if (Logs?.Supported == true)
        {
            result.Add(ObservabilitySignal.Logs);
        }

        if (Profiles?.Supported == true)
        {
            result.Add(ObservabilitySignal.Profiles);
        }

        return result;
    }
}

public sealed class SignalSupportEntry
{
    [JsonPropertyName("supported")]
    public bool Supported { get; set; }
}

/// <summary>One field of a Destination type: how the wizard renders it and how the service validates its value.</summary>
public sealed class DestinationField
{
    /// <summary>The key in <c>spec.data</c> (or in the Secret when <see cref="Secret"/>), e.g. <c>PYROSCOPE_URL</c>.</summary>
    [JsonPropertyName("name")]
    public string Name { get; set; } = "";

    [JsonPropertyName("displayName")]
    public string DisplayName { get; set; } = "";

    /// <summary>One of <see cref="ComponentTypes"/>.</summary>
    [JsonPropertyName("componentType")]
    public string ComponentType { get; set; } = ComponentTypes.Input;

    [JsonPropertyName("componentProps")]
    public FieldComponentProps ComponentProps { get; set; } = new();

    /// <summary>Stored in the Destination's Secret, never returned by the API.</summary>
    [JsonPropertyName("secret")]
    public bool Secret { get; set; }

    /// <summary>The value used when the field is not given (a checkbox's <c>false</c>, a dropdown's default).</summary>
    [JsonPropertyName("initialValue")]
    public string? InitialValue { get; set; }

    /// <summary><c>[FIELD, "==" or "!=", VALUE]</c>: the field is shown (and required) only when the condition holds.</summary>
    [JsonPropertyName("renderCondition")]
    public List<string>? RenderCondition { get; set; }

    /// <summary>Values for which the read-only view hides the field.</summary>
    [JsonPropertyName("hideFromReadData")]
    public List<string>? HideFromReadData { get; set; }

    /// <summary>How the read-only view labels particular values (a checkbox's true/false).</summary>
    [JsonPropertyName("customReadDataLabels")]
    public List<ReadDataLabel>? CustomReadDataLabels { get; set; }

    [JsonIgnore]
    public bool Required => ComponentProps.Required;
}

public sealed class FieldComponentProps
{
    /// <summary>For inputs: <c>text</c>, <c>password</c> or <c>number</c>.</summary>
    [JsonPropertyName("type")]
    public string? Type { get; set; }

    [JsonPropertyName("required")]
    public bool Required { get; set; }

    [JsonPropertyName("placeholder")]
    public string? Placeholder { get; set; }

    [JsonPropertyName("tooltip")]
    public string? Tooltip { get; set; }

    /// <summary>For dropdowns: the allowed values.</summary>
    [JsonPropertyName("values")]
    public List<string>? Values { get; set; }
}

public sealed class ReadDataLabel
{
    [JsonPropertyName("condition")]
    public string Condition { get; set; } = "";

    [JsonPropertyName("title")]
    public string Title { get; set; } = "";

    [JsonPropertyName("value")]
    public string Value { get; set; } = "";
}

public static class ComponentTypes
{
    public const string Input = "input";
    public const string Checkbox = "checkbox";
    public const string Dropdown = "dropdown";
    public const string TextArea = "textarea";
    public const string MultiInput = "multiInput";
    public const string KeyValuePairs = "keyValuePairs";

    public static IReadOnlyList<string> All { get; } = [Input, Checkbox, Dropdown, TextArea, MultiInput, KeyValuePairs];
}
