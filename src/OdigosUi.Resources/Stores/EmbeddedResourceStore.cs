using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OdigosUi.Resources.Model;
using OdigosUi.Resources.Serialization;

namespace OdigosUi.Resources.Stores;

/// <summary>
/// The resource store used without a cluster: objects in memory, and (with a data directory) one YAML file per
/// object at <c>&lt;dataDir&gt;/resources/&lt;plural&gt;/&lt;namespace&gt;/&lt;name&gt;.yaml</c>, loaded at construction.
/// </summary>
/// <remarks>
/// <para>Each file is a manifest <c>kubectl apply -f</c> accepts (apiVersion, kind, metadata with name, namespace,
/// labels, annotations and ownerReferences, spec, status). The store's own bookkeeping (uid, resourceVersion,
/// generation, creationTimestamp), which the API server would refuse or overwrite, is kept in a comment line at the
/// top (<c># odigos-ui.store: {...}</c>). A manifest dropped into the folder without it is adopted at the next start.</para>
/// <para>Writes are atomic and durable: a temporary file in the same folder, flushed to disk (fsync), renamed over the
/// target, then the folder fsynced (deletes too). The data directory is locked (<see cref="DataDirectoryLock"/>) for
/// the store's lifetime: a second process with the same folder fails to start.
/// resourceVersion is a counter persisted in <c>&lt;dataDir&gt;/resources/.resource-version</c> before it is used, so it
/// keeps increasing across restarts. Secret files are created with mode 0600 in a 0700 folder, and their content is
/// never logged.</para>
/// <para>One lock serializes every operation; watch events are queued under it, so every watcher sees changes in
/// the order they happened.</para>
/// </remarks>
public sealed class EmbeddedResourceStore : IResourceStore, IDisposable
{
    /// <summary>The folder under the data directory that holds the resources.</summary>
    public const string ResourcesFolder = "resources";

    /// <summary>The file (under <see cref="ResourcesFolder"/>) that holds the last resourceVersion handed out.</summary>
    public const string ResourceVersionFile = ".resource-version";

    /// <summary>The comment line that carries the store's bookkeeping in each file.</summary>
    public const string HeaderPrefix = "# odigos-ui.store: ";

    private const string TempMarker = ".tmp-";
    private const int GenerateNameAttempts = 16;

    private static readonly Dictionary<ResourceType, Type> KnownTypes = new()
    {
        [Destination.ResourceType] = typeof(Destination),
        [Source.ResourceType] = typeof(Source),
        [Secret.ResourceType] = typeof(Secret),
    };

    private readonly object _lock = new();
    private readonly Dictionary<ResourceType, SortedDictionary<ObjectKey, KubernetesObject>> _objects = [];
    private readonly List<Watcher> _watchers = [];
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly DataDirectoryLock? _dataLock;
    private long _resourceVersion;
    private bool _disposed;

    /// <param name="dataDirectory">Where to keep the files; null keeps everything in memory only.</param>
    public EmbeddedResourceStore(string? dataDirectory, ILogger<EmbeddedResourceStore>? logger = null, TimeProvider? timeProvider = null)
    {
        _logger = logger ?? NullLogger<EmbeddedResourceStore>.Instance;
        _time = timeProvider ?? TimeProvider.System;
        foreach (var type in KnownTypes.Keys)
        {
            _objects[type] = new SortedDictionary<ObjectKey, KubernetesObject>();
        }

        if (dataDirectory is not null)
        {
            DataDirectory = Path.GetFullPath(dataDirectory);
            ResourcesDirectory = Path.Combine(DataDirectory, ResourcesFolder);
            CreatePrivateDirectory(DataDirectory);
            _dataLock = DataDirectoryLock.Acquire(DataDirectory);
            try
            {
                Load();
            }
            catch
            {
                _dataLock.Dispose();
                throw;
            }
        }
    }

    /// <summary>The data directory, or null in memory-only mode.</summary>
    public string? DataDirectory { get; }

    /// <summary><c>&lt;dataDir&gt;/resources</c>, or null in memory-only mode.</summary>
    public string? ResourcesDirectory { get; }

    /// <summary>The last resourceVersion handed out.</summary>
    public long CurrentResourceVersion
    {
        get
        {
            lock (_lock)
            {
                return _resourceVersion;
            }
        }
    }

    /// <summary>The kinds this store holds.</summary>
    public static IReadOnlyCollection<ResourceType> SupportedTypes => KnownTypes.Keys;

    /// <summary>Where the file of an object lives under <paramref name="dataDirectory"/>.</summary>
    public static string GetFilePath(string dataDirectory, ResourceType type, string @namespace, string name) =>
        Path.Combine(dataDirectory, ResourcesFolder, type.Plural, @namespace, name + ".yaml");

    public Task<IReadOnlyList<T>> ListAsync<T>(string? @namespace = null, CancellationToken cancellationToken = default)
        where T : KubernetesObject, IKubernetesResource
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            var bucket = Bucket(T.ResourceType);
            var result = new List<T>(bucket.Count);
            foreach (var (key, value) in bucket)
            {
                if (@namespace is null || key.Namespace == @namespace)
                {
                    result.Add(Copy<T>(value));
                }
            }

            return Task.FromResult<IReadOnlyList<T>>(result);
        }
    }

    public Task<T?> GetAsync<T>(string @namespace, string name, CancellationToken cancellationToken = default)
        where T : KubernetesObject, IKubernetesResource
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            return Task.FromResult(Bucket(T.ResourceType).TryGetValue(new ObjectKey(@namespace, name), out var value) ? Copy<T>(value) : null);
        }
    }

    public Task<T> CreateAsync<T>(T resource, CancellationToken cancellationToken = default)
        where T : KubernetesObject, IKubernetesResource => Run(() => Create(resource), cancellationToken);

    public Task<T> UpdateAsync<T>(T resource, CancellationToken cancellationToken = default)
        where T : KubernetesObject, IKubernetesResource => Run(() => Update(resource, statusOnly: false), cancellationToken);

    public Task<T> UpdateStatusAsync<T>(T resource, CancellationToken cancellationToken = default)
        where T : KubernetesObject, IKubernetesResource => Run(() => Update(resource, statusOnly: true), cancellationToken);

    public Task<bool> DeleteAsync<T>(string @namespace, string name, CancellationToken cancellationToken = default)
        where T : KubernetesObject, IKubernetesResource => Run(() => Delete(T.ResourceType, @namespace, name), cancellationToken);

    public async IAsyncEnumerable<WatchEvent<T>> WatchAsync<T>(
        string? @namespace = null,
        WatchOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
        where T : KubernetesObject, IKubernetesResource
    {
        var channel = Channel.CreateUnbounded<WatchEvent<T>>(new UnboundedChannelOptions { SingleReader = true });
        var type = T.ResourceType;
        var watcher = new Watcher(
            type,
            @namespace,
            (eventType, obj) => channel.Writer.TryWrite(new WatchEvent<T>(eventType, Copy<T>(obj))),
            () => channel.Writer.TryComplete());

        lock (_lock)
        {
            if (_disposed)
            {
                channel.Writer.TryComplete();
            }
            else
            {
                foreach (var (key, value) in Bucket(type))
                {
                    if (@namespace is null || key.Namespace == @namespace)
                    {
                        watcher.Send(WatchEventType.Added, value);
                    }
                }

                if (options?.SendInitialEventsEndBookmark == true)
                {
                    T bookmark = Activator.CreateInstance<T>();
                    bookmark.Metadata = new ObjectMeta
                    {
                        ResourceVersion = _resourceVersion.ToString(CultureInfo.InvariantCulture),
                        Annotations = new Dictionary<string, string> { [WatchAnnotations.InitialEventsEnd] = "true" },
                    };
                    channel.Writer.TryWrite(new WatchEvent<T>(WatchEventType.Bookmark, bookmark));
                }

                _watchers.Add(watcher);
            }
        }

        try
        {
            await foreach (var item in channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                yield return item;
            }
        }
        finally
        {
            lock (_lock)
            {
                _watchers.Remove(watcher);
            }
        }
    }

    /// <summary>Ends every watch; later calls fail with <see cref="ObjectDisposedException"/>, later watches end at once.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _dataLock?.Dispose();
            foreach (var watcher in _watchers)
            {
                watcher.Complete();
            }

            _watchers.Clear();
        }
    }

    private T Create<T>(T resource)
        where T : KubernetesObject, IKubernetesResource
    {
        ArgumentNullException.ThrowIfNull(resource);
        ResourceType type = T.ResourceType;
        KubernetesObject obj = ResourceJson.Clone<KubernetesObject>(resource);
        obj.ApiVersion = type.ApiVersion;
        obj.Kind = type.Kind;
        ObjectMeta meta = obj.Metadata ??= new ObjectMeta();
        string ns = RequireNamespace(meta.Namespace);
        if (!string.IsNullOrEmpty(meta.ResourceVersion))
        {
            throw new ResourceInvalidException("metadata.resourceVersion: resourceVersion should not be set on objects to be created");
        }

        if (string.IsNullOrEmpty(meta.Name) && string.IsNullOrEmpty(meta.GenerateName))
        {
            throw new ResourceInvalidException("metadata.name: name or generateName is required");
        }

        if (string.IsNullOrEmpty(meta.Name) && !ResourceNames.IsValidName(ResourceNames.Generate(meta.GenerateName!)))
        {
            throw new ResourceInvalidException($"metadata.generateName: '{meta.GenerateName}' does not make a valid name (lower-case letters, digits, '-' and '.')");
        }

        if (!string.IsNullOrEmpty(meta.Name) && !ResourceNames.IsValidName(meta.Name))
        {
            throw new ResourceInvalidException($"metadata.name: '{meta.Name}' is not a valid name (lower-case letters, digits, '-' and '.', at most 253 characters)");
        }

        obj.Normalize();
        if (obj.Validate() is { } error)
        {
            throw new ResourceInvalidException(error);
        }

        if (obj.HasStatusSubresource)
        {
            obj.ClearStatus();
        }

        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var bucket = Bucket(type);
            string name;
            if (string.IsNullOrEmpty(meta.Name))
            {
                name = "";
                for (int attempt = 0; attempt < GenerateNameAttempts && name.Length == 0; attempt++)
                {
                    string candidate = ResourceNames.Generate(meta.GenerateName!);
                    if (!bucket.ContainsKey(new ObjectKey(ns, candidate)))
                    {
                        name = candidate;
                    }
                }

                if (name.Length == 0)
                {
                    throw new ResourceConflictException($"{type.QualifiedPlural}: no free name for generateName \"{meta.GenerateName}\"");
                }
            }
            else
            {
                name = meta.Name;
                if (bucket.ContainsKey(new ObjectKey(ns, name)))
                {
                    throw ResourceConflictException.AlreadyExists(type, name);
                }
            }

            meta.Name = name;
            meta.Namespace = ns;
            meta.Uid = Guid.NewGuid().ToString();
            meta.CreationTimestamp = Rfc3339Converter.Truncate(_time.GetUtcNow());
            meta.Generation = 1;
            meta.ResourceVersion = FormatVersion(ReserveVersions(1));
            WriteFile(type, obj);
            bucket[new ObjectKey(ns, name)] = obj;
            _logger.LogDebug("Created {Resource} {Namespace}/{Name} (resourceVersion {ResourceVersion})", type.QualifiedPlural, ns, name, meta.ResourceVersion);
            Notify(type, WatchEventType.Added, obj);
            return Copy<T>(obj);
        }
    }

    private T Update<T>(T resource, bool statusOnly)
        where T : KubernetesObject, IKubernetesResource
    {
        ArgumentNullException.ThrowIfNull(resource);
        ResourceType type = T.ResourceType;
        KubernetesObject incoming = ResourceJson.Clone<KubernetesObject>(resource);
        ObjectMeta meta = incoming.Metadata ??= new ObjectMeta();
        string ns = RequireNamespace(meta.Namespace);
        string name = meta.Name is { Length: > 0 } n ? n : throw new ResourceInvalidException("metadata.name: name is required");

        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var bucket = Bucket(type);
            var key = new ObjectKey(ns, name);
            if (!bucket.TryGetValue(key, out var stored))
            {
                throw ResourceNotFoundException.For(type, name);
            }

            if (string.IsNullOrEmpty(meta.ResourceVersion))
            {
                throw new ResourceInvalidException("metadata.resourceVersion: must be specified for an update");
            }

            if (meta.ResourceVersion != stored.Metadata.ResourceVersion
                || (!string.IsNullOrEmpty(meta.Uid) && meta.Uid != stored.Metadata.Uid))
            {
                throw ResourceConflictException.Modified(type, name);
            }

            KubernetesObject updated;
            if (statusOnly)
            {
                if (!stored.HasStatusSubresource)
                {
                    throw new ResourceInvalidException($"{type.QualifiedPlural} have no status subresource");
                }

                updated = ResourceJson.Clone(stored);
                updated.CopyStatusFrom(incoming);
            }
            else
            {
                updated = incoming;
                updated.ApiVersion = type.ApiVersion;
                updated.Kind = type.Kind;
                if (updated.ValidateUpdate(stored) is { } immutable)
                {
                    throw new ResourceInvalidException(immutable);
                }

                ObjectMeta storedMeta = stored.Metadata;
                meta.Namespace = ns;
                meta.Uid = storedMeta.Uid;
                meta.CreationTimestamp = storedMeta.CreationTimestamp;
                meta.GenerateName = storedMeta.GenerateName;
                meta.Generation = storedMeta.Generation;
                if (updated.HasStatusSubresource)
                {
                    updated.CopyStatusFrom(stored);
                }

                updated.Normalize();
                if (updated.Validate() is { } error)
                {
                    throw new ResourceInvalidException(error);
                }

                if (!JsonNode.DeepEquals(WithoutMetadataAndStatus(updated), WithoutMetadataAndStatus(stored)))
                {
                    meta.Generation = (storedMeta.Generation ?? 0) + 1;
                }
            }

            if (JsonNode.DeepEquals(ResourceJson.ToNode(updated), ResourceJson.ToNode(stored)))
            {
                return Copy<T>(stored); // nothing changed: no write, no event
            }

            updated.Metadata.ResourceVersion = FormatVersion(ReserveVersions(1));
            WriteFile(type, updated);
            bucket[key] = updated;
            _logger.LogDebug("Updated {Resource} {Namespace}/{Name}{Status} (resourceVersion {ResourceVersion})", type.QualifiedPlural, ns, name, statusOnly ? " status" : "", updated.Metadata.ResourceVersion);
            Notify(type, WatchEventType.Modified, updated);
            return Copy<T>(updated);
        }
    }

    private bool Delete(ResourceType type, string @namespace, string name)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var bucket = Bucket(type);
            var key = new ObjectKey(@namespace, name);
            if (!bucket.TryGetValue(key, out var root))
            {
                return false;
            }

            // The object and, transitively, every object that lists one of them as owner (same namespace, by uid).
            var doomed = new List<(ResourceType Type, ObjectKey Key, KubernetesObject Object)> { (type, key, root) };
            var seen = new HashSet<string?> { root.Metadata.Uid };
            for (int i = 0; i < doomed.Count; i++)
            {
                string? ownerUid = doomed[i].Object.Metadata.Uid;
                if (string.IsNullOrEmpty(ownerUid))
                {
                    continue;
                }

                foreach (var (dependentType, dependents) in _objects)
                {
                    foreach (var (dependentKey, dependent) in dependents)
                    {
                        if (dependentKey.Namespace == @namespace
                            && dependent.Metadata.OwnerReferences?.Any(o => o.Uid == ownerUid) == true
                            && seen.Add(dependent.Metadata.Uid))
                        {
                            doomed.Add((dependentType, dependentKey, dependent));
                        }
                    }
                }
            }

            long version = ReserveVersions(doomed.Count);
            foreach (var (doomedType, doomedKey, doomedObject) in doomed)
            {
                DeleteFile(doomedType, doomedKey);
                _objects[doomedType].Remove(doomedKey);
                KubernetesObject gone = ResourceJson.Clone(doomedObject);
                gone.Metadata.ResourceVersion = FormatVersion(version++);
                _logger.LogDebug("Deleted {Resource} {Namespace}/{Name}{Cascade}", doomedType.QualifiedPlural, doomedKey.Namespace, doomedKey.Name, ReferenceEquals(doomedObject, root) ? "" : " (owner deleted)");
                Notify(doomedType, WatchEventType.Deleted, gone);
            }

            return true;
        }
    }

    private static JsonObject WithoutMetadataAndStatus(KubernetesObject obj)
    {
        JsonObject node = ResourceJson.ToNode(obj);
        node.Remove("metadata");
        node.Remove("status");
        return node;
    }

    private void Notify(ResourceType type, WatchEventType eventType, KubernetesObject obj)
    {
        foreach (var watcher in _watchers)
        {
            if (watcher.Type == type && (watcher.Namespace is null || watcher.Namespace == obj.Metadata.Namespace))
            {
                watcher.Send(eventType, obj);
            }
        }
    }

    private SortedDictionary<ObjectKey, KubernetesObject> Bucket(ResourceType type) =>
        _objects.TryGetValue(type, out var bucket)
            ? bucket
            : throw new NotSupportedException($"The embedded store does not hold {type.QualifiedPlural}.");

    private static string RequireNamespace(string? ns) => ns switch
    {
        null or "" => throw new ResourceInvalidException("metadata.namespace: namespace is required"),
        _ when !ResourceNames.IsValidNamespace(ns) => throw new ResourceInvalidException($"metadata.namespace: '{ns}' is not a valid namespace (lower-case letters, digits and '-', at most 63 characters)"),
        _ => ns,
    };

    private static T Copy<T>(KubernetesObject stored)
        where T : KubernetesObject => (T)ResourceJson.Clone(stored);

    private static string FormatVersion(long version) => version.ToString(CultureInfo.InvariantCulture);

    private static Task<TResult> Run<TResult>(Func<TResult> operation, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<TResult>(cancellationToken);
        }

        try
        {
            return Task.FromResult(operation());
        }
        catch (Exception ex)
        {
            return Task.FromException<TResult>(ex);
        }
    }

    /// <summary>Reserves <paramref name="count"/> versions, persisting the new maximum before any is used. Under the lock.</summary>
    private long ReserveVersions(int count)
    {
        long first = _resourceVersion + 1;
        long last = _resourceVersion + count;
        if (ResourcesDirectory is not null)
        {
            WriteAtomic(Path.Combine(ResourcesDirectory, ResourceVersionFile), FormatVersion(last) + "\n", secret: false);
        }

        _resourceVersion = last;
        return first;
    }

    // ---- files -------------------------------------------------------------------------------------------------

    private void Load()
    {
        string resources = ResourcesDirectory!;
        CreatePrivateDirectory(DataDirectory!);
        Directory.CreateDirectory(resources);

        string versionFile = Path.Combine(resources, ResourceVersionFile);
        if (File.Exists(versionFile))
        {
            string text = File.ReadAllText(versionFile).Trim();
            if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out _resourceVersion))
            {
                _logger.LogWarning("Ignoring {File}: not a resourceVersion", versionFile);
            }
        }

        var adopted = new List<(ResourceType Type, KubernetesObject Object)>();
        int loaded = 0;
        foreach (var (type, clrType) in KnownTypes)
        {
            string typeDir = Path.Combine(resources, type.Plural);
            if (!Directory.Exists(typeDir))
            {
                continue;
            }

            bool secret = type == Secret.ResourceType;
            foreach (string nsDir in Directory.EnumerateDirectories(typeDir))
            {
                string ns = Path.GetFileName(nsDir);
                foreach (string file in Directory.EnumerateFiles(nsDir))
                {
                    string fileName = Path.GetFileName(file);
                    if (fileName.Contains(TempMarker, StringComparison.Ordinal))
                    {
                        TryDelete(file); // left by a write that never reached its rename
                        continue;
                    }

                    if (!fileName.EndsWith(".yaml", StringComparison.Ordinal))
                    {
                        continue;
                    }

                    if (secret && !OperatingSystem.IsWindows())
                    {
                        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
                    }

                    KubernetesObject obj;
                    bool complete;
                    try
                    {
                        (obj, complete) = ReadFile(file, clrType);
                    }
                    catch (Exception ex) when (ex is IOException or JsonException or YamlDotNet.Core.YamlException or InvalidDataException or NotSupportedException)
                    {
                        // Exception messages can quote the text; a Secret's text stays out of the log.
                        _logger.LogError("Skipping {File}: it could not be read ({Reason})", file, secret ? ex.GetType().Name : ex.Message);
                        continue;
                    }

                    string name = fileName[..^".yaml".Length];
                    obj.Metadata.Namespace ??= ns;
                    if (obj.Metadata.Name != name || obj.Metadata.Namespace != ns || obj.Kind != type.Kind)
                    {
                        _logger.LogError(
                            "Skipping {File}: it holds {Kind} {Namespace}/{Name}, not {ExpectedKind} {ExpectedNamespace}/{ExpectedName}",
                            file, obj.Kind, obj.Metadata.Namespace, obj.Metadata.Name, type.Kind, ns, name);
                        continue;
                    }

                    if (!ResourceNames.IsValidName(name) || !ResourceNames.IsValidNamespace(ns) || obj.Validate() is not null)
                    {
                        _logger.LogError("Skipping {File}: invalid name, namespace or content", file);
                        continue;
                    }

                    obj.ApiVersion = type.ApiVersion;
                    obj.Normalize();
                    if (complete && long.TryParse(obj.Metadata.ResourceVersion, NumberStyles.None, CultureInfo.InvariantCulture, out long version))
                    {
                        _resourceVersion = Math.Max(_resourceVersion, version);
                    }
                    else
                    {
                        adopted.Add((type, obj));
                    }

                    _objects[type][new ObjectKey(ns, name)] = obj;
                    loaded++;
                }
            }
        }

        // Manifests written by hand (or by kubectl) get what the store would have given them on create.
        foreach (var (type, obj) in adopted)
        {
            obj.Metadata.Uid = string.IsNullOrEmpty(obj.Metadata.Uid) ? Guid.NewGuid().ToString() : obj.Metadata.Uid;
            obj.Metadata.CreationTimestamp ??= Rfc3339Converter.Truncate(_time.GetUtcNow());
            obj.Metadata.Generation ??= 1;
            obj.Metadata.ResourceVersion = FormatVersion(ReserveVersions(1));
            WriteFile(type, obj);
        }

        if (adopted.Count == 0 && loaded > 0)
        {
            // Make sure the counter file is never behind the objects (it may have been lost).
            ReserveVersions(0);
        }

        _logger.LogInformation("Embedded resource store at {Directory}: {Count} objects, resourceVersion {ResourceVersion}", resources, loaded, _resourceVersion);
    }

    private static (KubernetesObject Object, bool Complete) ReadFile(string path, Type clrType)
    {
        string text = File.ReadAllText(path, YamlJson.Utf8);
        JsonObject? header = null;
        using (var reader = new StringReader(text))
        {
            while (reader.ReadLine() is { } line && line.StartsWith('#'))
            {
                if (line.StartsWith(HeaderPrefix, StringComparison.Ordinal))
                {
                    header = JsonNode.Parse(line[HeaderPrefix.Length..]) as JsonObject;
                    break;
                }
            }
        }

        if (YamlJson.FromYaml(text) is not JsonObject node)
        {
            throw new InvalidDataException("The file holds no YAML mapping.");
        }

        if (header is not null)
        {
            var metadata = node["metadata"] as JsonObject ?? new JsonObject();
            node["metadata"] = metadata;
            foreach (var (key, value) in header)
            {
                metadata[key] = value?.DeepClone();
            }
        }

        var obj = (KubernetesObject?)node.Deserialize(clrType, ResourceJson.Options) ?? throw new InvalidDataException("The file holds null.");
        obj.Metadata ??= new ObjectMeta();
        bool complete = header is not null && !string.IsNullOrEmpty(obj.Metadata.Uid) && !string.IsNullOrEmpty(obj.Metadata.ResourceVersion);
        return (obj, complete);
    }

    private void WriteFile(ResourceType type, KubernetesObject obj)
    {
        if (DataDirectory is null)
        {
            return;
        }

        JsonObject node = ResourceJson.ToNode(obj);
        var header = new JsonObject();
        if (node["metadata"] is JsonObject metadata)
        {
            // Fields the API server sets itself (and refuses or overwrites in a manifest) go to the header comment.
            foreach (string key in (string[])["uid", "resourceVersion", "generation", "creationTimestamp"])
            {
                if (metadata.Remove(key, out var value))
                {
                    header[key] = value;
                }
            }
        }

        var text = new StringBuilder();
        text.Append("# Written by odigos-ui (embedded resource store); a manifest for kubectl apply -f. The line below is the\n");
        text.Append("# store's bookkeeping (uid, resourceVersion, ...), which a cluster sets itself.\n");
        text.Append(HeaderPrefix).Append(header.ToJsonString()).Append('\n');
        text.Append(YamlJson.ToYaml(node));

        bool secret = type == Secret.ResourceType;
        string path = GetFilePath(DataDirectory, type, obj.Metadata.Namespace!, obj.Metadata.Name!);
        string directory = Path.GetDirectoryName(path)!;
        bool newFolder = !Directory.Exists(directory);
        if (secret)
        {
            CreatePrivateDirectory(Path.GetDirectoryName(directory)!);
            CreatePrivateDirectory(directory);
        }
        else
        {
            Directory.CreateDirectory(directory);
        }

        if (newFolder)
        {
            // The new <type>/<namespace> folders are entries of their parents, durable once those are flushed.
            string typeFolder = Path.GetDirectoryName(directory)!;
            DirectorySync.Flush(typeFolder);
            DirectorySync.Flush(Path.GetDirectoryName(typeFolder)!);
        }

        WriteAtomic(path, text.ToString(), secret);
    }

    private void DeleteFile(ResourceType type, ObjectKey key)
    {
        if (DataDirectory is not null)
        {
            string path = GetFilePath(DataDirectory, type, key.Namespace, key.Name);
            File.Delete(path);
            DirectorySync.Flush(Path.GetDirectoryName(path)!);
        }
    }

    /// <summary>Temp file in the same folder (0600 for secrets), fsync, rename over the target, fsync of the folder (so the rename itself survives a crash).</summary>
    internal static void WriteAtomic(string path, string content, bool secret)
    {
        string directory = Path.GetDirectoryName(path)!;
        string temp = Path.Combine(directory, $".{Path.GetFileName(path)}{TempMarker}{Guid.NewGuid():N}");
        var options = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            Share = FileShare.None,
        };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = secret
                ? UnixFileMode.UserRead | UnixFileMode.UserWrite
                : UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
        }

        try
        {
            using (var stream = new FileStream(temp, options))
            {
                stream.Write(YamlJson.Utf8.GetBytes(content));
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, path, overwrite: true);
            DirectorySync.Flush(directory);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    private static void CreatePrivateDirectory(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
        }
        else if (!Directory.Exists(path))
        {
            Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private readonly record struct ObjectKey(string Namespace, string Name) : IComparable<ObjectKey>
    {
        public int CompareTo(ObjectKey other)
        {
            int byNamespace = string.CompareOrdinal(Namespace, other.Namespace);
            return byNamespace != 0 ? byNamespace : string.CompareOrdinal(Name, other.Name);
        }
    }

    private sealed class Watcher(ResourceType type, string? @namespace, Action<WatchEventType, KubernetesObject> send, Action complete)
    {
        public ResourceType Type { get; } = type;

        public string? Namespace { get; } = @namespace;

        public void Send(WatchEventType eventType, KubernetesObject obj) => send(eventType, obj);

        public void Complete() => complete();
    }
}
