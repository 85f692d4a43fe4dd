using k8s;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OdigosUi.Resources.Model;
using OdigosUi.Resources.Sources;
using OdigosUi.Resources.Stores;
using OdigosUi.Resources.Stores.Kubernetes;

namespace OdigosUi.Resources.Tests.Kubernetes;

public sealed class KubernetesStoreModeTests
{
    [Theory]
    [InlineData(null, false, false, ResourceBackend.Embedded)]
    [InlineData("", false, false, ResourceBackend.Embedded)]
    [InlineData("auto", true, false, ResourceBackend.Cluster)]
    [InlineData("Auto", false, true, ResourceBackend.Cluster)]
    [InlineData("auto", false, false, ResourceBackend.Embedded)]
    [InlineData("cluster", false, false, ResourceBackend.Cluster)]
    [InlineData(" CLUSTER ", true, true, ResourceBackend.Cluster)]
    [InlineData("embedded", true, true, ResourceBackend.Embedded)]
    public void Mode_picks_the_backend(string? mode, bool inCluster, bool kubeConfig, ResourceBackend expected) =>
        Assert.Equal(expected, KubernetesStoreMode.Resolve(mode, () => inCluster, () => kubeConfig));

    [Fact]
    public void An_unknown_mode_is_refused() =>
        Assert.Throws<InvalidOperationException>(() => KubernetesStoreMode.Resolve("kind", () => false, () => false));

    [Fact]
    public void Embedded_mode_registers_the_embedded_store()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Kubernetes:Mode"] = "embedded", ["Storage:DataDir"] = ":memory:" })
            .Build();
        using var provider = new ServiceCollection().AddLogging().AddOdigosResources(configuration).BuildServiceProvider();
        Assert.IsType<EmbeddedResourceStore>(provider.GetRequiredService<IResourceStore>());
    }

    [Fact]
    public async Task In_a_cluster_the_store_the_workload_catalog_and_the_pod_index_share_one_client()
    {
        await using var fake = await FakeKubernetesApiServer.StartAsync();
        var client = new k8s.Kubernetes(new KubernetesClientConfiguration { Host = fake.Url });
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Kubernetes:Mode"] = "cluster", ["Kubernetes:NodeName"] = "node-a" })
            .Build();
        var services = new ServiceCollection().AddLogging().AddSingleton<IKubernetes>(client);
        services.AddOdigosResources(configuration).AddWorkloadCatalog(configuration).AddPodIndex(configuration);
        await using var provider = services.BuildServiceProvider();

        var store = Assert.IsType<KubernetesResourceStore>(provider.GetRequiredService<IResourceStore>());
        await store.ListAsync<Destination>();
        await provider.GetRequiredService<IWorkloadCatalog>().RefreshAsync(CancellationToken.None);
        using var stop = new CancellationTokenSource();
        var index = provider.GetRequiredService<KubernetesPodIndex>();
        var running = index.RunAsync(stop.Token);
        await index.WaitSyncedAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        await stop.CancelAsync();
        await running;

        // Every request reached the one fake server through the registered client; none came from a client of its own.
        Assert.Contains(fake.Requests, r => r.Contains("/destinations", StringComparison.Ordinal));
        Assert.Contains(fake.Requests, r => r.Contains("/deployments", StringComparison.Ordinal));
        Assert.Contains(fake.Requests, r => r.Contains("/pods", StringComparison.Ordinal) && r.Contains("node-a", StringComparison.Ordinal));
    }

    [Fact]
    public void Embedded_mode_registers_no_kubernetes_client()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Kubernetes:Mode"] = "embedded", ["Storage:DataDir"] = ":memory:" })
            .Build();
        var services = new ServiceCollection().AddLogging();
        services.AddOdigosResources(configuration).AddWorkloadCatalog(configuration).AddPodIndex(configuration);
        using var provider = services.BuildServiceProvider();
        Assert.Null(provider.GetService<IKubernetes>());
        Assert.Null(provider.GetService<IWorkloadCatalog>());
        Assert.Null(provider.GetService<KubernetesPodIndex>());
    }
}
