using System.Text.RegularExpressions;
using OdigosUi.Hosting;
using OdigosUi.Pipeline.Receivers;
using OdigosUi.Pipeline.Slots;

namespace OdigosUi.Deploy.Tests.Chart;

/// <summary>The chart's values and environment against the app: every key real, every default the app's, every port agreed.</summary>
public sealed partial class ChartConfigurationTests
{
    /// <summary>Environment variables that are not configuration keys, and why.</summary>
    private static readonly Dictionary<string, string> NonConfigurationEnvironment = new()
    {
        // Downward API; the node's name for workload identity (read through configuration as NODE_NAME).
        ["NODE_NAME"] = "spec.nodeName",
        // A .NET runtime setting for the node role only.
        ["DOTNET_TieredPGO"] = "0",
    };

    [Fact]
    public void Every_values_reference_in_the_templates_exists_in_values_yaml()
    {
        var missing = new List<string>();
        foreach (var (file, text) in ChartRenders.Chart.Templates)
        {
            foreach (Match match in ValuesReference().Matches(text))
            {
                string path = match.Groups[1].Value;
                if (Lookup(path) is null)
                {
                    missing.Add($"{file}: .Values{path}");
                }
            }
        }

        Assert.Empty(missing);
        Assert.NotEmpty(ChartRenders.Chart.Templates.Values.SelectMany(t => ValuesReference().Matches(t)));
    }

    [Fact]
    public void Every_value_in_values_yaml_is_used_by_a_template()
    {
        var references = ChartRenders.Chart.Templates.Values
            .SelectMany(t => ValuesReference().Matches(t).Select(m => m.Groups[1].Value))
            .ToHashSet(StringComparer.Ordinal);
        var unused = Leaves(ChartRenders.Chart.DefaultValues, "")
            .Where(leaf => !references.Any(r => leaf == r || leaf.StartsWith(r + ".", StringComparison.Ordinal)))
            .ToList();
        Assert.Empty(unused);
    }

    [Theory]
    [MemberData(nameof(ChartRenders.ValueSetNames), MemberType = typeof(ChartRenders))]
    public void Every_environment_variable_is_a_configuration_key_the_app_reads(string valueSet)
    {
        // The reflection finds section properties and directly read keys.
        Assert.Contains("Profiling:Ui:SlotTtlSeconds", AppConfiguration.Keys);
        Assert.Contains("Collector:GatewayUrl", AppConfiguration.Keys);
        Assert.Contains("Role", AppConfiguration.Keys);
        foreach (var workload in ChartRenders.Render(valueSet).Workloads())
        {
            foreach (string name in workload.SingleContainer().Env().Keys)
            {
                if (NonConfigurationEnvironment.ContainsKey(name))
                {
                    continue;
                }

                Assert.True(AppConfiguration.IsKnown(AppConfiguration.FromEnvironmentName(name)), $"{workload}: env {name} is not a configuration key of the app");
            }
        }
    }

    [Fact]
    public void Chart_defaults_are_the_app_defaults_except_profiling_which_is_off_as_in_Odigos()
    {
        Assert.Equal(new SlotOptions().MaxSlots, (double)Lookup(".profiling.ui.maxSlots")!);
        Assert.Equal(new SlotOptions().SlotMaxBytes, (double)Lookup(".profiling.ui.slotMaxBytes")!);
        Assert.Equal(new SlotOptions().SlotTtlSeconds, (double)Lookup(".profiling.ui.slotTTLSeconds")!);
        Assert.Equal(new ProfilingOptions().SamplesPerSecond, (double)Lookup(".profiling.samplesPerSecond")!);
        Assert.Equal($"{new ExporterSettings().TimeoutSeconds}s", Lookup(".profiling.exporter.timeout"));
        Assert.Equal(new ExporterSettings().RetryOnFailure, Lookup(".profiling.exporter.retryOnFailure"));
        Assert.True(new ProfilingOptions().Enabled);
        Assert.Equal(false, Lookup(".profiling.enabled"));
    }

    [Fact]
    public void Each_role_gets_its_settings_with_the_app_defaults()
    {
        var chart = ChartRenders.Render("profiling");
        var ui = chart.Component("ui")!.SingleContainer().Env();
        var gateway = chart.Component("gateway")!.SingleContainer().Env();
        var node = chart.Component("node")!.SingleContainer().Env();

        Assert.Equal(("ui", "gateway", "node"), (ui["Role"], gateway["Role"], node["Role"]));
        foreach (var env in new[] { ui, gateway, node })
        {
            Assert.Equal("cluster", env["Kubernetes__Mode"]);
            Assert.Equal(chart.Release.Namespace, env["Kubernetes__Namespace"]);
            Assert.Equal("true", env["Profiling__Enabled"]);
        }

        Assert.Equal(new SlotOptions().MaxSlots.ToString(), ui["Profiling__Ui__MaxSlots"]);
        Assert.Equal(new SlotOptions().SlotMaxBytes.ToString(), ui["Profiling__Ui__SlotMaxBytes"]);
        Assert.Equal(new SlotOptions().SlotTtlSeconds.ToString(), ui["Profiling__Ui__SlotTtlSeconds"]);
        Assert.Equal(new ExporterSettings().TimeoutSeconds.ToString(), gateway["Profiling__Exporter__TimeoutSeconds"]);
        Assert.Equal("true", gateway["Profiling__Exporter__RetryOnFailure"]);
        Assert.Equal(new ExporterSettings().ShutdownTimeoutSeconds.ToString(), gateway["Profiling__Exporter__ShutdownTimeoutSeconds"]);
        Assert.Equal(new ProfilingOptions().SamplesPerSecond.ToString(), node["Profiling__SamplesPerSecond"]);
        Assert.Equal(new ProfilingOptions().RuntimeNaming.ToString(), node["Profiling__RuntimeNaming"]);
        Assert.Null(node["NODE_NAME"]); // valueFrom
        Assert.Equal("spec.nodeName", (string?)chart.Component("node")!.SingleContainer()["env"]!.AsArray()
            .Single(e => (string?)e!["name"] == "NODE_NAME")!["valueFrom"]!["fieldRef"]!["fieldPath"]);

        // Dynamic PGO is off for the node only: its JIT work in the first minutes halves; the gateway and UI keep it.
        Assert.Equal("0", node["DOTNET_TieredPGO"]);
        Assert.DoesNotContain("DOTNET_TieredPGO", gateway.Keys);
        Assert.DoesNotContain("DOTNET_TieredPGO", ui.Keys);

        // Settings go only where they are read.
        Assert.DoesNotContain("Profiling__Ui__MaxSlots", gateway.Keys);
        Assert.DoesNotContain("Collector__GatewayUrl", ui.Keys);
        Assert.DoesNotContain("Gateway__UiUrl", node.Keys);
    }

    [Fact]
    public void Overrides_reach_the_environment_as_plain_integers()
    {
        var ui = ChartRenders.Render("overrides").Component("ui")!.SingleContainer().Env();
        var gateway = ChartRenders.Render("overrides").Component("gateway")!.SingleContainer().Env();
        Assert.Equal("7", ui["Profiling__Ui__MaxSlots"]);
        Assert.Equal("16777216", ui["Profiling__Ui__SlotMaxBytes"]);
        Assert.Equal("30", gateway["Profiling__Exporter__TimeoutSeconds"]);
        Assert.Equal("http://127.0.0.1:8080", ui["Ui__Url"]);
        Assert.Equal("http://*:8080", gateway["Ui__Url"]);
    }

    [Fact]
    public void Profiling_off_turns_the_ui_buffer_off_and_the_gateway_feeds_no_ui()
    {
        var chart = ChartRenders.Render("default");
        Assert.Null(chart.Component("node"));
        Assert.Equal("false", chart.Component("ui")!.SingleContainer().Env()["Profiling__Enabled"]);
        var gateway = chart.Component("gateway")!.SingleContainer().Env();
        Assert.Equal("false", gateway["Profiling__Enabled"]);
        Assert.DoesNotContain("Gateway__UiUrl", gateway.Keys);
    }

    [Theory]
    [MemberData(nameof(ChartRenders.ValueSetNames), MemberType = typeof(ChartRenders))]
    public void Containers_listen_where_their_ports_and_probes_say(string valueSet)
    {
        foreach (var workload in ChartRenders.Render(valueSet).Workloads())
        {
            var container = workload.SingleContainer();
            var env = container.Env();
            var ports = container.Ports();
            Assert.Equal(ports["http"], AppConfiguration.PortOf(env["Ui__Url"]!));
            Assert.Equal(ports["otlp-grpc"], AppConfiguration.PortOf(env["Otlp__GrpcUrl"]!));
            Assert.Equal(ports["otlp-http"], AppConfiguration.PortOf(env["Otlp__HttpUrl"]!));

            // Health endpoints answer on the Ui:Url and the OTLP/HTTP endpoints; the latter listens on the pod network
            // in every role (the ui's Ui:Url is loopback by default).
            Assert.Equal(HealthEndpoints.LivenessPath, (string?)container["livenessProbe"]!["httpGet"]!["path"]);
            Assert.Equal(HealthEndpoints.ReadinessPath, (string?)container["readinessProbe"]!["httpGet"]!["path"]);
            Assert.Equal("otlp-http", (string?)container["livenessProbe"]!["httpGet"]!["port"]);
            Assert.Equal("otlp-http", (string?)container["readinessProbe"]!["httpGet"]!["port"]);
            Assert.StartsWith("http://*:", env["Otlp__HttpUrl"], StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Default_ports_are_the_app_defaults()
    {
        var ports = ChartRenders.Render("profiling").Component("node")!.SingleContainer().Ports();
        Assert.Equal(AppConfiguration.PortOf(UiOptions.DefaultUrl), ports["http"]);
        Assert.Equal(AppConfiguration.PortOf(OtlpReceiverOptions.DefaultGrpcUrl), ports["otlp-grpc"]);
        Assert.Equal(AppConfiguration.PortOf(OtlpReceiverOptions.DefaultHttpUrl), ports["otlp-http"]);
    }

    [Theory]
    [InlineData("profiling")]
    [InlineData("overrides")]
    public void Node_and_gateway_forward_to_the_otlp_grpc_service_port_of_the_next_role(string valueSet)
    {
        var chart = ChartRenders.Render(valueSet);
        void Check(string from, string key, string to)
        {
            var url = new Uri(chart.Component(from)!.SingleContainer().Env()[key]!);
            var service = chart.Single("Service", url.Host.Split('.')[0]);
            Assert.Equal($"{service.Name}.{chart.Release.Namespace}.svc", url.Host);
            var port = service.Json()["spec"]!["ports"]!.AsArray().Single(p => (int)p!["port"]! == url.Port)!;
            Assert.Equal("otlp-grpc", (string?)port["targetPort"]);
            Assert.Equal(to, (string?)service.Json()["spec"]!["selector"]!["app.kubernetes.io/component"]);
            var target = chart.Component(to)!.SingleContainer();
            Assert.Equal(target.Ports()["otlp-grpc"], AppConfiguration.PortOf(target.Env()["Otlp__GrpcUrl"]!));
        }

        Check("node", "Collector__GatewayUrl", "gateway");
        Check("gateway", "Gateway__UiUrl", "ui");
    }

    /// <summary>The value at <c>.a.b</c> in values.yaml; null when absent (a key present with a null value reads as "").</summary>
    private static object? Lookup(string path)
    {
        object? current = ChartRenders.Chart.DefaultValues;
        foreach (string key in path.Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            if (current is not IDictionary<string, object?> map || !map.TryGetValue(key, out current))
            {
                return null;
            }

            current ??= "";
        }

        return current;
    }

    private static IEnumerable<string> Leaves(IReadOnlyDictionary<string, object?> map, string prefix)
    {
        foreach (var (key, value) in map)
        {
            string path = $"{prefix}.{key}";
            if (value is Dictionary<string, object?> { Count: > 0 } child)
            {
                foreach (string leaf in Leaves(child, path))
                {
                    yield return leaf;
                }
            }
            else
            {
                yield return path;
            }
        }
    }

    // .Values.a.b, $.Values.a.b and .ctx.Values.a.b (the helpers get the root as .ctx).
    [GeneratedRegex(@"\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)+)")]
    private static partial Regex ValuesReference();
}
