using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using OdigosUi.Deploy.Tests.Chart;
using OdigosUi.Deploy.Tests.Helm;
using OdigosUi.Hosting;

namespace OdigosUi.Deploy.Tests.Cluster;

/// <summary>
/// Where each rendered container's named ports are on this machine, standing in for pod IPs, cluster DNS and Services:
/// a listen URL (<c>http://*:4317</c>, or <c>http://127.0.0.1:3000</c> inside the ui pod, which the tests reach as
/// port-forward does) keeps its host and gets the component's local port; a Service URL
/// (<c>http://NAME.NS.svc:4317</c>) becomes 127.0.0.1 and the local port the Service's targetPort names.
/// </summary>
public sealed partial class ClusterNetwork(RenderedChart chart)
{
    private readonly Dictionary<(string Component, string Port), int> _ports = [];

    public int PortOf(string component, string portName)
    {
        lock (_ports)
        {
            if (!_ports.TryGetValue((component, portName), out int port))
            {
                using var listener = new TcpListener(IPAddress.Any, 0);
                listener.Start();
                port = ((IPEndPoint)listener.LocalEndpoint).Port;
                _ports[(component, portName)] = port;
            }

            return port;
        }
    }

    /// <summary>An environment value as the container would see it, with its addresses mapped to this machine.</summary>
    public string Rewrite(string component, string value)
    {
        var match = Url().Match(value);
        if (!match.Success)
        {
            return value;
        }

        string host = match.Groups["host"].Value;
        int port = int.Parse(match.Groups["port"].Value);
        if (host == "*" || host == "0.0.0.0" || host == "[::]" || host == "127.0.0.1")
        {
            var container = chart.Component(component)!.SingleContainer();
            string name = container.Ports().Single(p => p.Value == port).Key;
            return $"{match.Groups["scheme"].Value}://{host}:{PortOf(component, name)}{match.Groups["rest"].Value}";
        }

        if (host.EndsWith($".{chart.Release.Namespace}.svc", StringComparison.Ordinal))
        {
            var service = chart.Single("Service", host.Split('.')[0]).Json();
            string target = (string)service["spec"]!["ports"]!.AsArray().Single(p => (int)p!["port"]! == port)!["targetPort"]!;
            string to = (string)service["spec"]!["selector"]!["app.kubernetes.io/component"]!;
            return $"{match.Groups["scheme"].Value}://127.0.0.1:{PortOf(to, target)}{match.Groups["rest"].Value}";
        }

        return value;
    }

    [GeneratedRegex(@"^(?<scheme>https?)://(?<host>\[[^\]]+\]|[^/:]+):(?<port>\d+)(?<rest>.*)$")]
    private static partial Regex Url();
}

/// <summary>
/// A rendered container run for real: <c>dotnet odigos-ui.dll</c> with exactly the container's environment (addresses
/// mapped by <see cref="ClusterNetwork"/>, downward-API values filled in), a kubeconfig for its ServiceAccount, and
/// output captured for failure messages.
/// </summary>
public sealed class ChartPod : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ChartPod(string component, Process process, int httpPort)
    {
        Component = component;
        _process = process;
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}"), Timeout = TimeSpan.FromSeconds(10) };
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string Component { get; }

    /// <summary>The container's <c>http</c> port (UI, REST API, probes).</summary>
    public HttpClient Http { get; }

    /// <summary>The environment the process was started with (the chart's, mapped).</summary>
    public IReadOnlyDictionary<string, string> Environment { get; private init; } = new Dictionary<string, string>();

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public static ChartPod Start(RenderedChart chart, string component, ClusterNetwork network, string kubeconfig, IReadOnlyDictionary<string, string>? extra = null)
    {
        var workload = chart.Component(component) ?? throw new InvalidOperationException($"the chart renders no {component}");
        var container = workload.SingleContainer();
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(typeof(OdigosUiHost).Assembly.Location)!,
        };
        start.ArgumentList.Add(typeof(OdigosUiHost).Assembly.Location);

        // Only what the container would have: drop this process's configuration-looking variables.
        foreach (string key in start.Environment.Keys.ToList())
        {
            if (key.Contains("__", StringComparison.Ordinal) || key.StartsWith("ASPNETCORE_", StringComparison.Ordinal) || key.StartsWith("KUBE", StringComparison.Ordinal)
                || key is "Role" or "DOTNET_URLS" or "DOTNET_ENVIRONMENT")
            {
                start.Environment.Remove(key);
            }
        }

        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var variable in container["env"]!.AsArray())
        {
            string name = (string)variable!["name"]!;
            string value = variable["value"] is { } literal
                ? network.Rewrite(component, (string)literal!)
                : (string?)variable["valueFrom"]?["fieldRef"]?["fieldPath"] switch
                {
                    "spec.nodeName" => "test-node",
                    var path => throw new NotSupportedException($"{component}: env {name} from {path}"),
                };
            environment[name] = value;
        }

        foreach (var (name, value) in extra ?? new Dictionary<string, string>())
        {
            environment[name] = value;
        }

        environment["KUBECONFIG"] = kubeconfig;
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
        return new ChartPod(component, process, network.PortOf(component, "http")) { Environment = environment };
    }

    /// <summary>Polls <c>/readyz</c> (the chart's readiness probe) until it answers 200.</summary>
    public async Task WaitReadyAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        string last = "no answer";
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"{Component} exited with {_process.ExitCode}:\n{Output}");
            }

            try
            {
                using var response = await Http.GetAsync(HealthEndpoints.ReadinessPath);
                last = $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException ex)
            {
                last = ex.Message;
            }
            catch (TaskCanceledException)
            {
                last = "timeout";
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"{Component} not ready after {timeout}: {last}\n{Output}");
    }

    /// <summary>A kubeconfig for the fake cluster at <paramref name="server"/>, authenticating with <paramref name="token"/>.</summary>
    public static string WriteKubeconfig(string directory, string name, string server, string token, string @namespace)
    {
        string path = Path.Combine(directory, name + ".kubeconfig");
        File.WriteAllText(path, $"""
            apiVersion: v1
            kind: Config
            clusters:
              - name: fake
                cluster:
                  server: {server}
            users:
              - name: {name}
                user:
                  token: {token}
            contexts:
              - name: fake
                context:
                  cluster: fake
                  user: {name}
                  namespace: {@namespace}
            current-context: fake
            """);
        return path;
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            if (_output.Length < 200_000)
            {
                _output.Append('[').Append(Component).Append("] ").AppendLine(line);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
            }
        }
        catch (InvalidOperationException)
        {
        }
        catch (TimeoutException)
        {
        }

        _process.Dispose();
    }
}
