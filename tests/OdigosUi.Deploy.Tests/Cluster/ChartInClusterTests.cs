using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Google.Protobuf;
using OdigosUi.Deploy.Tests.Chart;
using OdigosUi.Deploy.Tests.Helm;
using OdigosUi.Deploy.Tests.Kubernetes;
using OdigosUi.Resources.Tests.Kubernetes;
using OdigosUi.TestSupport;
using OdigosUi.TestSupport.FakePyroscope;
using Xunit.Abstractions;

namespace OdigosUi.Deploy.Tests.Cluster;

/// <summary>
/// The chart installed for real, minus Kubernetes: the rendered node, gateway and ui containers run as processes with
/// exactly their rendered environment, each talking to a fake API server as its own ServiceAccount through the chart's
/// RBAC. A Source enabled and a Destination created in the UI must make a profile sent to the node reach the UI's flame
/// graph and Pyroscope, and no request of any role may be denied.
/// </summary>
public sealed class ChartInClusterTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Namespace = ChartCluster.Namespace;
    private ChartCluster? _cluster;
    private FakePyroscopeServer? _pyroscope;

    public Task InitializeAsync() => Task.CompletedTask;

    [Fact]
    public async Task The_rendered_roles_run_with_chart_rbac_and_carry_a_profile_from_the_node_to_the_ui_and_pyroscope()
    {
        var chart = ChartRenders.Chart.Render(new HelmRelease("odigos-ui", Namespace), ["profiling.enabled=true"]);
        _cluster = await ChartCluster.StartApiAsync(chart, "ui", "gateway", "node");
        var (api, front, tokens, network) = (_cluster.Api, _cluster.Front, _cluster.Tokens, _cluster.Network);
        _pyroscope = await FakePyroscopeServer.StartAsync();

        var ui = _cluster.StartPod("ui", _cluster.UiOnLoopback());
        _cluster.StartPod("gateway");
        // The one addition: the node's perf_event_open profiler stays off; this test sends the node a profile itself.
        var node = _cluster.StartPod("node", new Dictionary<string, string> { ["Profiling__ProfilerEnabled"] = "false" });
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await _cluster.WaitReadyAsync(TimeSpan.FromSeconds(90));
        output.WriteLine($"all ready after {clock.ElapsedMilliseconds} ms");

        // The UI enables a workload and creates a Pyroscope Destination with a secret field (a Secret owned by it).
        (await ui.Http.PutAsync("/api/sources/shop/Deployment/checkout", null)).EnsureSuccessStatusCode();
        using var created = await ui.Http.PostAsJsonAsync("/api/destinations", new
        {
            type = "pyroscope",
            name = "pyroscope",
            signals = new[] { "PROFILES" },
            fields = new Dictionary<string, string>
            {
                ["PYROSCOPE_URL"] = _pyroscope.HostPort,
                ["PYROSCOPE_BASIC_AUTH_USERNAME"] = "tenant",
                ["PYROSCOPE_BASIC_AUTH_PASSWORD"] = "s3cret",
            },
        });
        Assert.True(created.StatusCode == HttpStatusCode.Created, $"{created.StatusCode}: {await created.Content.ReadAsStringAsync()}\n{Logs()}");
        (await ui.Http.PostAsync("/api/profiling/shop/Deployment/checkout", null)).EnsureSuccessStatusCode();

        // The gateway sees the Destination, reads its Secret and reports it configured in the status.
        await Eventually(() => api.GetObjects("destinations").Any(d =>
            d["status"]?["conditions"]?.AsArray().Any(c => (string?)c!["type"] == "DestinationConfigured" && (string?)c["status"] == "True") == true), "Destination configured by the gateway");
        var secret = Assert.Single(api.GetObjects("secrets"));
        Assert.Equal(Namespace, (string?)secret["metadata"]!["namespace"]);

        // A profile of that workload, sent to the node until the node has seen the Source, reaches the UI and Pyroscope.
        using var otlp = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{network.PortOf("node", "otlp-http")}") };
        string folded = "";
        await Eventually(async () =>
        {
            using var content = new ByteArrayContent(Profile().ToByteArray());
            content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
            (await otlp.PostAsync("/v1development/profiles", content)).EnsureSuccessStatusCode();
            folded = await ui.Http.GetStringAsync("/api/profiling/shop/Deployment/checkout/flamegraph?format=folded");
            return folded.Contains("main;checkout;hot_loop ", StringComparison.Ordinal) && _pyroscope.Accepted.Count > 0;
        }, "profile in the UI flame graph and in Pyroscope");
        output.WriteLine($"profile through after {clock.ElapsedMilliseconds} ms");

        var exported = _pyroscope.Accepted[0];
        Assert.Contains("checkout", exported.ServiceNames);
        Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("tenant:s3cret")), exported.Headers["Authorization"]);

        // Every request of every role was allowed by the chart's RBAC, and each role used what its rules are for.
        var calls = front.Calls;
        Assert.Empty(calls.Where(c => !c.Allowed).Select(c => $"{c.User}: {c.Request}"));
        Assert.Contains(calls, c => c.User == tokens["token-ui"] && c.Request is { Verb: "create", Resource: "secrets" });
        Assert.Contains(calls, c => c.User == tokens["token-ui"] && c.Request is { Verb: "create", Resource: "sources", Namespace: "shop" });
        Assert.Contains(calls, c => c.User == tokens["token-gateway"] && c.Request is { Verb: "update", Resource: "destinations/status" });
        Assert.Contains(calls, c => c.User == tokens["token-gateway"] && c.Request is { Verb: "get" or "list", Resource: "secrets" });
        Assert.Contains(calls, c => c.User == tokens["token-node"] && c.Request is { Verb: "watch", Resource: "sources", Namespace: null });
        output.WriteLine(string.Join("\n", calls.Select(c => $"{c.User} {c.Request} -> {c.Status}").Distinct()));

        // The front does enforce: the node's ServiceAccount may not create Sources, and the API server says so.
        using var denied = await node.Http.PutAsync("/api/sources/shop/Deployment/cart", null);
        Assert.False(denied.IsSuccessStatusCode, $"the node created a Source: {denied.StatusCode}");
        Assert.Contains(front.Calls, c => c.User == tokens["token-node"] && !c.Allowed && c.Request is { Verb: "create" or "list", Resource: "sources" });
        output.WriteLine($"node PUT /api/sources -> {(int)denied.StatusCode} {await denied.Content.ReadAsStringAsync()}");
    }

    /// <summary>A CPU profile of Deployment shop/checkout as a node would receive it.</summary>
    private static OdigosUi.Profiles.Otlp.Collector.ExportProfilesServiceRequest Profile()
    {
        var builder = new OtlpRequestBuilder();
        var profile = builder.Profile(new Dictionary<string, string>
        {
            ["k8s.namespace.name"] = "shop",
            ["k8s.deployment.name"] = "checkout",
            ["k8s.pod.name"] = "checkout-7d9f8-abcde",
        });
        OtlpRequestBuilder.AddSample(profile, builder.StackOf("hot_loop", "checkout", "main"), 7);
        return builder.Request;
    }

    private Task Eventually(Func<bool> condition, string what) => _cluster!.Eventually(() => Task.FromResult(condition()), what);

    private Task Eventually(Func<Task<bool>> condition, string what) => _cluster!.Eventually(condition, what);

    private string Logs() => _cluster!.Logs();

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }

        if (_pyroscope is not null)
        {
            await _pyroscope.DisposeAsync();
        }
    }
}
