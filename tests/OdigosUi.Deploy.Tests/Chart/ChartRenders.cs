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

    /// <summary>Value sets by name: <c>--set</c> pairs.</summary>
    public static IReadOnlyDictionary<string, string[]> ValueSets { get; } = new Dictionary<string, string[]>
    {
        ["default"] = [],
        ["profiling"] = ["profiling.enabled=true"],
        ["privileged"] = ["profiling.enabled=true", "profiling.node.privileged=true"],
        ["overrides"] =
        [
            "profiling.enabled=true", "fullnameOverride=prof", "serviceAccount.create=false", "image.tag=1.2.3",
            "profiling.ui.maxSlots=7", "profiling.ui.slotMaxBytes=16777216", "profiling.exporter.timeout=30s", "ports.http=8080",
        ],
    };

    public static TheoryData<string> ValueSetNames => [.. ValueSets.Keys];

    public static RenderedChart Render(string valueSet)
    {
        lock (Cache)
        {
            if (!Cache.TryGetValue(valueSet, out var rendered))
            {
                rendered = Chart.Render(new HelmRelease(), ValueSets[valueSet]);
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
