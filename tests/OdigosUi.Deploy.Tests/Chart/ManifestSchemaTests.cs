using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using k8s;

namespace OdigosUi.Deploy.Tests.Chart;

/// <summary>
/// kubeconform-style checks without a network: every rendered document is a known apiVersion/kind that loads strictly
/// into KubernetesClient's API types (unknown fields and wrong types fail), has the fields the API server requires,
/// and names and labels the API server accepts.
/// </summary>
public sealed partial class ManifestSchemaTests
{
    private static readonly HashSet<(string ApiVersion, string Kind)> NamespacedKinds =
    [
        ("apps/v1", "Deployment"), ("apps/v1", "DaemonSet"), ("v1", "Service"), ("v1", "ServiceAccount"),
        ("rbac.authorization.k8s.io/v1", "Role"), ("rbac.authorization.k8s.io/v1", "RoleBinding"),
        ("networking.k8s.io/v1", "NetworkPolicy"),
    ];

    private static readonly HashSet<(string ApiVersion, string Kind)> ClusterKinds =
    [
        ("rbac.authorization.k8s.io/v1", "ClusterRole"), ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"),
        ("apiextensions.k8s.io/v1", "CustomResourceDefinition"),
    ];

    private static readonly HashSet<string> RbacVerbs = ["get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"];

    [Fact]
    public void Defaults_render_ui_and_gateway_only_and_profiling_adds_the_node_collector()
    {
        static string[] Names(string set) => [.. ChartRenders.Render(set).Manifests.Select(m => $"{m.Kind}/{m.Name}").Order(StringComparer.Ordinal)];
        string[] common =
        [
            "ClusterRole/odigos-ui-gateway", "ClusterRole/odigos-ui-ui", "ClusterRoleBinding/odigos-ui-gateway", "ClusterRoleBinding/odigos-ui-ui",
            "Deployment/odigos-ui-gateway", "Deployment/odigos-ui-ui", "NetworkPolicy/odigos-ui-gateway", "NetworkPolicy/odigos-ui-ui", "Role/odigos-ui-gateway", "Role/odigos-ui-ui",
            "RoleBinding/odigos-ui-gateway", "RoleBinding/odigos-ui-ui", "Service/odigos-ui-gateway", "Service/odigos-ui-ui",
            "ServiceAccount/odigos-ui-gateway", "ServiceAccount/odigos-ui-ui",
        ];
        Assert.Equal(common, Names("default"));
        string[] node = ["ClusterRole/odigos-ui-node", "ClusterRoleBinding/odigos-ui-node", "DaemonSet/odigos-ui-node", "NetworkPolicy/odigos-ui-node", "Service/odigos-ui-node", "ServiceAccount/odigos-ui-node"];
        Assert.Equal(common.Concat(node).Order(StringComparer.Ordinal), Names("profiling"));
        Assert.Contains("profiling.enabled=true", ChartRenders.Render("default").Notes);
        Assert.Contains("PERFMON, SYS_PTRACE, SYSLOG", ChartRenders.Render("profiling").Notes);
    }

    [Theory]
    [MemberData(nameof(ChartRenders.ValueSetNames), MemberType = typeof(ChartRenders))]
    public void Every_document_loads_strictly_into_the_Kubernetes_API_types(string valueSet)
    {
        foreach (var manifest in ChartRenders.Render(valueSet).Manifests)
        {
            var loaded = Assert.Single(KubernetesYaml.LoadAllFromString(manifest.Yaml, null, strict: true));
            var typed = Assert.IsAssignableFrom<IKubernetesObject>(loaded);
            Assert.Equal((manifest.ApiVersion, manifest.Kind), (typed.ApiVersion, typed.Kind));
        }
    }

    [Fact]
    public void Crds_load_strictly_as_CustomResourceDefinitions()
    {
        foreach (var (file, text) in ChartRenders.Chart.Crds)
        {
            var crd = Assert.IsType<k8s.Models.V1CustomResourceDefinition>(Assert.Single(KubernetesYaml.LoadAllFromString(text, null, strict: true)));
            Assert.Equal($"{crd.Spec.Group}_{crd.Spec.Names.Plural}.yaml", file);
        }
    }

    [Theory]
    [MemberData(nameof(ChartRenders.ValueSetNames), MemberType = typeof(ChartRenders))]
    public void Kinds_names_namespaces_and_labels_are_what_the_API_server_accepts(string valueSet)
    {
        var chart = ChartRenders.Render(valueSet);
        foreach (var manifest in chart.Manifests)
        {
            var json = manifest.Json();
            var key = (manifest.ApiVersion, manifest.Kind);
            Assert.True(NamespacedKinds.Contains(key) || ClusterKinds.Contains(key), $"{manifest}: unknown apiVersion/kind {key}");
            string? ns = (string?)json["metadata"]!["namespace"];
            Assert.True(NamespacedKinds.Contains(key) ? ns == chart.Release.Namespace : ns is null, $"{manifest}: namespace '{ns}'");

            // Services need DNS labels (<= 63, no dots); the rest DNS subdomains.
            Assert.Matches(manifest.Kind == "Service" ? DnsLabel() : DnsSubdomain(), manifest.Name);
            Assert.True(manifest.Name.Length <= (manifest.Kind == "Service" ? 63 : 253), $"{manifest}: name too long");
            foreach (var labels in new[] { json["metadata"]!["labels"], json["spec"]?["template"]?["metadata"]?["labels"] })
            {
                foreach (var (labelKey, labelValue) in labels?.AsObject() ?? [])
                {
                    Assert.Matches(LabelKey(), labelKey);
                    Assert.Matches(LabelValue(), (string)labelValue!);
                }
            }

            foreach (string label in new[] { "helm.sh/chart", "app.kubernetes.io/name", "app.kubernetes.io/instance", "app.kubernetes.io/version", "app.kubernetes.io/component", "app.kubernetes.io/managed-by" })
            {
                Assert.True(json["metadata"]!["labels"]?[label] is not null, $"{manifest}: no label {label}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(ChartRenders.ValueSetNames), MemberType = typeof(ChartRenders))]
    public void Workloads_have_the_required_fields_and_select_their_own_pods(string valueSet)
    {
        var chart = ChartRenders.Render(valueSet);
        foreach (var workload in chart.Workloads())
        {
            var json = workload.Json();
            var selector = json["spec"]!["selector"]!["matchLabels"]!.AsObject();
            var podLabels = json["spec"]!["template"]!["metadata"]!["labels"]!.AsObject();
            Assert.NotEmpty(selector);
            foreach (var (key, value) in selector)
            {
                Assert.Equal((string?)value, (string?)podLabels[key]);
            }

            // No other workload's pods match this selector.
            foreach (var other in chart.Workloads().Where(o => o != workload))
            {
                var otherLabels = other.Json()["spec"]!["template"]!["metadata"]!["labels"]!.AsObject();
                Assert.False(selector.All(s => (string?)otherLabels[s.Key] == (string?)s.Value), $"{workload} selects the pods of {other}");
            }

            var spec = workload.PodSpec();
            foreach (var container in spec["containers"]!.AsArray().Select(c => c!.AsObject()))
            {
                Assert.Matches(DnsLabel(), (string)container["name"]!);
                Assert.False(string.IsNullOrWhiteSpace((string?)container["image"]), $"{workload}: container without image");
                var env = container["env"]!.AsArray();
                Assert.Equal(env.Count, env.Select(e => (string)e!["name"]!).Distinct().Count());
                foreach (var variable in env)
                {
                    Assert.Matches(EnvName(), (string)variable!["name"]!);
                    Assert.True(variable["value"] is not null ^ variable["valueFrom"] is not null, $"{workload}: env {variable["name"]} needs value or valueFrom");
                }

                foreach (var port in container["ports"]!.AsArray())
                {
                    Assert.Matches(PortName(), (string)port!["name"]!);
                    Assert.InRange((int)port["containerPort"]!, 1, 65535);
                }

                var volumes = spec["volumes"]?.AsArray().Select(v => (string)v!["name"]!).ToHashSet() ?? [];
                foreach (var mount in container["volumeMounts"]?.AsArray() ?? [])
                {
                    Assert.Contains((string)mount!["name"]!, volumes);
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(ChartRenders.ValueSetNames), MemberType = typeof(ChartRenders))]
    public void Services_select_one_workload_and_target_its_named_ports(string valueSet)
    {
        var chart = ChartRenders.Render(valueSet);
        foreach (var service in chart.OfKind("Service"))
        {
            var json = service.Json();
            var selector = json["spec"]!["selector"]!.AsObject();
            var selected = chart.Workloads()
                .Where(w => selector.All(s => (string?)w.Json()["spec"]!["template"]!["metadata"]!["labels"]![s.Key] == (string?)s.Value))
                .ToList();
            var workload = Assert.Single(selected);
            var containerPorts = workload.SingleContainer().Ports();
            foreach (var port in json["spec"]!["ports"]!.AsArray())
            {
                Assert.Matches(PortName(), (string)port!["name"]!);
                string target = (string)port["targetPort"]!;
                Assert.True(containerPorts.ContainsKey(target), $"{service} port {port["name"]} targets '{target}', not a port of {workload}");
                Assert.Equal(containerPorts[target], (int)port["port"]!);
            }
        }
    }

    [Theory]
    [MemberData(nameof(ChartRenders.ValueSetNames), MemberType = typeof(ChartRenders))]
    public void Rbac_objects_are_well_formed_and_bind_existing_service_accounts(string valueSet)
    {
        var chart = ChartRenders.Render(valueSet);
        var serviceAccounts = chart.OfKind("ServiceAccount").Select(s => s.Name).ToHashSet();
        bool created = serviceAccounts.Count > 0;
        foreach (var role in chart.Manifests.Where(m => m.Kind is "Role" or "ClusterRole"))
        {
            foreach (var rule in role.Json()["rules"]!.AsArray().Select(r => r!.AsObject()))
            {
                Assert.NotEmpty(rule["apiGroups"]!.AsArray());
                Assert.NotEmpty(rule["resources"]!.AsArray());
                Assert.All(rule["verbs"]!.AsArray(), v => Assert.Contains((string)v!, RbacVerbs));
            }
        }

        foreach (var binding in chart.Manifests.Where(m => m.Kind is "RoleBinding" or "ClusterRoleBinding"))
        {
            var json = binding.Json();
            Assert.Equal("rbac.authorization.k8s.io", (string?)json["roleRef"]!["apiGroup"]);
            foreach (var subject in json["subjects"]!.AsArray())
            {
                Assert.Equal("ServiceAccount", (string?)subject!["kind"]);
                Assert.Equal(chart.Release.Namespace, (string?)subject["namespace"]);
                Assert.True(!created || serviceAccounts.Contains((string)subject["name"]!), $"{binding} binds {subject["name"]}, which the chart does not create");
            }
        }

        _ = new Kubernetes.RbacAuthorizer(chart); // every roleRef resolves
        foreach (var workload in chart.Workloads())
        {
            string account = (string)workload.PodSpec()["serviceAccountName"]!;
            Assert.True(created ? serviceAccounts.Contains(account) : account == "default", $"{workload} runs as {account}");
        }
    }

    [GeneratedRegex(@"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex DnsLabel();

    [GeneratedRegex(@"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex DnsSubdomain();

    [GeneratedRegex(@"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$")]
    private static partial Regex LabelKey();

    [GeneratedRegex(@"^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$")]
    private static partial Regex LabelValue();

    [GeneratedRegex(@"^[-._a-zA-Z][-._a-zA-Z0-9]*$")]
    private static partial Regex EnvName();

    // IANA_SVC_NAME: at most 15 characters, lower-case letters, digits and '-', at least one letter.
    [GeneratedRegex(@"^(?=.{1,15}$)(?=.*[a-z])[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex PortName();
}
