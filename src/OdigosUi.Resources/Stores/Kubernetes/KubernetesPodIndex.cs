using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace OdigosUi.Resources.Stores.Kubernetes;

/// <summary>A pod of this node, its controlling workload, and the names of its containers by container id.</summary>
public sealed record IndexedPod(
    string Namespace,
    string Name,
    string Uid,
    string WorkloadKind,
    string WorkloadName,
    IReadOnlyDictionary<string, string> ContainerNames);

/// <summary>Settings of <see cref="KubernetesPodIndex"/>.</summary>
public sealed class PodIndexOptions
{
    /// <summary>The node whose pods are indexed (<c>Kubernetes:NodeName</c>, else <c>NODE_NAME</c>); null indexes every pod.</summary>
    public string? NodeName { get; set; }

    /// <summary>At most this many pods are kept; past it, new pods are not indexed (and <see cref="KubernetesPodIndex.LastError"/> says so).</summary>
    public int MaxPods { get; set; } = 5_000;

    /// <summary>How long a deleted pod stays known, so samples taken just before it ended are still named.</summary>
    public TimeSpan DeletedRetention { get; init; } = TimeSpan.FromSeconds(60);

    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromMilliseconds(200);

    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// The node's pods, kept by an informer (list, then watch from its resourceVersion; re-listed after 410 Gone or an
/// error, with exponential backoff), each with the workload that controls it: a ReplicaSet's Deployment and a Job's
/// CronJob are read once and cached. When an owner cannot be read (RBAC, gone), the Deployment is inferred from the
/// ReplicaSet name and the pod's <c>pod-template-hash</c> label, as the OpenTelemetry k8sattributes processor does.
/// Lookups (<see cref="Find"/>) take a short lock and never wait for the API server.
/// </summary>
public sealed class KubernetesPodIndex(IKubernetes client, PodIndexOptions options, TimeProvider? time = null, ILogger<KubernetesPodIndex>? logger = null)
{
    private const int MaxCachedOwners = 4_096;

    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly ILogger _logger = logger ?? NullLogger<KubernetesPodIndex>.Instance;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, (IndexedPod Pod, DateTimeOffset? DeletedAt)> _pods = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _podByContainer = new(StringComparer.Ordinal);
    private readonly Queue<(string Uid, DateTimeOffset At)> _deletions = new();
    private readonly Dictionary<(string Namespace, string Kind, string Name), (string Kind, string Name)?> _owners = [];
    private readonly TaskCompletionSource _firstList = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile string? _lastError;

    /// <summary>True once the first list has been indexed.</summary>
    public bool Synced => _firstList.Task.IsCompleted;

    /// <summary>Completes once the first list has been indexed.</summary>
    public Task WaitSyncedAsync(CancellationToken cancellationToken) => _firstList.Task.WaitAsync(cancellationToken);

    /// <summary>Why the index is behind (the API server failed, or it is full), or null.</summary>
    public string? LastError => _lastError;

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _pods.Count;
            }
        }
    }

    /// <summary>The pod with UID <paramref name="podUid"/>, else the pod running container <paramref name="containerId"/>.</summary>
    public (IndexedPod Pod, string? ContainerName)? Find(string? podUid, string? containerId)
    {
        lock (_lock)
        {
            var uid = !string.IsNullOrEmpty(podUid) && _pods.ContainsKey(podUid) ? podUid
                : !string.IsNullOrEmpty(containerId) && _podByContainer.TryGetValue(containerId, out var byContainer) ? byContainer
                : null;
            if (uid is null || !_pods.TryGetValue(uid, out var entry))
            {
                return null;
            }

            string? containerName = null;
            if (!string.IsNullOrEmpty(containerId))
            {
                entry.Pod.ContainerNames.TryGetValue(containerId, out containerName);
            }

            return (entry.Pod, containerName);
        }
    }

    /// <summary>Keeps the index current until cancelled.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        string? fieldSelector = string.IsNullOrEmpty(options.NodeName) ? null : $"spec.nodeName={options.NodeName}";
        var backoff = options.InitialBackoff;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var list = await client.CoreV1.ListPodForAllNamespacesAsync(fieldSelector: fieldSelector, cancellationToken: cancellationToken).ConfigureAwait(false);
                var indexed = new List<IndexedPod>(list.Items.Count);
                foreach (var pod in list.Items)
                {
                    indexed.Add(await DescribeAsync(pod, cancellationToken).ConfigureAwait(false));
                }

                ReplaceAll(indexed);
                _firstList.TrySetResult();
                ClearErrorUnlessFull();
                var resourceVersion = list.Metadata?.ResourceVersion;
                while (!cancellationToken.IsCancellationRequested)
                {
                    var (ended, version) = await WatchOnceAsync(fieldSelector, resourceVersion, () => backoff = options.InitialBackoff, cancellationToken).ConfigureAwait(false);
                    resourceVersion = version;
                    if (!ended)
                    {
                        break;
                    }
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                _lastError = $"cannot list the pods{(fieldSelector is null ? "" : $" of node {options.NodeName}")}: {e.Message}";
                _logger.LogWarning("Indexing pods failed ({Reason}); listing again in {Delay} ms", e.Message, (int)backoff.TotalMilliseconds);
            }

            try
            {
                await Task.Delay(backoff, _time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, options.MaxBackoff.Ticks));
        }
    }

    /// <summary>One watch connection. Returns (true, version) when it ended normally (reopen from version), (false, _) to re-list.</summary>
    private async Task<(bool Ended, string? ResourceVersion)> WatchOnceAsync(string? fieldSelector, string? resourceVersion, Action connected, CancellationToken cancellationToken)
    {
        Exception? error = null;
        var events = client.CoreV1.WatchListPodForAllNamespacesAsync(
            allowWatchBookmarks: true, fieldSelector: fieldSelector, resourceVersion: resourceVersion, onError: e => error ??= e, cancellationToken: cancellationToken);
        var first = true;
        try
        {
            await foreach (var (type, pod) in events.ConfigureAwait(false))
            {
                if (first)
                {
                    first = false;
                    connected();
                }

                if (error is not null)
                {
                    break;
                }

                resourceVersion = pod.Metadata?.ResourceVersion ?? resourceVersion;
                switch (type)
                {
                    case k8s.WatchEventType.Added or k8s.WatchEventType.Modified:
                        Upsert(await DescribeAsync(pod, cancellationToken).ConfigureAwait(false));
                        break;
                    case k8s.WatchEventType.Deleted when pod.Metadata?.Uid is { } uid:
                        MarkDeleted(uid);
                        break;
                }
            }
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Gone)
        {
            return (false, null);
        }

        if (error is KubernetesException { Status.Code: (int)HttpStatusCode.Gone })
        {
            _logger.LogInformation("Pod watch from resourceVersion {ResourceVersion}: 410 Gone, listing again", resourceVersion);
            return (false, null);
        }

        if (error is not null)
        {
            throw error is KubernetesException kubernetes ? new InvalidOperationException(kubernetes.Status?.Message ?? kubernetes.Message, kubernetes) : error;
        }

        return (true, resourceVersion);
    }

    private async Task<IndexedPod> DescribeAsync(V1Pod pod, CancellationToken cancellationToken)
    {
        var meta = pod.Metadata;
        var ns = meta.NamespaceProperty ?? "default";
        var (kind, name) = await WorkloadOfAsync(pod, cancellationToken).ConfigureAwait(false);
        var containers = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var status in (pod.Status?.ContainerStatuses ?? []).Concat(pod.Status?.InitContainerStatuses ?? []))
        {
            if (ContainerId(status.ContainerID) is { } id)
            {
                containers[id] = status.Name;
            }
        }

        return new IndexedPod(ns, meta.Name, meta.Uid, kind, name, containers);
    }

    /// <summary>The id part of <c>containerd://…</c>, <c>docker://…</c>, <c>cri-o://…</c>.</summary>
    private static string? ContainerId(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }

        var scheme = value.IndexOf("://", StringComparison.Ordinal);
        return scheme < 0 ? value : value[(scheme + 3)..];
    }

    private async Task<(string Kind, string Name)> WorkloadOfAsync(V1Pod pod, CancellationToken cancellationToken)
    {
        var meta = pod.Metadata;
        var owner = Controller(meta.OwnerReferences);
        if (owner is null)
        {
            return ("Pod", meta.Name);
        }

        var ns = meta.NamespaceProperty ?? "default";
        switch (owner.Kind)
        {
            case "ReplicaSet":
                if (await OwnerOfAsync(ns, owner.Kind, owner.Name, cancellationToken).ConfigureAwait(false) is { } deployment)
                {
                    return deployment;
                }

                // The ReplicaSet could not be read: a Deployment's ReplicaSet is named <deployment>-<pod-template-hash>.
                return meta.Labels?.TryGetValue("pod-template-hash", out var hash) == true && owner.Name.EndsWith("-" + hash, StringComparison.Ordinal)
                    ? ("Deployment", owner.Name[..^(hash.Length + 1)])
                    : ("ReplicaSet", owner.Name);
            case "Job":
                return await OwnerOfAsync(ns, owner.Kind, owner.Name, cancellationToken).ConfigureAwait(false) ?? ("Job", owner.Name);
            default:
                return (owner.Kind, owner.Name);
        }
    }

    /// <summary>The controller of a ReplicaSet or Job, or the object itself when it has none; null when it cannot be read.</summary>
    private async Task<(string Kind, string Name)?> OwnerOfAsync(string ns, string kind, string name, CancellationToken cancellationToken)
    {
        var key = (ns, kind, name);
        lock (_lock)
        {
            if (_owners.TryGetValue(key, out var cached))
            {
                return cached;
            }
        }

        V1ObjectMeta meta;
        try
        {
            meta = kind == "ReplicaSet"
                ? (await client.AppsV1.ReadNamespacedReplicaSetAsync(name, ns, cancellationToken: cancellationToken).ConfigureAwait(false)).Metadata
                : (await client.BatchV1.ReadNamespacedJobAsync(name, ns, cancellationToken: cancellationToken).ConfigureAwait(false)).Metadata;
        }
        catch (HttpOperationException e) when (e.Response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Forbidden or HttpStatusCode.Unauthorized)
        {
            _logger.LogDebug("Cannot read {Kind} {Namespace}/{Name} to name its pods' workload: {Status}", kind, ns, name, e.Response.StatusCode);
            return null;
        }

        (string Kind, string Name)? workload = Controller(meta.OwnerReferences) is { } owner ? (owner.Kind, owner.Name) : (kind, name);
        lock (_lock)
        {
            if (_owners.Count >= MaxCachedOwners)
            {
                _owners.Clear();
            }

            _owners[key] = workload;
        }

        return workload;
    }

    private static V1OwnerReference? Controller(IList<V1OwnerReference>? owners) =>
        owners?.FirstOrDefault(o => o.Controller == true) ?? owners?.FirstOrDefault();

    private void ReplaceAll(List<IndexedPod> pods)
    {
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            var listed = pods.Select(p => p.Uid).ToHashSet(StringComparer.Ordinal);
            foreach (var (uid, entry) in _pods.ToList())
            {
                if (!listed.Contains(uid) && entry.DeletedAt is null)
                {
                    _pods[uid] = (entry.Pod, now);
                    _deletions.Enqueue((uid, now));
                }
            }

            foreach (var pod in pods)
            {
                UpsertLocked(pod);
            }
        }
    }

    private void Upsert(IndexedPod pod)
    {
        lock (_lock)
        {
            UpsertLocked(pod);
        }
    }

    private void UpsertLocked(IndexedPod pod)
    {
        SweepLocked();
        if (!_pods.ContainsKey(pod.Uid) && _pods.Count >= options.MaxPods)
        {
            _lastError = $"more than {options.MaxPods} pods (Kubernetes:MaxPods): pod {pod.Namespace}/{pod.Name} is not indexed";
            return;
        }

        if (_pods.TryGetValue(pod.Uid, out var previous))
        {
            foreach (var id in previous.Pod.ContainerNames.Keys)
            {
                _podByContainer.Remove(id);
            }
        }

        _pods[pod.Uid] = (pod, null);
        foreach (var id in pod.ContainerNames.Keys)
        {
            _podByContainer[id] = pod.Uid;
        }
    }

    private void MarkDeleted(string uid)
    {
        lock (_lock)
        {
            if (_pods.TryGetValue(uid, out var entry) && entry.DeletedAt is null)
            {
                var now = _time.GetUtcNow();
                _pods[uid] = (entry.Pod, now);
                _deletions.Enqueue((uid, now));
            }

            SweepLocked();
        }
    }

    private void SweepLocked()
    {
        var cutoff = _time.GetUtcNow() - options.DeletedRetention;
        while (_deletions.TryPeek(out var deletion) && deletion.At < cutoff)
        {
            _deletions.Dequeue();
            if (_pods.TryGetValue(deletion.Uid, out var entry) && entry.DeletedAt == deletion.At)
            {
                _pods.Remove(deletion.Uid);
                foreach (var id in entry.Pod.ContainerNames.Keys)
                {
                    _podByContainer.Remove(id);
                }
            }
        }
    }

    private void ClearErrorUnlessFull()
    {
        lock (_lock)
        {
            if (_pods.Count < options.MaxPods)
            {
                _lastError = null;
            }
        }
    }
}
