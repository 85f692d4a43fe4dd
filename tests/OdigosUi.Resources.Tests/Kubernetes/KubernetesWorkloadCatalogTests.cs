using k8s;
using k8s.Models;
using OdigosUi.Resources.Sources;
using OdigosUi.Resources.Stores.Kubernetes;

namespace OdigosUi.Resources.Tests.Kubernetes;

public sealed class KubernetesWorkloadCatalogTests : IAsyncLifetime
{
    private FakeKubernetesApiServer _fake = default!;
    private k8s.Kubernetes _client = default!;

    public async Task InitializeAsync()
    {
        _fake = await FakeKubernetesApiServer.StartAsync();
        _client = new k8s.Kubernetes(new KubernetesClientConfiguration { Host = _fake.Url });
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _fake.DisposeAsync();
    }

    [Fact]
    public async Task Lists_deployments_statefulsets_daemonsets_and_cronjobs_of_every_namespace()
    {
        await _client.AppsV1.CreateNamespacedDeploymentAsync(new V1Deployment { Metadata = new V1ObjectMeta { Name = "checkout" } }, "shop");
        await _client.AppsV1.CreateNamespacedDeploymentAsync(new V1Deployment { Metadata = new V1ObjectMeta { Name = "frontend" } }, "web");
        await _client.AppsV1.CreateNamespacedStatefulSetAsync(new V1StatefulSet { Metadata = new V1ObjectMeta { Name = "db" } }, "shop");
        await _client.AppsV1.CreateNamespacedDaemonSetAsync(new V1DaemonSet { Metadata = new V1ObjectMeta { Name = "agent" } }, "kube-system");
        await _client.BatchV1.CreateNamespacedCronJobAsync(new V1CronJob { Metadata = new V1ObjectMeta { Name = "report" } }, "shop");
        var catalog = new KubernetesWorkloadCatalog(_client);

        await catalog.RefreshAsync(CancellationToken.None);

        Assert.Null(catalog.LastError);
        Assert.Equal(
            ["kube-system/DaemonSet/agent", "shop/CronJob/report", "shop/Deployment/checkout", "shop/StatefulSet/db", "web/Deployment/frontend"],
            catalog.Workloads.Select(w => w.ToString()).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_failed_refresh_keeps_the_previous_list_and_says_why()
    {
        await _client.AppsV1.CreateNamespacedDeploymentAsync(new V1Deployment { Metadata = new V1ObjectMeta { Name = "checkout" } }, "shop");
        var catalog = new KubernetesWorkloadCatalog(_client);
        await catalog.RefreshAsync(CancellationToken.None);

        _fake.FailNextRequest(403);
        await catalog.RefreshAsync(CancellationToken.None);

        Assert.Equal([new WorkloadRef("shop", "Deployment", "checkout")], catalog.Workloads);
        Assert.Contains("cannot list workloads", catalog.LastError, StringComparison.Ordinal);
    }
}
