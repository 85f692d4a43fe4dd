using OdigosUi.Deploy.Tests.Kubernetes;
using OdigosUi.Resources.Model;
using OdigosUi.Resources.Stores.Kubernetes;

namespace OdigosUi.Deploy.Tests.Chart;

/// <summary>
/// What each ServiceAccount may do, through the chart's RBAC objects. The process test
/// (<see cref="Cluster.ChartInClusterTests"/>) checks the same against the requests the app really makes.
/// </summary>
public sealed class RbacTests
{
    private const string Ns = "odigos-system";
    private static readonly RbacAuthorizer Rbac = new(ChartRenders.Render("profiling"));
    private static readonly string Ui = RbacAuthorizer.User(Ns, "odigos-ui-ui");
    private static readonly string Gateway = RbacAuthorizer.User(Ns, "odigos-ui-gateway");
    private static readonly string Node = RbacAuthorizer.User(Ns, "odigos-ui-node");

    public static TheoryData<string> Verbs => ["get", "list", "watch", "create", "update", "patch", "delete"];

    [Fact]
    public void The_store_holds_exactly_destinations_sources_and_secrets()
    {
        // If the store learns a new kind, the RBAC below (and these tests) must learn it too.
        Assert.Equal(
            ["destinations.odigos.io", "secrets", "sources.odigos.io"],
            KubernetesResourceStore.SupportedTypes.Select(t => t.QualifiedPlural).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Every_role_watches_sources_in_every_namespace()
    {
        var sources = Source.ResourceType;
        foreach (string user in new[] { Ui, Gateway, Node })
        {
            foreach (string verb in new[] { "list", "watch", "get" })
            {
                Assert.True(Rbac.Allows(user, new ResourceRequest(verb, sources.Group, sources.Plural, null)), $"{user} cannot {verb} sources cluster-wide");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Verbs))]
    public void The_ui_manages_destinations_and_by_name_their_secrets_in_its_namespace_and_sources_anywhere(string verb)
    {
        var destinations = Destination.ResourceType;
        Assert.True(Rbac.Allows(Ui, new ResourceRequest(verb, destinations.Group, destinations.Plural, Ns)));
        Assert.Equal(verb is not ("list" or "watch"), Rbac.Allows(Ui, new ResourceRequest(verb, "", "secrets", Ns)));
        Assert.True(Rbac.Allows(Ui, new ResourceRequest(verb, Source.ResourceType.Group, Source.ResourceType.Plural, "shop")));
        Assert.False(Rbac.Allows(Ui, new ResourceRequest(verb, "", "secrets", "shop")), "secrets outside the release namespace");
        Assert.False(Rbac.Allows(Ui, new ResourceRequest(verb, destinations.Group, destinations.Plural, "shop")));
    }

    [Fact]
    public void The_ui_reads_workloads_to_list_what_can_be_profiled()
    {
        foreach (var (group, resource) in new[] { ("apps", "deployments"), ("apps", "statefulsets"), ("apps", "daemonsets"), ("batch", "cronjobs"), ("", "namespaces"), ("", "pods") })
        {
            Assert.True(Rbac.Allows(Ui, new ResourceRequest("watch", group, resource, null)), $"{resource}");
            Assert.False(Rbac.Allows(Ui, new ResourceRequest("update", group, resource, "shop")), $"{resource} is read-only");
        }
    }

    [Fact]
    public void The_gateway_reads_destinations_and_gets_secrets_by_name_and_writes_only_destination_status()
    {
        var destinations = Destination.ResourceType;
        foreach (string verb in new[] { "get", "list", "watch" })
        {
            Assert.True(Rbac.Allows(Gateway, new ResourceRequest(verb, destinations.Group, destinations.Plural, Ns)));
        }

        Assert.True(Rbac.Allows(Gateway, new ResourceRequest("get", "", "secrets", Ns)));
        Assert.False(Rbac.Allows(Gateway, new ResourceRequest("list", "", "secrets", Ns)));
        Assert.False(Rbac.Allows(Gateway, new ResourceRequest("watch", "", "secrets", Ns)));

        Assert.True(Rbac.Allows(Gateway, new ResourceRequest("update", destinations.Group, destinations.Plural + "/status", Ns)));
        foreach (string verb in new[] { "create", "update", "patch", "delete" })
        {
            Assert.False(Rbac.Allows(Gateway, new ResourceRequest(verb, destinations.Group, destinations.Plural, Ns)));
            Assert.False(Rbac.Allows(Gateway, new ResourceRequest(verb, "", "secrets", Ns)));
            Assert.False(Rbac.Allows(Gateway, new ResourceRequest(verb, Source.ResourceType.Group, Source.ResourceType.Plural, "shop")));
        }
    }

    [Fact]
    public void The_node_reads_pods_and_their_owners_and_no_secrets()
    {
        Assert.True(Rbac.Allows(Node, new ResourceRequest("watch", "", "pods", null)));
        Assert.True(Rbac.Allows(Node, new ResourceRequest("get", "apps", "replicasets", "shop")));
        Assert.True(Rbac.Allows(Node, new ResourceRequest("get", "batch", "jobs", "shop")));
        Assert.False(Rbac.Allows(Node, new ResourceRequest("list", "batch", "jobs", "shop")));
        Assert.True(Rbac.Allows(Node, new ResourceRequest("get", "apps", "deployments", "shop")));
        Assert.False(Rbac.Allows(Node, new ResourceRequest("get", "", "secrets", Ns)));
        Assert.False(Rbac.Allows(Node, new ResourceRequest("list", Destination.ResourceType.Group, Destination.ResourceType.Plural, Ns)));
        Assert.False(Rbac.Allows(Node, new ResourceRequest("create", Source.ResourceType.Group, Source.ResourceType.Plural, "shop")));
    }

    [Theory]
    [MemberData(nameof(ChartRenders.ValueSetNames), MemberType = typeof(ChartRenders))]
    public void No_role_lists_or_watches_secrets_and_only_the_ui_writes_them(string valueSet)
    {
        var chart = ChartRenders.Render(valueSet);
        if (chart.Manifests.All(m => m.Kind != "Role"))
        {
            return; // rbac.create=false
        }

        var rbac = new RbacAuthorizer(chart);
        var ns = chart.Release.Namespace;
        foreach (string component in new[] { "ui", "gateway", "node" })
        {
            if (chart.Component(component) is not { } workload)
            {
                continue;
            }

            var user = RbacAuthorizer.User(ns, (string)workload.PodSpec()["serviceAccountName"]!);
            foreach (string verb in new[] { "list", "watch" })
            {
                Assert.False(rbac.Allows(user, new ResourceRequest(verb, "", "secrets", ns)), $"{valueSet}: {component} may {verb} secrets");
                Assert.False(rbac.Allows(user, new ResourceRequest(verb, "", "secrets", null)), $"{valueSet}: {component} may {verb} secrets cluster-wide");
            }

            foreach (string verb in new[] { "create", "update", "patch", "delete" })
            {
                Assert.Equal(component == "ui", rbac.Allows(user, new ResourceRequest(verb, "", "secrets", ns)));
            }
        }
    }

    [Fact]
    public void No_rule_uses_wildcards_and_secrets_are_never_granted_cluster_wide()
    {
        foreach (string user in new[] { Ui, Gateway, Node })
        {
            foreach (var (ns, rule) in Rbac.RulesOf(user))
            {
                foreach (string field in new[] { "verbs", "apiGroups", "resources" })
                {
                    Assert.DoesNotContain("*", rule[field]!.AsArray().Select(v => (string?)v));
                }

                Assert.False(ns is null && rule["resources"]!.AsArray().Any(r => (string?)r == "secrets"), $"{user} reads secrets cluster-wide");
            }
        }
    }
}
