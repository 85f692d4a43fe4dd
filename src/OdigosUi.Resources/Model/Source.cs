using System.Text.Json;
using System.Text.Json.Serialization;

namespace OdigosUi.Resources.Model;

/// <summary>
/// <c>odigos.io/v1alpha1</c> <c>Source</c>, in the workload's namespace: the workload's data is collected (unless
/// <see cref="SourceSpec.DisableInstrumentation"/>). A Source of kind <c>Namespace</c> covers a whole namespace.
/// </summary>
public sealed class Source : KubernetesObject, IKubernetesResource
{
    public static ResourceType ResourceType { get; } = new("odigos.io", "v1alpha1", "Source", "sources");

    /// <summary>The generateName Odigos gives Sources.</summary>
    public const string GenerateNamePrefix = "source-";

    public Source()
        : base(ResourceType)
    {
    }

    [JsonPropertyName("spec")]
    public SourceSpec Spec { get; set; } = new();

    [JsonPropertyName("status")]
    public SourceStatus? Status { get; set; }

    internal override bool HasStatusSubresource => true;

    internal override void CopyStatusFrom(KubernetesObject source) => Status = ((Source)source).Status;

    internal override void ClearStatus() => Status = null;

    internal override string? ValidateUpdate(KubernetesObject stored)
    {
        PodWorkload before = ((Source)stored).Spec.Workload;
        PodWorkload after = Spec.Workload;
        return before.Name == after.Name && before.Namespace == after.Namespace && before.Kind == after.Kind
            ? null
            : "spec.workload: the field is immutable";
    }
}

public sealed class SourceSpec
{
    /// <summary>The workload (or namespace) this Source selects. Immutable.</summary>
    [JsonPropertyName("workload")]
    public PodWorkload Workload { get; set; } = new();

    /// <summary>True excludes the workload (even from a namespace Source).</summary>
    [JsonPropertyName("disableInstrumentation")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool DisableInstrumentation { get; set; }

    /// <summary>The <c>service.name</c> to report; the workload name when empty.</summary>
    [JsonPropertyName("otelServiceName")]
    public string? OtelServiceName { get; set; }

    /// <summary>Fields this version does not know (containerOverrides, useRegex, ...), kept on read-modify-write.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? AdditionalProperties { get; set; }
}

/// <summary>Odigos' <c>k8sconsts.PodWorkload</c>.</summary>
public sealed class PodWorkload
{
    [JsonPropertyName("name")]
    public string Name { get; set; } = "";

    [JsonPropertyName("namespace")]
    public string Namespace { get; set; } = "";

    /// <summary><c>Deployment</c>, <c>DaemonSet</c>, <c>StatefulSet</c>, <c>CronJob</c>, <c>Job</c>, <c>Namespace</c>, or <c>Process</c> (embedded mode).</summary>
    [JsonPropertyName("kind")]
    public string Kind { get; set; } = "";
}

public sealed class SourceStatus
{
    [JsonPropertyName("conditions")]
    public List<Condition>? Conditions { get; set; }
}

/// <summary>Labels Odigos puts on a Source so it can be found by workload.</summary>
public static class SourceLabels
{
    public const string WorkloadName = "odigos.io/workload-name";
    public const string WorkloadNamespace = "odigos.io/workload-namespace";
    public const string WorkloadKind = "odigos.io/workload-kind";
}
