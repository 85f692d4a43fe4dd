using OdigosUi.Deploy.Tests.Chart;
using OdigosUi.Deploy.Tests.Helm;
using OdigosUi.Deploy.Tests.Kubernetes;
using OdigosUi.Resources.Tests.Kubernetes;

namespace OdigosUi.Deploy.Tests.Cluster;

/// <summary>
/// The rendered chart's roles run as processes (<see cref="ChartPod"/>), each as its own ServiceAccount through the
/// chart's RBAC (<see cref="AuthorizingApiFront"/>) in front of a fake API server.
/// </summary>
internal sealed class ChartCluster : IAsyncDisposable
{
    public const string Namespace = "odigos-system";

    private readonly List<ChartPod> _pods = [];
    private readonly string _directory = Directory.CreateTempSubdirectory("odigos-ui-chart-").FullName;

    private ChartCluster(RenderedChart chart, FakeKubernetesApiServer api, AuthorizingApiFront front, IReadOnlyDictionary<string, string> tokens)
    {
        Chart = chart;
        Api = api;
        Front = front;
        Tokens = tokens;
        Network = new ClusterNetwork(chart);
    }

    public RenderedChart Chart { get; }

    public FakeKubernetesApiServer Api { get; }

    public AuthorizingApiFront Front { get; }

    /// <summary>The bearer token of each component (<c>token-ui</c>, …) to the RBAC user it authenticates as.</summary>
    public IReadOnlyDictionary<string, string> Tokens { get; }

    public ClusterNetwork Network { get; }

    public IReadOnlyList<ChartPod> Pods => _pods;

    public static async Task<ChartCluster> StartApiAsync(RenderedChart chart, params string[] components)
    {
        var tokens = components.ToDictionary(c => $"token-{c}", c => RbacAuthorizer.User(Namespace, (string)chart.Component(c)!.PodSpec()["serviceAccountName"]!));
        var api = await FakeKubernetesApiServer.StartAsync();
        var front = await AuthorizingApiFront.StartAsync(new RbacAuthorizer(chart), tokens, api.Url);
        return new ChartCluster(chart, api, front, tokens);
    }

    public ChartPod StartPod(string component, IReadOnlyDictionary<string, string>? extra = null)
    {
        string kubeconfig = ChartPod.WriteKubeconfig(_directory, component, Front.Url, $"token-{component}", Namespace);
        var pod = ChartPod.Start(Chart, component, Network, kubeconfig, extra);
        _pods.Add(pod);
        return pod;
    }

    /// <summary>
    /// The ui's listen URL on loopback: with <c>auth.mode=none</c> the app serves the UI and API only on loopback
    /// (port-forward reaches it there), so the rendered <c>http://*:PORT</c> would stop its start.
    /// </summary>
    public IReadOnlyDictionary<string, string> UiOnLoopback() =>
        new Dictionary<string, string> { ["Ui__Url"] = $"http://127.0.0.1:{Network.PortOf("ui", "http")}" };

    public Task WaitReadyAsync(TimeSpan timeout) => Task.WhenAll(_pods.Select(p => p.WaitReadyAsync(timeout)));

    public string Logs() =>
        string.Join("\n", _pods.Select(p => p.Output)) + "\nAPI calls:\n" + string.Join("\n", Front.Calls.Select(c => $"{c.User} {c.Request} allowed={c.Allowed} -> {c.Status}"));

    public async Task Eventually(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(90));
        while (DateTime.UtcNow < deadline)
        {
            if (await condition())
            {
                return;
            }

            await Task.Delay(250);
        }

        Assert.Fail($"timed out waiting for: {what}\n{Logs()}");
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var pod in _pods)
        {
            await pod.DisposeAsync();
        }

        await Front.DisposeAsync();
        await Api.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }
}
