using System.Diagnostics;
using k8s;
using k8s.Models;
using OdigosUi.Deploy.Tests.Chart;
using OdigosUi.Deploy.Tests.Helm;
using OdigosUi.TestSupport;
using Xunit.Abstractions;

namespace OdigosUi.Deploy.Tests.Cluster;

/// <summary>
/// The node role's real profiler, in the chart's roles, on a process that lives in a pod's cgroup: the node names it
/// by the pod's Deployment (pod UID from the cgroup, pod → ReplicaSet → Deployment through the API with the node's
/// RBAC), so enabling the Deployment as a Source brings its flame graph to the UI.
/// </summary>
public sealed class NodeWorkloadIdentityTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string NodeName = "test-node"; // what ChartPod gives the downward API's spec.nodeName
    private ChartCluster? _cluster;
    private PodCgroup? _cgroup;

    public Task InitializeAsync() => Task.CompletedTask;

    [Fact]
    public async Task A_process_in_a_pod_is_profiled_as_its_deployment_once_that_deployment_is_a_source()
    {
        var chart = ChartRenders.Chart.Render(new HelmRelease("odigos-ui", ChartCluster.Namespace), ["profiling.enabled=true"]);
        _cluster = await ChartCluster.StartApiAsync(chart, "ui", "gateway", "node");
        using var admin = new k8s.Kubernetes(new KubernetesClientConfiguration { Host = _cluster.Api.Url });

        // What the cluster knows: Deployment shop/demo-shop → ReplicaSet → a pod on this node, its container running.
        var deployment = await admin.AppsV1.CreateNamespacedDeploymentAsync(new V1Deployment { Metadata = new V1ObjectMeta { Name = "demo-shop" } }, "shop");
        var replicaSet = await admin.AppsV1.CreateNamespacedReplicaSetAsync(
            new V1ReplicaSet { Metadata = new V1ObjectMeta { Name = "demo-shop-6b7c9", OwnerReferences = [Controller("Deployment", deployment.Metadata)] } }, "shop");
        var pod = await admin.CoreV1.CreateNamespacedPodAsync(
            new V1Pod
            {
                Metadata = new V1ObjectMeta { Name = "demo-shop-6b7c9-q8z4x", OwnerReferences = [Controller("ReplicaSet", replicaSet.Metadata)] },
                Spec = new V1PodSpec { NodeName = NodeName, Containers = [new V1Container { Name = "shop", Image = "demo-shop" }] },
            },
            "shop");
        _cgroup = PodCgroup.Create(pod.Metadata.Uid);
        var program = NativeTestProgram.Instance.UniqueCopy("shop-server");
        var process = _cgroup.Start(program, "600");
        Assert.Equal("ready", await process.StandardOutput.ReadLineAsync());
        pod.Status = new V1PodStatus { ContainerStatuses = [new V1ContainerStatus { Name = "shop", Ready = true, Image = "demo-shop", ImageID = "", ContainerID = $"containerd://{_cgroup.ContainerId}" }] };
        await admin.CoreV1.ReplaceNamespacedPodStatusAsync(pod, pod.Metadata.Name, "shop");
        Assert.Contains($"pod{pod.Metadata.Uid}", await File.ReadAllTextAsync($"/proc/{process.Id}/cgroup"), StringComparison.Ordinal);

        var ui = _cluster.StartPod("ui", _cluster.UiOnLoopback());
        _cluster.StartPod("gateway");
        var node = _cluster.StartPod("node");
        await _cluster.WaitReadyAsync(TimeSpan.FromSeconds(90));

        // The same process as a local process named by its executable, enabled too: its flame graph must stay empty.
        var asProcess = $"/api/profiling/local/Process/{Path.GetFileName(program)}";
        (await ui.Http.PutAsync($"/api/sources/local/Process/{Path.GetFileName(program)}", null)).EnsureSuccessStatusCode();
        (await ui.Http.PostAsync(asProcess, null)).EnsureSuccessStatusCode();

        // Enable the Deployment and open its flame graph, as a user would in the UI.
        var clock = Stopwatch.StartNew();
        (await ui.Http.PutAsync("/api/sources/shop/Deployment/demo-shop", null)).EnsureSuccessStatusCode();
        (await ui.Http.PostAsync("/api/profiling/shop/Deployment/demo-shop", null)).EnsureSuccessStatusCode();

        string folded = "";
        await _cluster.Eventually(
            async () =>
            {
                folded = await ui.Http.GetStringAsync("/api/profiling/shop/Deployment/demo-shop/flamegraph?format=folded");
                return folded.Contains("main;hot_loop", StringComparison.Ordinal);
            },
            "the pod's hot_loop in the Deployment's flame graph",
            TimeSpan.FromSeconds(60));
        output.WriteLine($"shop/Deployment/demo-shop flame graph with main;hot_loop {clock.ElapsedMilliseconds} ms after enabling the Source");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"took {clock.Elapsed}");

        // The node's collector saw the process as the Deployment, never as a local process named by its executable
        // (the node serves no API: what it forwarded is read in the UI).
        Assert.Equal("", await ui.Http.GetStringAsync(asProcess + "/flamegraph?format=folded"));
        using var nodeApi = await node.Http.GetAsync("/api/sources");
        Assert.Equal(System.Net.HttpStatusCode.NotFound, nodeApi.StatusCode);

        // The node listed only its own pods and read the ReplicaSet's owner, all within the chart's RBAC.
        var nodeCalls = _cluster.Front.Calls.Where(c => c.User == _cluster.Tokens["token-node"]).ToList();
        Assert.Empty(_cluster.Front.Calls.Where(c => !c.Allowed).Select(c => $"{c.User}: {c.Request}"));
        Assert.Contains(nodeCalls, c => c.Request is { Verb: "watch", Resource: "pods", Namespace: null });
        Assert.Contains(nodeCalls, c => c.Request is { Verb: "get", Resource: "replicasets", Namespace: "shop" });
        Assert.Contains(_cluster.Api.Requests, r => r.StartsWith("GET /api/v1/pods?", StringComparison.Ordinal) && r.Contains($"fieldSelector=spec.nodeName%3D{NodeName}", StringComparison.Ordinal));
    }

    private static V1OwnerReference Controller(string kind, V1ObjectMeta owner) => new() { ApiVersion = "apps/v1", Kind = kind, Name = owner.Name, Uid = owner.Uid, Controller = true };

    public async Task DisposeAsync()
    {
        _cgroup?.Dispose();
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }
}
