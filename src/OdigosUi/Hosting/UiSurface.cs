using OdigosUi.Api;
using OdigosUi.Destinations;
using OdigosUi.Live;
using OdigosUi.Resources.Api;
using OdigosUi.Workers;

namespace OdigosUi.Hosting;

/// <summary>
/// What only the roles that run the UI (<c>all</c>, <c>ui</c>) serve: the REST API (<c>/api/...</c>), the live hub
/// (<c>/hubs/profiles</c>) and the Blazor pages. Roles <c>node</c> and <c>gateway</c> serve health, <c>/metrics</c> and
/// OTLP only, so a pod that can reach them cannot add a Destination, enable a Source or read profiles.
/// </summary>
internal static class UiSurface
{
    public static void MapUiSurface(this WebApplication app, OdigosUiRole role)
    {
        if (!role.RunsUi())
        {
            return;
        }

        app.MapResourceApi();
        app.MapSourcesList();
        app.MapProfilingApi();
        app.MapTestConnection();
        app.MapProfilerStatus();
        app.MapLiveProfiles();
        app.MapWebUi();
    }
}
