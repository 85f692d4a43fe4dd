using System.Text.Json;
using System.Text.Json.Nodes;
using OdigosUi.Deploy.Tests.Helm;

namespace OdigosUi.Deploy.Tests.Chart;

/// <summary>The chart and the value sets the tests render it with (rendered once each, strict about missing values).</summary>
public static class ChartRenders
{
    private static readonly Lazy<HelmChart> LazyChart = new(() => HelmChart.Load(RepoPaths.Chart));
    private static readonly Dictionary<string, RenderedChart> Cache = [];

    public static HelmChart Chart => LazyChart.Value;

    /// <summary>
    /// Value sets by name: <c>--set</c> pairs and a values file. Together they take every branch of the templates
    /// (the optional blocks of "overrides" included), so nothing is left unrendered.
    /// </summary>
    public static IReadOnlyDictionary<string, (string[] Set, string? Yaml)> ValueSets { get; } = new Dictionary<string, (string[], string?)>
    {
        ["default"] = ([], null),
        ["profiling"] = (["profiling.enabled=true"], null),
        ["privileged"] = (["profiling.enabled=true", "profiling.node.privileged=true"], null),
        ["overrides"] = (
            [
                "profiling.enabled=true", "fullnameOverride=prof", "serviceAccount.create=false", "rbac.create=false", "image.tag=1.2.3",
                "profiling.ui.maxSlots=7", "profiling.ui.slotMaxBytes=16777216", "profiling.exporter.timeout=30s", "ports.http=8080",
                "networkPolicy.enabled=false",
            ],
            """
            imagePullSecrets: [{name: regcred}]
            podLabels: {team: profiling}
            podAnnotations: {prometheus.io/scrape: "true"}
            ui: {nodeSelector: {pool: system}, tolerations: [{key: dedicated, operator: Exists}], affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: [{matchExpressions: [{key: pool, operator: In, values: [system]}]}]}}}}
            gateway: {nodeSelector: {pool: system}, tolerations: [{key: dedicated, operator: Exists}], affinity: {podAntiAffinity: {}}}
            node: {priorityClassName: system-node-critical, affinity: {nodeAffinity: {}}}
            profiling: {node: {seccompProfile: {type: Unconfined}, appArmorProfile: null}}
            """),
        // The UI behind an Ingress with sign-in: on the pod network, with its public names, and the NetworkPolicy's optional peers.
        ["exposed"] = (
            [
                "profiling.enabled=true", "ui.listenHost=*", "ui.allowedHosts=odigos.example.com", "ui.allowedOrigins=https://odigos.example.com",
                "auth.mode=oidc", "auth.oidc.tenantUrl=https://login.example.com/realms/odigos", "auth.oidc.clientId=odigos-ui", "auth.oidc.existingSecret=odigos-ui-oidc",
            ],
            """
            networkPolicy:
              otlpFrom: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: otel}}}]
              metricsFrom: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: monitoring}}}]
              uiFrom: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ingress-nginx}}}]
              destinationEgress: [{to: [{ipBlock: {cidr: 10.20.0.0/16}}], ports: [{port: 4040}]}]
            """),
        ["oidc"] = (
            [
                "auth.mode=oidc", "auth.oidc.tenantUrl=https://login.example.com/realms/odigos", "auth.oidc.clientId=odigos-ui",
                "auth.oidc.existingSecret=odigos-ui-oidc", "auth.oidc.audience=odigos-api",
            ],
            null),
        ["release"] = (["profiling.enabled=true"], """serviceAccount: {annotations: {eks.amazonaws.com/role-arn: "arn:aws:iam::1:role/x"}}"""),
    };

    public static TheoryData<string> ValueSetNames => [.. ValueSets.Keys];

    public static RenderedChart Render(string valueSet)
    {
        lock (Cache)
        {
            if (!Cache.TryGetValue(valueSet, out var rendered))
            {
                var (set, yaml) = ValueSets[valueSet];
                var release = valueSet == "release" ? new HelmRelease("prod-odigos-ui-with-a-very-long-release-name-for-truncation", "observability") : new HelmRelease();
                // "overrides" deletes a value with null as users do; Helm (not --strict) then reads nil, so render it the same.
                rendered = Chart.Render(release, set, yaml, strict: valueSet != "overrides");
                Cache[valueSet] = rendered;
            }

            return rendered;
        }
    }

    public static JsonObject Json(this RenderedManifest manifest) =>
        JsonSerializer.SerializeToNode(manifest.Object)!.AsObject();

    /// <summary>The pod template spec of a Deployment or DaemonSet.</summary>
    public static JsonObject PodSpec(this RenderedManifest workload) =>
        workload.Json()["spec"]!["template"]!["spec"]!.AsObject();

    public static JsonObject SingleContainer(this RenderedManifest workload) =>
        Assert.Single(workload.PodSpec()["containers"]!.AsArray())!.AsObject();

    /// <summary>Literal env values of a container by name (valueFrom entries as null).</summary>
    public static Dictionary<string, string?> Env(this JsonObject container) =>
        (container["env"]?.AsArray() ?? []).ToDictionary(e => (string)e!["name"]!, e => (string?)e!["value"]);

    /// <summary>Container ports by name.</summary>
    public static Dictionary<string, int> Ports(this JsonObject container) =>
        container["ports"]!.AsArray().ToDictionary(p => (string)p!["name"]!, p => (int)p!["containerPort"]!);

    /// <summary>The Deployments and DaemonSets.</summary>
    public static IEnumerable<RenderedManifest> Workloads(this RenderedChart chart) =>
        chart.Manifests.Where(m => m.Kind is "Deployment" or "DaemonSet");

    /// <summary>The workload of a component (<c>app.kubernetes.io/component</c>), or null when not rendered.</summary>
    public static RenderedManifest? Component(this RenderedChart chart, string component) =>
        chart.Workloads().SingleOrDefault(w => (string?)w.Json()["metadata"]!["labels"]!["app.kubernetes.io/component"] == component);
}
