using Microsoft.Extensions.Options;
using OdigosUi.Api;
using OdigosUi.Pipeline;
using OdigosUi.Pipeline.Collector;
using OdigosUi.Pipeline.Gateway;
using OdigosUi.Pipeline.Slots;
using OdigosUi.Workers;

namespace OdigosUi.Hosting;

/// <summary>Registers the profiles pipeline of a role: node collector, gateway fan-out, UI buffer.</summary>
internal static class PipelineRegistration
{
    public static void AddProfilesPipeline(this WebApplicationBuilder builder, OdigosUiRole role)
    {
        var services = builder.Services;
        services.AddOptions<ProfilingOptions>().Bind(builder.Configuration.GetSection(ProfilingOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<SlotOptions>().Bind(builder.Configuration.GetSection(SlotOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<WorkloadDirectory>();

        if (role.RunsUi())
        {
            services.AddSingleton(sp => new ProfilingSlots(sp.GetRequiredService<IOptionsMonitor<SlotOptions>>().CurrentValue, sp.GetRequiredService<TimeProvider>()));
            services.AddHostedService<SlotExpiryWorker>();
        }

        if (role.RunsGateway())
        {
            services.AddSingleton(sp => new GatewayPipeline(GatewayConsumers(sp, role)));
        }

        if (role.RunsNode())
        {
            services.AddSingleton<ISourceFilter>(sp => new AnySourceFilter(NodeFilters(sp)));
            services.AddSingleton(sp => new NodeCollector(
                sp.GetRequiredService<ISourceFilter>(),
                sp.GetRequiredService<GatewayPipeline>(),
                sp.GetRequiredService<WorkloadDirectory>()));
        }
    }

    public static void MapProfilesPipeline(this WebApplication app, OdigosUiRole role)
    {
        if (role.RunsUi())
        {
            app.MapProfilingApi();
        }
    }

    private static IEnumerable<IProfilesConsumer> GatewayConsumers(IServiceProvider services, OdigosUiRole role)
    {
        if (role.RunsUi())
        {
            yield return services.GetRequiredService<ProfilingSlots>();
        }
    }

    private static IEnumerable<ISourceFilter> NodeFilters(IServiceProvider services)
    {
        if (services.GetService<ProfilingSlots>() is { } slots)
        {
            // In one process, looking at a workload's flame graph is consent to collect it while the slot is open.
            yield return new OpenSlotFilter(slots);
        }
    }

    private sealed class OpenSlotFilter(ProfilingSlots slots) : ISourceFilter
    {
        public bool IsEnabled(Profiles.Model.SourceKey source) => slots.IsOpen(source);
    }
}
