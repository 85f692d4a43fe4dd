using System.Text.Json.Serialization;

namespace OdigosUi.Resources.Model;

/// <summary>
/// What a store needs to know about a resource kind: its API group and version, its kind, its plural (the REST
/// path segment and the embedded store's folder name) and whether it lives in a namespace.
/// </summary>
public sealed record ResourceType(string Group, string Version, string Kind, string Plural, bool Namespaced = true)
{
    /// <summary><c>group/version</c>, or just the version for the core group (<c>v1</c>).</summary>
    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    /// <summary><c>plural.group</c> as Kubernetes names a resource in its messages (<c>destinations.odigos.io</c>, <c>secrets</c>).</summary>
    public string QualifiedPlural => Group.Length == 0 ? Plural : $"{Plural}.{Group}";

    public override string ToString() => QualifiedPlural;
}

/// <summary>Implemented by every resource class a store can hold: ties the CLR type to its <see cref="ResourceType"/>.</summary>
public interface IKubernetesResource
{
    static abstract ResourceType ResourceType { get; }
}

/// <summary>
/// The common part of every Kubernetes object: <c>apiVersion</c>, <c>kind</c> and <c>metadata</c>, serialized with the
/// exact Kubernetes JSON names. Subclasses add <c>spec</c>/<c>status</c> (or <c>data</c> for a Secret).
/// </summary>
public abstract class KubernetesObject
{
    protected KubernetesObject(ResourceType type)
    {
        ApiVersion = type.ApiVersion;
        Kind = type.Kind;
    }

    [JsonPropertyName("apiVersion")]
    [JsonPropertyOrder(-30)]
    public string ApiVersion { get; set; }

    [JsonPropertyName("kind")]
    [JsonPropertyOrder(-20)]
    public string Kind { get; set; }

    [JsonPropertyName("metadata")]
    [JsonPropertyOrder(-10)]
    public ObjectMeta Metadata { get; set; } = new();

    /// <summary>True for kinds with a <c>status</c> subresource: Update keeps the stored status, UpdateStatus changes only it.</summary>
    internal virtual bool HasStatusSubresource => false;

    /// <summary>Replaces this object's status with <paramref name="source"/>'s (same CLR type).</summary>
    internal virtual void CopyStatusFrom(KubernetesObject source)
    {
    }

    /// <summary>Drops the status (a create ignores it for kinds with a status subresource).</summary>
    internal virtual void ClearStatus()
    {
    }

    /// <summary>Server-side normalization on every write (a Secret folds <c>stringData</c> into <c>data</c>).</summary>
    internal virtual void Normalize()
    {
    }

    /// <summary>Checks the object on every write; returns an error message or null.</summary>
    internal virtual string? Validate() => null;

    /// <summary>Checks an update against the stored object; returns an error for a change of an immutable field.</summary>
    internal virtual string? ValidateUpdate(KubernetesObject stored) => null;
}
