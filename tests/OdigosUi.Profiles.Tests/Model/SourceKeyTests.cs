using OdigosUi.Profiles.Model;

namespace OdigosUi.Profiles.Tests.Model;

public class SourceKeyTests
{
    private static SourceKey From(params (string Key, string Value)[] attributes)
    {
        var map = attributes.ToDictionary(a => a.Key, a => a.Value);
        return SourceKey.FromAttributes(key => map.GetValueOrDefault(key));
    }

    [Fact]
    public void Odigos_workload_attributes_win()
    {
        var key = From(("k8s.namespace.name", "shop"), ("odigos.workload.kind", "Deployment"), ("odigos.workload.name", "cart"), ("k8s.statefulset.name", "db"));
        Assert.Equal("shop/Deployment/cart", key.ToString());
    }

    [Theory]
    [InlineData("k8s.deployment.name", "Deployment")]
    [InlineData("k8s.statefulset.name", "StatefulSet")]
    [InlineData("k8s.daemonset.name", "DaemonSet")]
    [InlineData("k8s.cronjob.name", "CronJob")]
    [InlineData("k8s.job.name", "Job")]
    [InlineData("k8s.pod.name", "Pod")]
    public void Kubernetes_workload_attribute_gives_its_kind(string attribute, string kind) =>
        Assert.Equal($"ns/{kind}/w", From(("k8s.namespace.name", "ns"), (attribute, "w")).ToString());

    [Fact]
    public void First_workload_attribute_in_design_order_wins()
    {
        var key = From(("k8s.namespace.name", "ns"), ("k8s.pod.name", "cart-abc-123"), ("k8s.job.name", "j"), ("k8s.deployment.name", "cart"));
        Assert.Equal("ns/Deployment/cart", key.ToString());
    }

    [Fact]
    public void Odigos_kind_without_name_falls_back_to_kubernetes_attributes()
    {
        var key = From(("k8s.namespace.name", "ns"), ("odigos.workload.kind", "Deployment"), ("k8s.daemonset.name", "agent"));
        Assert.Equal("ns/DaemonSet/agent", key.ToString());
    }

    [Fact]
    public void Without_kubernetes_attributes_the_service_name_is_a_local_process()
    {
        Assert.Equal("local/Process/api", From(("service.name", "api"), ("process.executable.name", "dotnet")).ToString());
        Assert.Equal("local/Process/dotnet", From(("process.executable.name", "dotnet")).ToString());
        Assert.Equal("local/Process/unknown_service", From().ToString());
    }

    [Fact]
    public void Namespace_without_a_workload_is_not_kubernetes()
    {
        Assert.Equal("local/Process/api", From(("k8s.namespace.name", "ns"), ("service.name", "api")).ToString());
    }

    [Fact]
    public void Parses_its_own_text()
    {
        Assert.True(SourceKey.TryParse("a/Deployment/b", out var key));
        Assert.Equal(new SourceKey("a", "Deployment", "b"), key);
        Assert.False(SourceKey.TryParse("a/b", out _));
        Assert.False(SourceKey.TryParse("a//b", out _));
    }
}
