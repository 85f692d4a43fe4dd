using OdigosUi.Resources.Model;

namespace OdigosUi.Resources.Stores;

/// <summary>
/// Kubernetes-style storage of resources, one interface for every backend: the embedded store
/// (<see cref="EmbeddedResourceStore"/>, YAML files in a data folder) and a cluster (KubernetesClient). Objects
/// handed out are copies: changing them changes nothing until they are written back.
/// </summary>
/// <remarks>
/// Semantics follow the Kubernetes API server: <c>metadata.uid</c>, <c>resourceVersion</c>, <c>generation</c> and
/// <c>creationTimestamp</c> are set by the store; an update must carry the stored <c>resourceVersion</c>
/// (optimistic concurrency, <see cref="ResourceConflictException"/> otherwise); kinds with a status subresource
/// (Destination, Source) change their spec through <see cref="UpdateAsync{T}"/> and their status through
/// <see cref="UpdateStatusAsync{T}"/> only; deleting an object deletes the objects that name it in their
/// <c>ownerReferences</c> (by uid).
/// </remarks>
public interface IResourceStore
{
    /// <summary>Every object of the kind, in one namespace or (null) all, ordered by namespace then name.</summary>
    Task<IReadOnlyList<T>> ListAsync<T>(string? @namespace = null, CancellationToken cancellationToken = default)
        where T : KubernetesObject, IKubernetesResource;

    /// <summary>The object, or null when there is none.</summary>
    Task<T?> GetAsync<T>(string @namespace, string name, CancellationToken cancellationToken = default)
        where T : KubernetesObject, IKubernetesResource;

    /// <summary>
    /// Creates the object and returns it as stored. With an empty <c>metadata.name</c>, the name is
    /// <c>metadata.generateName</c> plus 5 random lower-case letters and digits. <c>resourceVersion</c> must be empty;
    /// the status of a kind with a status subresource is dropped.
    /// </summary>
    /// <exception cref="ResourceConflictException">An object of that kind and name exists.</exception>
    /// <exception cref="ResourceInvalidException">Missing or malformed name or namespace, or an invalid object.</exception>
    Task<T> CreateAsync<T>(T resource, CancellationToken cancellationToken = default)
        where T : KubernetesObject, IKubernetesResource;

    /// <summary>
    /// Replaces metadata (labels, annotations, ownerReferences) and spec, keeping the stored status; bumps
    /// <c>metadata.generation</c> when anything but metadata and status changed. Writing what is stored is a no-op
    /// (same resourceVersion, no watch event).
    /// </summary>
    /// <exception cref="ResourceNotFoundException">No such object.</exception>
    /// <exception cref="ResourceConflictException"><c>metadata.resourceVersion</c> (or <c>uid</c>) is not the stored one.</exception>
    /// <exception cref="ResourceInvalidException">No resourceVersion, or a change of an immutable field.</exception>
    Task<T> UpdateAsync<T>(T resource, CancellationToken cancellationToken = default)
        where T : KubernetesObject, IKubernetesResource;

    /// <summary>Replaces only the status (the status subresource); same concurrency rules as <see cref="UpdateAsync{T}"/>.</summary>
    Task<T> UpdateStatusAsync<T>(T resource, CancellationToken cancellationToken = default)
        where T : KubernetesObject, IKubernetesResource;

    /// <summary>Deletes the object and, transitively, the objects it owns. False when there was none.</summary>
    Task<bool> DeleteAsync<T>(string @namespace, string name, CancellationToken cancellationToken = default)
        where T : KubernetesObject, IKubernetesResource;

    /// <summary>
    /// List + watch: first every current object as <see cref="WatchEventType.Added"/> (then a
    /// <see cref="WatchEventType.Bookmark"/> when <see cref="WatchOptions.SendInitialEventsEndBookmark"/>), then every
    /// change as it happens, in order. Ends when <paramref name="cancellationToken"/> is cancelled (with an
    /// <see cref="OperationCanceledException"/>) or the store is disposed. A backend that reconnects does so
    /// inside the stream and, like an informer, reports only differences from what it already sent.
    /// </summary>
    IAsyncEnumerable<WatchEvent<T>> WatchAsync<T>(string? @namespace = null, WatchOptions? options = null, CancellationToken cancellationToken = default)
        where T : KubernetesObject, IKubernetesResource;
}

/// <summary>Options of <see cref="IResourceStore.WatchAsync{T}"/>.</summary>
public sealed record WatchOptions
{
    /// <summary>
    /// After the initial <see cref="WatchEventType.Added"/> events, send one <see cref="WatchEventType.Bookmark"/>
    /// (Kubernetes' <c>sendInitialEvents</c>: its object has only metadata, with the annotation
    /// <c>k8s.io/initial-events-end: "true"</c>), so a consumer knows when it has the full initial state.
    /// </summary>
    public bool SendInitialEventsEndBookmark { get; init; }
}
