using System.Text.Json.Nodes;

namespace OdigosUi.Deploy.Tests.Chart;

/// <summary>Who runs as what: the UI and gateway unprivileged and non-root; the node profiler root with only what it needs.</summary>
public sealed class SecurityTests
{
    /// <summary>perf_event_open system-wide, /proc/PID/{maps,exe,root} of every process, real /proc/kallsyms addresses.</summary>
    private static readonly string[] ProfilerCapabilities = ["PERFMON", "SYS_PTRACE", "SYSLOG", "DAC_OVERRIDE", "CHOWN", "KILL"];

    [Theory]
    [InlineData("default")]
    [InlineData("profiling")]
    [InlineData("overrides")]
    public void Nothing_is_privileged_unless_asked_for(string valueSet)
    {
        foreach (var workload in ChartRenders.Render(valueSet).Workloads())
        {
            var container = workload.SingleContainer();
            Assert.NotEqual(true, (bool?)container["securityContext"]?["privileged"]);
            Assert.Equal(false, (bool?)container["securityContext"]!["allowPrivilegeEscalation"]);
            Assert.Equal(["ALL"], Strings(container["securityContext"]!["capabilities"]!["drop"]));
            Assert.Equal(true, (bool?)container["securityContext"]!["readOnlyRootFilesystem"]);
            Assert.NotEqual(true, (bool?)workload.PodSpec()["hostNetwork"]);
            Assert.DoesNotContain(workload.PodSpec()["volumes"]?.AsArray() ?? [], v => v!["hostPath"] is not null);
        }
    }

    [Theory]
    [InlineData("default")]
    [InlineData("profiling")]
    [InlineData("privileged")]
    public void Ui_and_gateway_run_as_the_images_non_root_user_without_capabilities(string valueSet)
    {
        var chart = ChartRenders.Render(valueSet);
        foreach (string component in new[] { "ui", "gateway" })
        {
            var workload = chart.Component(component)!;
            var pod = workload.PodSpec();
            var container = workload.SingleContainer();
            Assert.Equal(true, (bool?)pod["securityContext"]!["runAsNonRoot"]);
            Assert.Equal(DockerfileUser(), (long)pod["securityContext"]!["runAsUser"]!);
            Assert.Null(container["securityContext"]!["capabilities"]!["add"]);
            Assert.Null(container["securityContext"]!["runAsUser"]);
            Assert.NotEqual(true, (bool?)pod["hostPID"]);
            Assert.Equal("RuntimeDefault", (string?)pod["securityContext"]!["seccompProfile"]!["type"]);
        }
    }

    [Fact]
    public void The_node_profiler_runs_as_root_in_the_host_pid_namespace_with_only_the_profiling_capabilities()
    {
        var node = ChartRenders.Render("profiling").Component("node")!;
        var pod = node.PodSpec();
        var security = node.SingleContainer()["securityContext"]!.AsObject();
        Assert.Equal(true, (bool?)pod["hostPID"]);
        Assert.Equal(0L, (long)pod["securityContext"]!["runAsUser"]!);
        Assert.Equal(false, (bool?)pod["securityContext"]!["runAsNonRoot"]);
        Assert.Equal(false, (bool?)security["privileged"]);
        Assert.Equal(ProfilerCapabilities, Strings(security["capabilities"]!["add"]));
        Assert.Equal(["ALL"], Strings(security["capabilities"]!["drop"]));
        Assert.Equal("RuntimeDefault", (string?)security["seccompProfile"]!["type"]);
        Assert.Equal("Unconfined", (string?)security["appArmorProfile"]!["type"]);
    }

    [Fact]
    public void Privileged_mode_is_the_node_only_and_drops_the_settings_the_API_server_rejects_with_it()
    {
        var chart = ChartRenders.Render("privileged");
        var security = chart.Component("node")!.SingleContainer()["securityContext"]!.AsObject();
        Assert.Equal(true, (bool?)security["privileged"]);
        // "cannot set allowPrivilegeEscalation to false and privileged to true"
        Assert.Null(security["allowPrivilegeEscalation"]);
        Assert.Null(security["capabilities"]);
        Assert.All(new[] { "ui", "gateway" }, c => Assert.NotEqual(true, (bool?)chart.Component(c)!.SingleContainer()["securityContext"]!["privileged"]));
    }

    [Fact]
    public void The_ui_memory_limit_holds_every_profiling_slot_at_its_limit()
    {
        var chart = ChartRenders.Render("profiling");
        var env = chart.Component("ui")!.SingleContainer().Env();
        long slots = long.Parse(env["Profiling__Ui__MaxSlots"]!) * long.Parse(env["Profiling__Ui__SlotMaxBytes"]!);
        var limit = new k8s.Models.ResourceQuantity((string)chart.Component("ui")!.SingleContainer()["resources"]!["limits"]!["memory"]!);
        Assert.True(limit.ToInt64() > slots, $"UI memory limit {limit} is below {slots} bytes of slots");
    }

    private static string[] Strings(JsonNode? array) => [.. array!.AsArray().Select(v => (string)v!)];

    /// <summary>The numeric uid of the Dockerfile's final USER.</summary>
    private static long DockerfileUser()
    {
        var final = Docker.Dockerfile.Parse(File.ReadAllText(RepoPaths.Dockerfile)).Stages[^1];
        return long.Parse(final.Single("USER").Arguments.Split(':')[0]);
    }
}
