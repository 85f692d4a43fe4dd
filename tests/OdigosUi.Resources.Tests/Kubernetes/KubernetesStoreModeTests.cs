using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
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
}
