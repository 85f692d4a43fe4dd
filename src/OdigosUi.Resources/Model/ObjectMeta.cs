using System.Text.Json.Serialization;

namespace OdigosUi.Resources.Model;

/// <summary>Kubernetes <c>metadata</c> (the subset of <c>metav1.ObjectMeta</c> the resources use).</summary>
public sealed class ObjectMeta
{
    [JsonPropertyName("name")]
    public string? Name { get; set; }

    /// <summary>A prefix the store completes with 5 random characters when <see cref="Name"/> is empty.</summary>
    [JsonPropertyName("generateName")]
    public string? GenerateName { get; set; }

    [JsonPropertyName("namespace")]
    public string? Namespace { get; set; }

    /// <summary>Set by the store on create.</summary>
    [JsonPropertyName("uid")]
    public string? Uid { get; set; }

    /// <summary>Set by the store on every write; an update must carry the stored value (optimistic concurrency).</summary>
    [JsonPropertyName("resourceVersion")]
    public string? ResourceVersion { get; set; }

    /// <summary>1 on create, bumped by the store when anything but metadata and status changes.</summary>
    [JsonPropertyName("generation")]
    public long? Generation { get; set; }

    [JsonPropertyName("creationTimestamp")]
    public DateTimeOffset? CreationTimestamp { get; set; }

    [JsonPropertyName("labels")]
    public Dictionary<string, string>? Labels { get; set; }

    [JsonPropertyName("annotations")]
    public Dictionary<string, string>? Annotations { get; set; }

    /// <summary>Objects this one belongs to: deleting the owner deletes it (garbage collection by uid).</summary>
    [JsonPropertyName("ownerReferences")]
    public List<OwnerReference>? OwnerReferences { get; set; }

    [JsonIgnore]
    public string NamespacedName => string.IsNullOrEmpty(Namespace) ? Name ?? "" : $"{Namespace}/{Name}";
}

/// <summary><c>metav1.OwnerReference</c>.</summary>
public sealed class OwnerReference
{
    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = "";

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = "";

    [JsonPropertyName("name")]
    public string Name { get; set; } = "";

    [JsonPropertyName("uid")]
    public string Uid { get; set; } = "";

    [JsonPropertyName("controller")]
    public bool? Controller { get; set; }

    [JsonPropertyName("blockOwnerDeletion")]
    public bool? BlockOwnerDeletion { get; set; }

    /// <summary>A reference to <paramref name="owner"/>, which must have been created (it needs its uid).</summary>
    public static OwnerReference To(KubernetesObject owner) => new()
    {
        ApiVersion = owner.ApiVersion,
        Kind = owner.Kind,
        Name = owner.Metadata.Name ?? throw new ArgumentException("The owner has no name.", nameof(owner)),
        Uid = owner.Metadata.Uid ?? throw new ArgumentException("The owner has no uid (create it first).", nameof(owner)),
    };
}

/// <summary><c>metav1.Condition</c>.</summary>
public sealed class Condition
{
    [JsonPropertyName("type")]
    public string Type { get; set; } = "";

    /// <summary><c>True</c>, <c>False</c> or <c>Unknown</c>.</summary>
    [JsonPropertyName("status")]
    public string Status { get; set; } = ConditionStatus.Unknown;

    [JsonPropertyName("observedGeneration")]
    public long? ObservedGeneration { get; set; }

    [JsonPropertyName("lastTransitionTime")]
    public DateTimeOffset LastTransitionTime { get; set; }

    [JsonPropertyName("reason")]
    public string Reason { get; set; } = "";

    [JsonPropertyName("message")]
    public string Message { get; set; } = "";
}

public static class ConditionStatus
{
    public const string True = "True";
    public const string False = "False";
    public const string Unknown = "Unknown";
}
