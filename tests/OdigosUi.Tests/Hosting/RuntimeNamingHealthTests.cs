using OdigosUi.Profiler;
using OdigosUi.Profiler.Runtimes;
using OdigosUi.Resources.Sources;
using OdigosUi.Resources.Stores;
using OdigosUi.Ui;
using OdigosUi.Workers;

namespace OdigosUi.Tests.Hosting;

public sealed class RuntimeNamingHealthTests
{
    [Fact]
    public void The_overview_says_per_runtime_how_many_processes_are_named_and_for_the_others_why_and_what_fixes_it()
    {
        var status = new ProfilerStatus();
        status.Running(19);
        status.Update(new ProfilerStats(100, 0, 3, 1)
        {
            Runtimes =
            [
                new(ProcessRuntime.Dotnet, 1, 1, [], ["perf map through the diagnostics IPC"]),
                new(ProcessRuntime.Jvm, 2, 1,
                [
                    new(42, "java", ProcessRuntime.Jvm, "perf map through the attach mechanism (Compiler.perfmap)", false, "attach is disabled", "remove -XX:+DisableAttachMechanism"),
                ], ["perf map through the attach mechanism (Compiler.perfmap)"]),
            ],
        });
        using var store = new EmbeddedResourceStore(null);
        using var registry = new SourceRegistry(store);

        var profiler = new PipelineHealthReader(TimeProvider.System, registry, profiler: status).Read().Profiler;

        Assert.Contains("Dotnet: 1 of 1 processes named (perf map through the diagnostics IPC)", profiler.Details);
        Assert.Contains("Jvm: 1 of 2 processes named (perf map through the attach mechanism (Compiler.perfmap)); pid 42 (java): attach is disabled — remove -XX:+DisableAttachMechanism", profiler.Details);
    }
}
