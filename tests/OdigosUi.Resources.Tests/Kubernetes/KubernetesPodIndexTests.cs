using k8s;
using k8s.Models;
using OdigosUi.Resources.Stores.Kubernetes;

namespace OdigosUi.Resources.Tests.Kubernetes;

/// <summary>The pod index through the real KubernetesClient against the fake API server's REST, field selectors and watches.</summary>
public sealed class KubernetesPodIndexTests : IAsyncLifetime
{
    private const string Node = "node-a";
    private const string ContainerId = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    private readonly ManualClock _clock = new();
    private readonly CancellationTokenSource _stop = new();
    private FakeKubernetesApiServer _fake = default!;
    private k8s.Kubernetes _client = default!;
    private Task _running = Task.CompletedTask;

    public async Task InitializeAsync()
    {
        _fake = await FakeKubernetesApiServer.StartAsync();
        _client = new k8s.Kubernetes(new KubernetesClientConfiguration { Host = _fake.Url });
    }

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        await _running;
        _client.Dispose();
        await _fake.DisposeAsync();
    }

    [Fact]
    public async Task Names_each_pod_of_the_node_by_the_workload_that_controls_it()
    {
        var deployment = await _client.AppsV1.CreateNamespacedDeploymentAsync(new V1Deployment { Metadata = new V1ObjectMeta { Name = "checkout" } }, "shop");
        var replicaSet = await _client.AppsV1.CreateNamespacedReplicaSetAsync(new V1ReplicaSet { Metadata = Owned("checkout-5d4f8", "Deployment", deployment.Metadata) }, "shop");
        var checkout = await CreatePodAsync(Owned("checkout-5d4f8-x2x9q", "ReplicaSet", replicaSet.Metadata), Node, ("app", $"containerd://{ContainerId}"));
        var cronJob = await _client.BatchV1.CreateNamespacedCronJobAsync(new V1CronJob { Metadata = new V1ObjectMeta { Name = "report" } }, "shop");
        var job = await _client.BatchV1.CreateNamespacedJobAsync(new V1Job { Metadata = Owned("report-29012", "CronJob", cronJob.Metadata) }, "shop");
        var report = await CreatePodAsync(Owned("report-29012-7h2kd", "Job", job.Metadata), Node);
        var statefulSet = await _client.AppsV1.CreateNamespacedStatefulSetAsync(new V1StatefulSet { Metadata = new V1ObjectMeta { Name = "db" } }, "shop");
        var db = await CreatePodAsync(Owned("db-0", "StatefulSet", statefulSet.Metadata), Node);
        var debug = await CreatePodAsync(new V1ObjectMeta { Name = "debug" }, Node);
        var elsewhere = await CreatePodAsync(new V1ObjectMeta { Name = "elsewhere" }, "node-b");

        // A ReplicaSet that cannot be read: the Deployment is inferred from its name and the pod-template-hash label.
        var legacyMeta = new V1ObjectMeta
        {
            Name = "legacy-7c9f6-abcde",
            Labels = new Dictionary<string, string> { ["pod-template-hash"] = "7c9f6" },
            OwnerReferences = [new V1OwnerReference { ApiVersion = "apps/v1", Kind = "ReplicaSet", Name = "legacy-7c9f6", Uid = Guid.NewGuid().ToString(), Controller = true }],
        };
        var legacy = await CreatePodAsync(legacyMeta, Node);

        var index = await StartAsync();

        Assert.Equal(("Deployment", "checkout"), Workload(index, checkout));
        Assert.Equal(("CronJob", "report"), Workload(index, report));
        Assert.Equal(("StatefulSet", "db"), Workload(index, db));
        Assert.Equal(("Pod", "debug"), Workload(index, debug));
        Assert.Equal(("Deployment", "legacy"), Workload(index, legacy));
        Assert.Null(index.Find(elsewhere.Metadata.Uid, null));
        Assert.Equal(5, index.Count);
        Assert.Contains(_fake.Requests, r => r.StartsWith("GET /api/v1/pods", StringComparison.Ordinal) && r.Contains("fieldSelector=spec.nodeName%3Dnode-a", StringComparison.Ordinal));

        // By container id alone (what an external OTLP sender's container.id gives), with the container's name.
        var (pod, container) = index.Find(null, ContainerId)!.Value;
        Assert.Equal(("shop", "checkout-5d4f8-x2x9q", checkout.Metadata.Uid, "app"), (pod.Namespace, pod.Name, pod.Uid, container));
    }

    [Fact]
    public async Task Follows_pods_as_they_come_and_go_and_forgets_deleted_ones_after_the_retention()
    {
        var index = await StartAsync();
        Assert.Equal(0, index.Count);

        var late = await CreatePodAsync(new V1ObjectMeta { Name = "late" }, Node);
        await Eventually(() => index.Find(late.Metadata.Uid, null) is not null, "a pod created after the list");

        await _client.CoreV1.DeleteNamespacedPodAsync("late", "shop");
        var other = await CreatePodAsync(new V1ObjectMeta { Name = "other" }, Node);
        await Eventually(() => index.Find(other.Metadata.Uid, null) is not null, "the next pod");
        Assert.NotNull(index.Find(late.Metadata.Uid, null)); // still named: its last samples may still arrive

        _clock.Advance(TimeSpan.FromSeconds(61));
        var third = await CreatePodAsync(new V1ObjectMeta { Name = "third" }, Node);
        await Eventually(() => index.Find(third.Metadata.Uid, null) is not null, "a third pod");
        Assert.Null(index.Find(late.Metadata.Uid, null));
        Assert.NotNull(index.Find(other.Metadata.Uid, null));
    }

    [Fact]
    public async Task Lists_again_when_the_watch_history_is_gone_and_catches_up()
    {
        var index = await StartAsync();
        await Eventually(() => _fake.OpenWatches == 1, "the pod watch");

        _fake.RejectWatches = true;
        _fake.DropWatches();
        var missed = await CreatePodAsync(new V1ObjectMeta { Name = "missed" }, Node);
        _fake.CompactHistory();
        _fake.RejectWatches = false;

        await Eventually(() => index.Find(missed.Metadata.Uid, null) is not null, "a pod created while the watch was down");
        await Eventually(() => index.LastError is null, "the error cleared after the re-list");
        Assert.True(index.Synced);
    }

    [Fact]
    public async Task Is_not_synced_and_says_why_while_the_api_server_refuses()
    {
        _fake.FailNextRequest(403);
        var index = new KubernetesPodIndex(_client, new PodIndexOptions { NodeName = Node, InitialBackoff = TimeSpan.FromSeconds(30) }, _clock);
        _running = index.RunAsync(_stop.Token);

        await Eventually(() => index.LastError is not null, "the refused list reported");
        Assert.False(index.Synced);
        Assert.False(index.WaitSyncedAsync(CancellationToken.None).IsCompleted);
        Assert.Contains("cannot list the pods of node node-a", index.LastError, StringComparison.Ordinal);
    }

    private async Task<KubernetesPodIndex> StartAsync()
    {
        var index = new KubernetesPodIndex(_client, new PodIndexOptions { NodeName = Node }, _clock);
        _running = index.RunAsync(_stop.Token);
        await index.WaitSyncedAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(15));
        Assert.True(index.Synced);
        return index;
    }

    private static (string Kind, string Name)? Workload(KubernetesPodIndex index, V1Pod pod) =>
        index.Find(pod.Metadata.Uid, null) is { } found ? (found.Pod.WorkloadKind, found.Pod.WorkloadName) : null;

    private static V1ObjectMeta Owned(string name, string ownerKind, V1ObjectMeta owner) => new()
    {
        Name = name,
        OwnerReferences = [new V1OwnerReference { ApiVersion = ownerKind is "Deployment" or "ReplicaSet" or "StatefulSet" ? "apps/v1" : "batch/v1", Kind = ownerKind, Name = owner.Name, Uid = owner.Uid, Controller = true }],
    };

    /// <summary>Creates a pod and, as the kubelet does once its containers run, writes their ids into its status.</summary>
    private async Task<V1Pod> CreatePodAsync(V1ObjectMeta meta, string node, params (string Name, string Id)[] containers)
    {
        var pod = await _client.CoreV1.CreateNamespacedPodAsync(
            new V1Pod { Metadata = meta, Spec = new V1PodSpec { NodeName = node, Containers = [new V1Container { Name = "app", Image = "demo" }] } }, "shop");
        if (containers.Length == 0)
        {
            return pod;
        }

        pod.Status = new V1PodStatus { ContainerStatuses = containers.Select(c => new V1ContainerStatus { Name = c.Name, Ready = true, Image = "demo", ImageID = "", ContainerID = c.Id }).ToList() };
        return await _client.CoreV1.ReplaceNamespacedPodStatusAsync(pod, pod.Metadata.Name, "shop");
    }

    private static async Task Eventually(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {what}");
            await Task.Delay(20);
        }
    }

    private sealed class ManualClock : TimeProvider
    {
        private DateTimeOffset _now = DateTimeOffset.UtcNow;

        public void Advance(TimeSpan by) => _now += by;

        public override DateTimeOffset GetUtcNow() => _now;
    }
}
