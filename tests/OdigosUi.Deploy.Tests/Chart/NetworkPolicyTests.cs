using System.Text.Json.Nodes;

namespace OdigosUi.Deploy.Tests.Chart;

/// <summary>
/// The chart's networking: the ui's UI port on loopback inside its pod unless it is exposed on purpose, and a
/// default-deny NetworkPolicy per component that lets through only node → gateway OTLP, gateway → ui OTLP, DNS, the API
/// server and the Destinations.
/// </summary>
public sealed class NetworkPolicyTests
{
    private static readonly Dictionary<string, string> Selector = new() { ["app.kubernetes.io/name"] = "odigos-ui", ["app.kubernetes.io/instance"] = "odigos-ui" };

    [Fact]
    public void The_ui_port_listens_on_loopback_in_the_ui_pod_and_on_the_pod_network_in_the_others()
    {
        var chart = ChartRenders.Render("profiling");
        var ui = chart.Component("ui")!.SingleContainer().Env();
        Assert.Equal("http://127.0.0.1:3000", ui["Ui__Url"]);
        Assert.Equal("http://*:4317", ui["Otlp__GrpcUrl"]);
        Assert.Equal("http://*:4318", ui["Otlp__HttpUrl"]);
        Assert.DoesNotContain("AllowedHosts", ui.Keys);
        Assert.Equal("http://*:3000", chart.Component("gateway")!.SingleContainer().Env()["Ui__Url"]);
        Assert.Equal("http://*:3000", chart.Component("node")!.SingleContainer().Env()["Ui__Url"]);
    }

    [Fact]
    public void An_exposed_ui_listens_on_the_pod_network_with_its_public_names_and_origins()
    {
        var ui = ChartRenders.Render("exposed").Component("ui")!.SingleContainer().Env();
        Assert.Equal("http://*:3000", ui["Ui__Url"]);
        Assert.Equal("odigos.example.com", ui["AllowedHosts"]);
        Assert.Equal("https://odigos.example.com", ui["Ui__AllowedOrigins"]);
    }

    [Theory]
    [InlineData("default")]
    [InlineData("profiling")]
    [InlineData("exposed")]
    public void Every_component_has_a_default_deny_policy_for_both_directions(string valueSet)
    {
        var chart = ChartRenders.Render(valueSet);
        foreach (var workload in chart.Workloads())
        {
            var component = (string)workload.Json()["metadata"]!["labels"]!["app.kubernetes.io/component"]!;
            var policy = Policy(chart, component);
            Assert.Equal(["Ingress", "Egress"], Strings(policy["policyTypes"]));
            Assert.Equal(
                (JsonObject)workload.Json()["spec"]!["selector"]!["matchLabels"]!.DeepClone(),
                policy["podSelector"]!["matchLabels"]!.AsObject(),
                JsonNode.DeepEquals);
        }

        Assert.Equal(chart.Workloads().Count(), chart.Manifests.Count(m => m.Kind == "NetworkPolicy"));
    }

    [Fact]
    public void Only_node_to_gateway_and_gateway_to_ui_otlp_come_in_by_default()
    {
        var chart = ChartRenders.Render("profiling");

        // Nothing reaches the node (root, hostPID) over the pod network.
        Assert.Empty(Policy(chart, "node")["ingress"]!.AsArray());

        var gatewayIn = Assert.Single(Policy(chart, "gateway")["ingress"]!.AsArray())!;
        Assert.Equal("node", ComponentOf(Assert.Single(gatewayIn["from"]!.AsArray())!));
        Assert.Equal(["otlp-grpc", "otlp-http"], Ports(gatewayIn));

        // The ui's UI port is on loopback: only the gateway's OTLP/gRPC comes in.
        var uiIn = Assert.Single(Policy(chart, "ui")["ingress"]!.AsArray())!;
        Assert.Equal("gateway", ComponentOf(Assert.Single(uiIn["from"]!.AsArray())!));
        Assert.Equal(["otlp-grpc"], Ports(uiIn));
    }

    [Fact]
    public void Egress_is_dns_the_api_server_the_next_hop_and_for_gateway_and_ui_the_destinations()
    {
        var chart = ChartRenders.Render("profiling");
        var node = Policy(chart, "node")["egress"]!.AsArray();
        Assert.Equal(3, node.Count);
        Assert.Equal("gateway", ComponentOf(Assert.Single(node[0]!["to"]!.AsArray())!));
        Assert.Equal(["otlp-grpc"], Ports(node[0]!));
        AssertDnsAndApiServer(node[1]!, node[2]!);

        var gateway = Policy(chart, "gateway")["egress"]!.AsArray();
        Assert.Equal(4, gateway.Count);
        Assert.Equal("ui", ComponentOf(Assert.Single(gateway[0]!["to"]!.AsArray())!));
        Assert.Equal(["otlp-grpc"], Ports(gateway[0]!));
        AssertDnsAndApiServer(gateway[1]!, gateway[2]!);
        Assert.Empty(gateway[3]!.AsObject()); // the Destinations: added at run time, any address by default

        var ui = Policy(chart, "ui")["egress"]!.AsArray();
        Assert.Equal(3, ui.Count);
        AssertDnsAndApiServer(ui[0]!, ui[1]!);
        Assert.Empty(ui[2]!.AsObject()); // test-connection reaches the Destinations
    }

    [Fact]
    public void Optional_peers_open_otlp_metrics_the_exposed_ui_and_narrow_the_destinations()
    {
        var chart = ChartRenders.Render("exposed");
        var nodeIn = Policy(chart, "node")["ingress"]!.AsArray();
        Assert.Equal(2, nodeIn.Count);
        Assert.Equal("otel", NamespaceOf(Assert.Single(nodeIn[0]!["from"]!.AsArray())!));
        Assert.Equal(["otlp-grpc", "otlp-http"], Ports(nodeIn[0]!));
        Assert.Equal("monitoring", NamespaceOf(Assert.Single(nodeIn[1]!["from"]!.AsArray())!));
        Assert.Equal(["http"], Ports(nodeIn[1]!));

        var gatewayIn = Policy(chart, "gateway")["ingress"]!.AsArray();
        Assert.Equal(["node", "otel"], gatewayIn[0]!["from"]!.AsArray().Select(p => p!["podSelector"] is not null ? ComponentOf(p) : NamespaceOf(p)));

        var uiIn = Policy(chart, "ui")["ingress"]!.AsArray();
        Assert.Equal(3, uiIn.Count);
        Assert.Equal(["http"], Ports(uiIn[1]!));
        Assert.Equal("ingress-nginx", NamespaceOf(Assert.Single(uiIn[1]!["from"]!.AsArray())!));

        var destinations = Policy(chart, "gateway")["egress"]!.AsArray()[3]!;
        Assert.Equal("10.20.0.0/16", (string?)destinations["to"]![0]!["ipBlock"]!["cidr"]);
    }

    [Fact]
    public void The_policy_can_be_turned_off()
    {
        Assert.DoesNotContain(ChartRenders.Render("overrides").Manifests, m => m.Kind == "NetworkPolicy");
    }

    private static void AssertDnsAndApiServer(JsonNode dns, JsonNode api)
    {
        Assert.Equal("kube-dns", (string?)Assert.Single(dns["to"]!.AsArray())!["podSelector"]!["matchLabels"]!["k8s-app"]);
        Assert.Equal(["UDP/53", "TCP/53"], dns["ports"]!.AsArray().Select(p => $"{p!["protocol"]}/{p["port"]}"));
        Assert.Equal(["0.0.0.0/0", "::/0"], api["to"]!.AsArray().Select(p => (string?)p!["ipBlock"]!["cidr"]));
        Assert.Equal(["443", "6443"], Ports(api));
    }

    private static JsonObject Policy(Helm.RenderedChart chart, string component) =>
        chart.Single("NetworkPolicy", $"odigos-ui-{component}").Json()["spec"]!.AsObject();

    private static string ComponentOf(JsonNode peer)
    {
        var labels = peer["podSelector"]!["matchLabels"]!.AsObject();
        Assert.All(Selector, pair => Assert.Equal(pair.Value, (string?)labels[pair.Key]));
        return (string)labels["app.kubernetes.io/component"]!;
    }

    private static string NamespaceOf(JsonNode peer) => (string)peer["namespaceSelector"]!["matchLabels"]!["kubernetes.io/metadata.name"]!;

    private static string[] Ports(JsonNode rule) => [.. rule["ports"]!.AsArray().Select(p => p!["port"]!.ToString())];

    private static string[] Strings(JsonNode? node) => [.. node!.AsArray().Select(v => (string)v!)];
}
