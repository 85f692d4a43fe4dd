using MudBlazor.Services;
using OdigosUi.Components;
using OdigosUi.Destinations;
using OdigosUi.Hosting.Authentication;
using OdigosUi.Resources;
using OdigosUi.Ui;

namespace OdigosUi.Hosting;

/// <summary>The Blazor Server UI and the services its pages and the REST API share, in the roles that run the UI (<c>all</c>, <c>ui</c>).</summary>
internal static class WebUiRegistration
{
    public const string StaticAssetsManifest = "odigos-ui.staticwebassets.endpoints.json";

    public static void AddWebUi(this WebApplicationBuilder builder, OdigosUiRole role)
    {
        if (!role.RunsUi())
        {
            return;
        }

        var services = builder.Services;
        services.AddSingleton<WorkloadListing>();
        services.AddOptions<ConnectionTestOptions>().Bind(builder.Configuration.GetSection(ConnectionTestOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<ConnectionTester>();

        // Serves wwwroot and MudBlazor's assets from their build locations when not running a published copy.
        builder.WebHost.UseStaticWebAssets();
        services.AddRazorComponents().AddInteractiveServerComponents();
        services.AddMudServices();
        services.AddWorkloadCatalog(builder.Configuration);
        services.AddScoped<PipelineHealthReader>();
    }

    /// <summary>The Blazor pages and their static assets; <see cref="UiSurface.MapUiSurface"/> calls it in the UI roles.</summary>
    public static void MapWebUi(this WebApplication app)
    {
        // The manifest lists wwwroot and MudBlazor's assets; it sits next to odigos-ui.dll (absent when the host runs
        // inside another assembly's tests, which do not need the browser assets).
        var manifest = Path.Combine(AppContext.BaseDirectory, StaticAssetsManifest);
        if (File.Exists(manifest))
        {
            app.MapStaticAssets(manifest).AllowAnonymous();
        }

        app.UseAntiforgery();
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        app.MapSignOut();
    }
}
