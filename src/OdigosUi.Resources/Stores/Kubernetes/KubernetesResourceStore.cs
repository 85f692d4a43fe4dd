using System.Globalization;
using System.Net;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OdigosUi.Resources.Model;
using OdigosUi.Resources.Serialization;
using KubernetesObject = OdigosUi.Resources.Model.KubernetesObject;
using Secret = OdigosUi.Resources.Model.Secret;
using WatchEventType = OdigosUi.Resources.Stores.WatchEventType;

namespace OdigosUi.Resources.Stores.Kubernetes;

/// <summary>
/// <see cref="IResourceStore"/> over a Kubernetes API server through KubernetesClient: Destinations and Sources through
/// the custom-object API (<c>odigos.io/v1alpha1</c>), Secrets through the core API. Objects are (de)serialized with
/// <see cref="ResourceJson.Options"/>, so what lands in the cluster is exactly the model's Kubernetes JSON.
/// </summary>
/// <remarks>
/// <para>Errors: 404 → <see cref="ResourceNotFoundException"/>, 409 → <see cref="ResourceConflictException"/>,
/// 422 (and 400) → <see cref="ResourceInvalidException"/>; other failures surface as KubernetesClient's exceptions.</para>
/// <para>Watch is list + watch like an informer: list (its resourceVersion), then <c>?watch=true&amp;resourceVersion=…
/// &amp;allowWatchBookmarks=true</c>. A dropped or ended connection is reopened (with exponential backoff when it
/// fails) from the last resourceVersion seen; 410 Gone (as an HTTP status or an <c>ERROR</c> event) re-lists and
/// emits only the differences from what the consumer already has. Events the consumer already has (same
/// resourceVersion) are not repeated.</para>
/// <para>Delete of a Destination also deletes, explicitly, its <c>spec.secretRef</c> Secret when the Destination owns it
/// (by uid in <c>ownerReferences</c>), so callers need not wait for the cluster's garbage collector, which deletes any
/// other owned object. Secrets are only ever read by name: no list or watch of Secrets is needed.</para>
/// </remarks>
public sealed class KubernetesResourceStore : IResourceStore, IDisposable
{
    private readonly IKubernetes _client;
    private readonly bool _ownsClient;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _disposed = new();

    public KubernetesResourceStore(IKubernetes client, ILogger<KubernetesResourceStore>? logger = null)
        : this(client, ownsClient: false, logger)
    {
    }

    /// <summary>A store with its own client built from <paramref name="configuration"/>.</summary>
    public KubernetesResourceStore(KubernetesClientConfiguration configuration, ILogger<KubernetesResourceStore>? logger = null)
        : this(new k8s.Kubernetes(configuration ?? throw new ArgumentNullException(nameof(configuration))), ownsClient: true, logger)
    {
    }

    private KubernetesResourceStore(IKubernetes client, bool ownsClient, ILogger? logger)
    {
        _client = client ?? throw new ArgumentNullException(nameof(client));
        _ownsClient = ownsClient;
        _logger = logger ?? NullLogger<KubernetesResourceStore>.Instance;
    }

    /// <summary>The first delay before reopening a watch that failed; doubled on each failure up to <see cref="MaxWatchBackoff"/>.</summary>
    public TimeSpan InitialWatchBackoff { get; init; } = TimeSpan.FromMilliseconds(200);

    public TimeSpan MaxWatchBackoff { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The kinds this store holds.</summary>
    public static IReadOnlyCollection<ResourceType> SupportedTypes { get; } = [Destination.ResourceType, Source.ResourceType, Secret.ResourceType];

    public async Task<IReadOnlyList<T>> ListAsync<T>(string? @namespace = null, CancellationToken cancellationToken = default)
        where T : KubernetesObject, IKubernetesResource
    {
        var (items, _) = await ListRawAsync<T>(@namespace, cancellationToken).ConfigureAwait(false);
        return items;
    }

    public async Task<T?> GetAsync<T>(string @namespace, string name, CancellationToken cancellationToken = default)
        where T : KubernetesObject, IKubernetesResource
    {
        ArgumentException.ThrowIfNullOrEmpty(@namespace);
        ArgumentException.ThrowIfNullOrEmpty(name);
        ResourceType type = Supported(T.ResourceType);
        try
        {
            object result = IsSecret(type)
                ? await _client.CoreV1.ReadNamespacedSecretAsync(name, @namespace, cancellationToken: cancellationToken).ConfigureAwait(false)
                : await _client.CustomObjects.GetNamespacedCustomObjectAsync(type.Group, type.Version, @namespace, type.Plural, name, cancellationToken).ConfigureAwait(false);
            return FromClient<T>(result);
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    public async Task<T> CreateAsync<T>(T resource, CancellationToken cancellationToken = default)
        where T : KubernetesObject, IKubernetesResource
    {
        ArgumentNullException.ThrowIfNull(resource);
        ResourceType type = Supported(T.ResourceType);
        KubernetesObject obj = Prepare(type, resource);
        string ns = RequireNamespace(obj.Metadata.Namespace);
        if (!string.IsNullOrEmpty(obj.Metadata.ResourceVersion))
        {
            throw new ResourceInvalidException("metadata.resourceVersion: resourceVersion should not be set on objects to be created");
        }

        if (string.IsNullOrEmpty(obj.Metadata.Name) && string.IsNullOrEmpty(obj.Metadata.GenerateName))
        {
            throw new ResourceInvalidException("metadata.name: name or generateName is required");
        }

        if (obj.HasStatusSubresource)
        {
            obj.ClearStatus();
        }

        JsonObject body = ResourceJson.ToNode(obj);
        return await Call(type, obj.Metadata.Name ?? obj.Metadata.GenerateName ?? "", async () =>
        {
            object result = IsSecret(type)
                ? await _client.CoreV1.CreateNamespacedSecretAsync(ToV1Secret(body), ns, cancellationToken: cancellationToken).ConfigureAwait(false)
                : await _client.CustomObjects.CreateNamespacedCustomObjectAsync(body, type.Group, type.Version, ns, type.Plural, cancellationToken: cancellationToken).ConfigureAwait(false);
            var created = FromClient<T>(result);
            _logger.LogDebug("Created {Resource} {Namespace}/{Name} (resourceVersion {ResourceVersion})", type.QualifiedPlural, ns, created.Metadata.Name, created.Metadata.ResourceVersion);
            return created;
        }).ConfigureAwait(false);
    }

    public Task<T> UpdateAsync<T>(T resource, CancellationToken cancellationToken = default)
        where T : KubernetesObject, IKubernetesResource => ReplaceAsync(resource, statusOnly: false, cancellationToken);

    public Task<T> UpdateStatusAsync<T>(T resource, CancellationToken cancellationToken = default)
        where T : KubernetesObject, IKubernetesResource => ReplaceAsync(resource, statusOnly: true, cancellationToken);

    public async Task<bool> DeleteAsync<T>(string @namespace, string name, CancellationToken cancellationToken = default)
        where T : KubernetesObject, IKubernetesResource
    {
        ArgumentException.ThrowIfNullOrEmpty(@namespace);
        ArgumentException.ThrowIfNullOrEmpty(name);
        ResourceType type = Supported(T.ResourceType);
        T? existing;
        string? uid;
        try
        {
            existing = await GetAsync<T>(@namespace, name, cancellationToken).ConfigureAwait(false);
            uid = existing?.Metadata.Uid;
            if (uid is null)
            {
                return false;
            }

            await DeleteOneAsync(type, @namespace, name, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }

        _logger.LogDebug("Deleted {Resource} {Namespace}/{Name}", type.QualifiedPlural, @namespace, name);

        // The cluster's garbage collector deletes owned objects too, but later; delete a Destination's own Secret now,
        // read by name (the chart grants no list or watch on Secrets).
        if (existing is Destination { Spec.SecretRef.Name: { Length: > 0 } secretName }
            && (await GetAsync<Secret>(@namespace, secretName, cancellationToken).ConfigureAwait(false))?.Metadata.OwnerReferences?.Any(o => o.Uid == uid) == true)
        {
            try
            {
                await DeleteOneAsync(Secret.ResourceType, @namespace, secretName, cancellationToken).ConfigureAwait(false);
                _logger.LogDebug("Deleted secrets {Namespace}/{Name} (owner deleted)", @namespace, secretName);
            }
            catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.NotFound)
            {
                // the garbage collector was first
            }
        }

        return true;
    }

    public async IAsyncEnumerable<WatchEvent<T>> WatchAsync<T>(
        string? @namespace = null,
        WatchOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
        where T : KubernetesObject, IKubernetesResource
    {
        ResourceType type = Supported(T.ResourceType);
        var channel = Channel.CreateUnbounded<WatchEvent<T>>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _disposed.Token);
        Task producer = Task.Run(() => ProduceAsync(type, @namespace, options, channel.Writer, stop.Token), CancellationToken.None);
        try
        {
            await foreach (var item in channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                yield return item;
            }
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            try
            {
                await producer.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
    }

    /// <summary>Ends every watch; the client is disposed when the store created it.</summary>
    public void Dispose()
    {
        if (_disposed.IsCancellationRequested)
        {
            return;
        }

        _disposed.Cancel();
        if (_ownsClient)
        {
            _client.Dispose();
        }
    }

    // ---- operations ---------------------------------------------------------------------------------------------

    private async Task<T> ReplaceAsync<T>(T resource, bool statusOnly, CancellationToken cancellationToken)
        where T : KubernetesObject, IKubernetesResource
    {
        ArgumentNullException.ThrowIfNull(resource);
        ResourceType type = Supported(T.ResourceType);
        KubernetesObject obj = Prepare(type, resource);
        string ns = RequireNamespace(obj.Metadata.Namespace);
        string name = obj.Metadata.Name is { Length: > 0 } n ? n : throw new ResourceInvalidException("metadata.name: name is required");
        if (string.IsNullOrEmpty(obj.Metadata.ResourceVersion))
        {
            throw new ResourceInvalidException("metadata.resourceVersion: must be specified for an update");
        }

        if (statusOnly && !obj.HasStatusSubresource)
        {
            throw new ResourceInvalidException($"{type.QualifiedPlural} have no status subresource");
        }

        JsonObject body = ResourceJson.ToNode(obj);
        return await Call(type, name, async () =>
        {
            object result;
            if (IsSecret(type))
            {
                result = await _client.CoreV1.ReplaceNamespacedSecretAsync(ToV1Secret(body), name, ns, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            else if (statusOnly)
            {
                result = await _client.CustomObjects.ReplaceNamespacedCustomObjectStatusAsync(body, type.Group, type.Version, ns, type.Plural, name, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            else
            {
                result = await _client.CustomObjects.ReplaceNamespacedCustomObjectAsync(body, type.Group, type.Version, ns, type.Plural, name, cancellationToken: cancellationToken).ConfigureAwait(false);
            }

            return FromClient<T>(result);
        }).ConfigureAwait(false);
    }

    private async Task DeleteOneAsync(ResourceType type, string ns, string name, CancellationToken cancellationToken)
    {
        if (IsSecret(type))
        {
            await _client.CoreV1.DeleteNamespacedSecretAsync(name, ns, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await _client.CustomObjects.DeleteNamespacedCustomObjectAsync(type.Group, type.Version, ns, type.Plural, name, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<(List<T> Items, string ResourceVersion)> ListRawAsync<T>(string? ns, CancellationToken cancellationToken)
        where T : KubernetesObject, IKubernetesResource
    {
        ResourceType type = Supported(T.ResourceType);
        object result = (IsSecret(type), ns) switch
        {
            (true, null) => await _client.CoreV1.ListSecretForAllNamespacesAsync(cancellationToken: cancellationToken).ConfigureAwait(false),
            (true, _) => await _client.CoreV1.ListNamespacedSecretAsync(ns, cancellationToken: cancellationToken).ConfigureAwait(false),
            (false, null) => await _client.CustomObjects.ListClusterCustomObjectAsync(type.Group, type.Version, type.Plural, cancellationToken: cancellationToken).ConfigureAwait(false),
            (false, _) => await _client.CustomObjects.ListNamespacedCustomObjectAsync(type.Group, type.Version, ns, type.Plural, cancellationToken: cancellationToken).ConfigureAwait(false),
        };
        JsonObject list = ToNode(result);
        var items = new List<T>();
        foreach (var item in list["items"] as JsonArray ?? [])
        {
            if (item is JsonObject obj)
            {
                items.Add(FromNode<T>(obj));
            }
        }

        items.Sort(static (a, b) =>
        {
            int byNamespace = string.CompareOrdinal(a.Metadata.Namespace, b.Metadata.Namespace);
            return byNamespace != 0 ? byNamespace : string.CompareOrdinal(a.Metadata.Name, b.Metadata.Name);
        });
        return (items, list["metadata"]?["resourceVersion"]?.GetValue<string>() ?? "");
    }

    // ---- watch --------------------------------------------------------------------------------------------------

    private async Task ProduceAsync<T>(ResourceType type, string? ns, WatchOptions? options, ChannelWriter<WatchEvent<T>> writer, CancellationToken cancellationToken)
        where T : KubernetesObject, IKubernetesResource
    {
        // What the consumer has, by namespace/name: the informer's cache.
        var known = new Dictionary<string, T>(StringComparer.Ordinal);
        string resourceVersion = "";
        TimeSpan backoff = InitialWatchBackoff;
        bool listed = false;
        bool bookmarkSent = false;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                try
                {
                    if (!listed)
                    {
                        resourceVersion = await RelistAsync(ns, known, writer, cancellationToken).ConfigureAwait(false);
                        if (options?.SendInitialEventsEndBookmark == true && !bookmarkSent)
                        {
                            bookmarkSent = true;
                            T bookmark = Activator.CreateInstance<T>();
                            bookmark.Metadata = new ObjectMeta
                            {
                                ResourceVersion = resourceVersion,
                                Annotations = new Dictionary<string, string> { [WatchAnnotations.InitialEventsEnd] = "true" },
                            };
                            writer.TryWrite(new WatchEvent<T>(WatchEventType.Bookmark, bookmark));
                        }

                        listed = true;
                    }

                    var outcome = await WatchOnceAsync(type, ns, resourceVersion, known, writer, v => resourceVersion = v, () => backoff = InitialWatchBackoff, cancellationToken).ConfigureAwait(false);
                    if (outcome == WatchOutcome.Gone)
                    {
                        _logger.LogInformation("Watch of {Resource} from resourceVersion {ResourceVersion}: 410 Gone, listing again", type.QualifiedPlural, resourceVersion);
                        listed = false;
                    }

                    // Closed by the server (timeout) or by the network: reopen from the last resourceVersion.
                    if (outcome == WatchOutcome.Failed)
                    {
                        await Task.Delay(Jitter(backoff), cancellationToken).ConfigureAwait(false);
                        backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxWatchBackoff.Ticks));
                    }
                }
                catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.Gone && !cancellationToken.IsCancellationRequested)
                {
                    listed = false;
                }
                catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is HttpOperationException or HttpRequestException or IOException or JsonException or KubernetesException or TaskCanceledException)
                {
                    _logger.LogWarning("Watch of {Resource} failed ({Error}); retrying in {Delay} ms", type.QualifiedPlural, ex.Message, (int)backoff.TotalMilliseconds);
                    await Task.Delay(Jitter(backoff), cancellationToken).ConfigureAwait(false);
                    backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxWatchBackoff.Ticks));
                }
            }

            writer.TryComplete();
        }
        catch (Exception ex) when (ex is OperationCanceledException || cancellationToken.IsCancellationRequested)
        {
            // Stopped by the consumer or by Dispose (which may also fail a request in flight): a clean end.
            writer.TryComplete();
        }
        catch (Exception ex)
        {
            _logger.LogError(ex, "Watch of {Resource} stopped", type.QualifiedPlural);
            writer.TryComplete(ex);
        }
    }

    private enum WatchOutcome
    {
        Ended,
        Failed,
        Gone,
    }

    /// <summary>Lists and emits the differences from <paramref name="known"/>; returns the list's resourceVersion.</summary>
    private async Task<string> RelistAsync<T>(string? ns, Dictionary<string, T> known, ChannelWriter<WatchEvent<T>> writer, CancellationToken cancellationToken)
        where T : KubernetesObject, IKubernetesResource
    {
        var (items, resourceVersion) = await ListRawAsync<T>(ns, cancellationToken).ConfigureAwait(false);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in items)
        {
            string key = item.Metadata.NamespacedName;
            seen.Add(key);
            if (!known.TryGetValue(key, out var before))
            {
                writer.TryWrite(new WatchEvent<T>(WatchEventType.Added, Copy(item)));
            }
            else if (before.Metadata.Uid != item.Metadata.Uid)
            {
                writer.TryWrite(new WatchEvent<T>(WatchEventType.Deleted, before));
                writer.TryWrite(new WatchEvent<T>(WatchEventType.Added, Copy(item)));
            }
            else if (before.Metadata.ResourceVersion != item.Metadata.ResourceVersion)
            {
                writer.TryWrite(new WatchEvent<T>(WatchEventType.Modified, Copy(item)));
            }

            known[key] = item;
        }

        foreach (var key in known.Keys.Where(k => !seen.Contains(k)).ToList())
        {
            writer.TryWrite(new WatchEvent<T>(WatchEventType.Deleted, known[key]));
            known.Remove(key);
        }

        return resourceVersion;
    }

    private async Task<WatchOutcome> WatchOnceAsync<T>(
        ResourceType type,
        string? ns,
        string resourceVersion,
        Dictionary<string, T> known,
        ChannelWriter<WatchEvent<T>> writer,
        Action<string> setResourceVersion,
        Action connected,
        CancellationToken cancellationToken)
        where T : KubernetesObject, IKubernetesResource
    {
        // KubernetesClient's watch reader: ERROR events (a Status) go to onError, transport errors end the stream.
        KubernetesException? errorEvent = null;
        void OnError(Exception ex)
        {
            if (ex is KubernetesException kex)
            {
                errorEvent = kex;
            }
            else
            {
                _logger.LogDebug("Watch of {Resource}: unreadable event ({Error})", type.QualifiedPlural, ex.Message);
            }
        }

        await using var events = OpenWatch(type, ns, resourceVersion, OnError, cancellationToken).GetAsyncEnumerator(cancellationToken);
        bool first = true;
        while (true)
        {
            bool more;
            try
            {
                more = await events.MoveNextAsync().ConfigureAwait(false);
            }
            catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.Gone)
            {
                return WatchOutcome.Gone;
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is IOException or HttpRequestException or HttpOperationException or JsonException or KubernetesException or OperationCanceledException)
            {
                _logger.LogDebug("Watch of {Resource} disconnected ({Error}); reconnecting from resourceVersion {ResourceVersion}", type.QualifiedPlural, ex.Message, resourceVersion);
                return WatchOutcome.Failed;
            }

            if (errorEvent is not null)
            {
                if (errorEvent.Status?.Code == (int)HttpStatusCode.Gone)
                {
                    return WatchOutcome.Gone;
                }

                _logger.LogWarning("Watch of {Resource}: error event {Code} {Message}", type.QualifiedPlural, errorEvent.Status?.Code, errorEvent.Status?.Message);
                return WatchOutcome.Failed;
            }

            if (!more)
            {
                return WatchOutcome.Ended;
            }

            if (first)
            {
                first = false;
                connected();
            }

            var (eventType, element) = events.Current;
            var obj = JsonNode.Parse(element.GetRawText()) as JsonObject ?? throw new JsonException("A watch event has no object.");
            string? version = obj["metadata"]?["resourceVersion"]?.GetValue<string>();
            if (eventType == k8s.WatchEventType.Bookmark)
            {
                if (!string.IsNullOrEmpty(version))
                {
                    resourceVersion = version;
                    setResourceVersion(version);
                }

                continue;
            }

            T item = FromNode<T>(obj);
            string key = item.Metadata.NamespacedName;
            switch (eventType)
            {
                case k8s.WatchEventType.Added:
                case k8s.WatchEventType.Modified:
                    if (known.TryGetValue(key, out var before) && before.Metadata.ResourceVersion == item.Metadata.ResourceVersion)
                    {
                        break; // already sent
                    }

                    writer.TryWrite(new WatchEvent<T>(before is null ? WatchEventType.Added : WatchEventType.Modified, Copy(item)));
                    known[key] = item;
                    break;
                case k8s.WatchEventType.Deleted:
                    if (known.Remove(key))
                    {
                        writer.TryWrite(new WatchEvent<T>(WatchEventType.Deleted, item));
                    }

                    break;
                default:
                    break;
            }

            if (!string.IsNullOrEmpty(version))
            {
                resourceVersion = version;
                setResourceVersion(version);
            }
        }
    }

    /// <summary>
    /// <c>GET …?watch=true&amp;resourceVersion=…&amp;allowWatchBookmarks=true</c>. KubernetesClient returns from the request
    /// once the first event line has arrived; the enumerator yields the events as they come.
    /// </summary>
    private IAsyncEnumerable<(k8s.WatchEventType, JsonElement)> OpenWatch(ResourceType type, string? ns, string resourceVersion, Action<Exception> onError, CancellationToken cancellationToken)
    {
        string? from = string.IsNullOrEmpty(resourceVersion) ? null : resourceVersion;

        // The generic Task<HttpOperationResponse<L>>.WatchAsync reads any kind as raw JSON (JsonElement); its
        // replacements are per kind and typed. Marked obsolete in 21.x, still supported.
#pragma warning disable CS0618
        if (IsSecret(type))
        {
            return ns is null
                ? _client.CoreV1.ListSecretForAllNamespacesWithHttpMessagesAsync(allowWatchBookmarks: true, resourceVersion: from, watch: true, cancellationToken: cancellationToken).WatchAsync<JsonElement, V1SecretList>(onError, cancellationToken)
                : _client.CoreV1.ListNamespacedSecretWithHttpMessagesAsync(ns, allowWatchBookmarks: true, resourceVersion: from, watch: true, cancellationToken: cancellationToken).WatchAsync<JsonElement, V1SecretList>(onError, cancellationToken);
        }

        return ns is null
            ? _client.CustomObjects.ListClusterCustomObjectWithHttpMessagesAsync(type.Group, type.Version, type.Plural, allowWatchBookmarks: true, resourceVersion: from, watch: true, cancellationToken: cancellationToken).WatchAsync<JsonElement, object>(onError, cancellationToken)
            : _client.CustomObjects.ListNamespacedCustomObjectWithHttpMessagesAsync(type.Group, type.Version, ns, type.Plural, allowWatchBookmarks: true, resourceVersion: from, watch: true, cancellationToken: cancellationToken).WatchAsync<JsonElement, object>(onError, cancellationToken);
#pragma warning restore CS0618
    }

    // ---- helpers ------------------------------------------------------------------------------------------------

    private static TimeSpan Jitter(TimeSpan delay) => delay * (0.8 + (Random.Shared.NextDouble() * 0.4));

    private static ResourceType Supported(ResourceType type) =>
        SupportedTypes.Contains(type) ? type : throw new NotSupportedException($"The Kubernetes store does not hold {type.QualifiedPlural}.");

    private static bool IsSecret(ResourceType type) => type == Secret.ResourceType;

    private static KubernetesObject Prepare(ResourceType type, KubernetesObject resource)
    {
        KubernetesObject obj = ResourceJson.Clone(resource);
        obj.ApiVersion = type.ApiVersion;
        obj.Kind = type.Kind;
        obj.Metadata ??= new ObjectMeta();
        obj.Normalize();
        if (obj.Validate() is { } error)
        {
            throw new ResourceInvalidException(error);
        }

        return obj;
    }

    private static string RequireNamespace(string? ns) => ns switch
    {
        null or "" => throw new ResourceInvalidException("metadata.namespace: namespace is required"),
        _ when !ResourceNames.IsValidNamespace(ns) => throw new ResourceInvalidException($"metadata.namespace: '{ns}' is not a valid namespace (lower-case letters, digits and '-', at most 63 characters)"),
        _ => ns,
    };

    /// <summary>Runs a write and maps the API server's error statuses to the store's exceptions.</summary>
    private static async Task<T> Call<T>(ResourceType type, string name, Func<Task<T>> operation)
    {
        try
        {
            return await operation().ConfigureAwait(false);
        }
        catch (HttpOperationException ex)
        {
            string message = StatusMessage(ex) ?? $"{type.QualifiedPlural} \"{name}\": {(int)ex.Response.StatusCode} {ex.Response.ReasonPhrase}";
            throw (int)ex.Response.StatusCode switch
            {
                404 => new ResourceNotFoundException(message, ex),
                409 => new ResourceConflictException(message, ex),
                400 or 422 => new ResourceInvalidException(message, ex),
                401 or 403 => new ResourceForbiddenException((int)ex.Response.StatusCode, message, ex),
                _ => ex,
            };
        }
    }

    /// <summary>The message of the <c>Status</c> object in an error response, if any.</summary>
    private static string? StatusMessage(HttpOperationException ex)
    {
        try
        {
            return string.IsNullOrEmpty(ex.Response.Content) ? null : JsonNode.Parse(ex.Response.Content)?["message"]?.GetValue<string>();
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            return null;
        }
    }

    private static V1Secret ToV1Secret(JsonObject body) => KubernetesJson.Deserialize<V1Secret>(body.ToJsonString());

    private static JsonObject ToNode(object clientResult)
    {
        string json = clientResult switch
        {
            JsonElement element => element.GetRawText(),
            JsonNode node => node.ToJsonString(),
            _ => KubernetesJson.Serialize(clientResult),
        };
        return JsonNode.Parse(json) as JsonObject ?? throw new JsonException("The API server answered something other than a JSON object.");
    }

    private static T FromClient<T>(object clientResult)
        where T : KubernetesObject, IKubernetesResource => FromNode<T>(ToNode(clientResult));

    private static T FromNode<T>(JsonObject node)
        where T : KubernetesObject, IKubernetesResource
    {
        T obj = node.Deserialize<T>(ResourceJson.Options) ?? throw new JsonException("The API server answered null.");
        obj.ApiVersion = T.ResourceType.ApiVersion;
        obj.Kind = T.ResourceType.Kind;
        obj.Metadata ??= new ObjectMeta();
        return obj;
    }

    private static T Copy<T>(T value)
        where T : KubernetesObject => ResourceJson.Clone(value);
}
