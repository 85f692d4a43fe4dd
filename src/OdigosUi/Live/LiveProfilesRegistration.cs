using Microsoft.Extensions.Options;
using OdigosUi.Hosting;
using OdigosUi.Pipeline.Live;
using OdigosUi.Pipeline.Slots;

namespace OdigosUi.Live;

/// <summary>
/// The live flame graph (SignalR hub with MessagePack deltas) and the profile import endpoint, in the roles that
/// hold profiling slots (<c>all</c>, <c>ui</c>); in other roles both calls do nothing.
/// </summary>
public static class LiveProfilesRegistration
{
    public static IServiceCollection AddLiveProfiles(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (OdigosUiRoles.FromConfiguration(configuration) is not { } role || !role.RunsUi())
        {
            return services;
        }

        services.AddOptions<LiveOptions>().Bind(configuration.GetSection(LiveOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSignalR().AddMessagePackProtocol();
        services.AddSingleton(sp => new LiveChangeNotifier(
            sp.GetRequiredService<ProfilingSlots>(),
            () => sp.GetRequiredService<IOptionsMonitor<LiveOptions>>().CurrentValue.LiveInterval,
            sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<LiveWatchers>();
        return services;
    }

    public static IEndpointRouteBuilder MapLiveProfiles(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var configuration = endpoints.ServiceProvider.GetRequiredService<IConfiguration>();
        if (OdigosUiRoles.FromConfiguration(configuration) is not { } role || !role.RunsUi())
        {
            return endpoints;
        }

        endpoints.MapHub<ProfilesHub>(ProfilesHub.Path);
        endpoints.MapProfileImport();
        return endpoints;
    }
}
