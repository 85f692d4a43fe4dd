using Microsoft.Extensions.Options;
using OdigosUi.Pipeline;
using OdigosUi.Pipeline.Collector;
using OdigosUi.Pipeline.Exporters;
using OdigosUi.Pipeline.Gateway;
using OdigosUi.Pipeline.Receivers;
using OdigosUi.Pipeline.Slots;
using OdigosUi.Profiles.Model;
using OdigosUi.Resources;
using OdigosUi.Resources.Api;
using OdigosUi.Resources.Sources;
using OdigosUi.Resources.Stores.Kubernetes;
using OdigosUi.Workers;

namespace OdigosUi.Hosting;

/// <summary>
/// Wires the profiles pipeline of a role. Every role receives OTLP; what it does with a batch differs:
/// <c>all</c>: node collector → gateway (UI buffer + exporters); <c>node</c>: node collector → gateway over OTLP/gRPC;
/// <c>gateway</c>: exporters (+ the UI over OTLP/gRPC when <c>Gateway:UiUrl</c> is set); <c>ui</c>: the UI buffer.
/// </summary>
internal static class PipelineRegistration
{
    public static void AddProfilesPipeline(this WebApplicationBuilder builder, OdigosUiRole role, IReadOnlyList<string> uiUrls)
    {
        var services = builder.Services;
        var forwarding = ForwardingOptions.From(builder.Configuration);
        services.AddOptions<ProfilingOptions>().Bind(builder.Configuration.GetSection(ProfilingOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<SlotOptions>().Bind(builder.Configuration.GetSection(SlotOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<ExporterSettings>().Bind(builder.Configuration.GetSection(ExporterSettings.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<WorkloadDirectory>();
        services.AddOdigosResources(builder.Configuration);
        services.AddHealthChecks().AddCheck<SourcesSyncedCheck>("sources", tags: [HealthEndpoints.ReadyTag]);

        if (role.RunsUi())
        {
            services.AddSingleton(sp => new ProfilingSlots(sp.GetRequiredService<IOptionsMonitor<SlotOptions>>().CurrentValue, sp.GetRequiredService<TimeProvider>()));
            services.AddHostedService<SlotExpiryWorker>();
        }

        if (role.RunsGateway())
        {
            services.AddSingleton(sp => new ExporterFleet(
                sp.GetRequiredService<IOptions<ExporterSettings>>().Value.ToOptions(), sp.GetRequiredService<TimeProvider>(), sp.GetService<ILoggerFactory>(), sp.GetService<System.Diagnostics.Metrics.IMeterFactory>()));
            services.AddHostedService<DestinationsWorker>();
            services.AddHostedService<ExporterDrain>();
            if (role == OdigosUiRole.Gateway && forwarding.UiUrl is { } uiUrl)
            {
                services.AddSingleton(sp => new UiForwarder(new OtlpForwarder("ui", uiUrl, time: sp.GetRequiredService<TimeProvider>())));
            }

            services.AddSingleton(sp => new GatewayPipeline(GatewayConsumers(sp)));
        }

        if (role.RunsNode())
        {
            if (role == OdigosUiRole.Node)
            {
                services.AddSingleton(sp => new GatewayForwarder(new OtlpForwarder("gateway", forwarding.GatewayUrl, time: sp.GetRequiredService<TimeProvider>())));
            }

            services.AddSingleton<ProfilerStatus>();
            services.AddHostedService<ProfilerWorker>();
            services.AddHealthChecks().AddCheck<ProfilerHealthCheck>("profiler", tags: [HealthEndpoints.ReadyTag]);
            services.AddSingleton<ISourceFilter>(sp => new AnySourceFilter(NodeFilters(sp)));
            services.AddPodIndex(builder.Configuration);
            services.AddHealthChecks().AddCheck<PodIndexSyncedCheck>("pods", tags: [HealthEndpoints.ReadyTag]);
            services.AddSingleton(sp => new NodeCollector(
                sp.GetRequiredService<ISourceFilter>(),
                role == OdigosUiRole.Node ? sp.GetRequiredService<GatewayForwarder>().Forwarder : sp.GetRequiredService<GatewayPipeline>(),
                sp.GetRequiredService<WorkloadDirectory>(),
                sp.GetService<KubernetesPodIndex>() is { } pods ? new IndexedPodResolver(pods) : null));
        }

        builder.ConfigureOtlpReceivers(uiUrls, sp => role switch
        {
            OdigosUiRole.Gateway => sp.GetRequiredService<GatewayPipeline>(),
            OdigosUiRole.Ui => sp.GetRequiredService<ProfilingSlots>(),
            _ => sp.GetRequiredService<NodeCollector>(),
        });
    }

    /// <summary>The OTLP receivers, in every role; the REST API is part of the UI surface (<see cref="UiSurface"/>).</summary>
    public static void MapProfilesPipeline(this WebApplication app) => app.MapOtlpReceivers();

    private static IEnumerable<IProfilesConsumer> GatewayConsumers(IServiceProvider services)
    {
        if (services.GetService<ProfilingSlots>() is { } slots)
        {
            yield return slots;
        }

        if (services.GetService<UiForwarder>() is { } ui)
        {
            yield return ui.Forwarder;
        }

        yield return services.GetRequiredService<ExporterFleet>();
    }

    private static IEnumerable<ISourceFilter> NodeFilters(IServiceProvider services)
    {
        yield return new SourceResourceFilter(services.GetRequiredService<SourceRegistry>());
        if (services.GetService<ProfilingSlots>() is { } slots)
        {
            // In one process, looking at a workload's flame graph is consent to collect it while the slot is open.
            yield return new OpenSlotFilter(slots);
        }
    }

    private sealed record GatewayForwarder(OtlpForwarder Forwarder) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => Forwarder.DisposeAsync();
    }

    private sealed record UiForwarder(OtlpForwarder Forwarder) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => Forwarder.DisposeAsync();
    }

    private sealed class SourceResourceFilter(SourceRegistry registry) : ISourceFilter
    {
        public bool IsEnabled(SourceKey source) => registry.IsEnabled(source.Namespace, source.Kind, source.Name);
    }

    /// <summary>The node collector's view of the cluster's pods.</summary>
    private sealed class IndexedPodResolver(KubernetesPodIndex index) : IPodWorkloadResolver
    {
        public PodWorkload? Find(string? podUid, string? containerId) => index.Find(podUid, containerId) is { } found
            ? new PodWorkload(found.Pod.Namespace, found.Pod.Name, found.Pod.Uid, found.Pod.WorkloadKind, found.Pod.WorkloadName, found.ContainerName)
            : null;
    }

    private sealed class OpenSlotFilter(ProfilingSlots slots) : ISourceFilter
    {
        public bool IsEnabled(SourceKey source) => slots.IsOpen(source);
    }
}
