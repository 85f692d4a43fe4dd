using Microsoft.Extensions.Options;
using OdigosUi.Hosting.Authentication;
using OdigosUi.Hosting.Security;
using OdigosUi.Live;

namespace OdigosUi.Hosting;

/// <summary>The composition root: every service and endpoint of OdigosUi is registered here.</summary>
public static class OdigosUiHostingExtensions
{
    /// <summary>How long a stop (Ctrl+C, SIGTERM) waits for hosted workers, besides the exporters' drain.</summary>
    public static readonly TimeSpan ShutdownMargin = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long a stop waits for hosted workers before giving up on them: <see cref="ShutdownMargin"/> plus
    /// <c>Profiling:Exporter:ShutdownTimeoutSeconds</c>, the time the exporters have to deliver what they accepted.
    /// </summary>
    public static TimeSpan ShutdownTimeout(IConfiguration configuration)
    {
        int drain = int.TryParse(configuration[ExporterSettings.ShutdownTimeoutKey], System.Globalization.CultureInfo.InvariantCulture, out int seconds) && seconds is >= 0 and <= 600
            ? seconds
            : new ExporterSettings().ShutdownTimeoutSeconds;
        return ShutdownMargin + TimeSpan.FromSeconds(drain);
    }

    /// <summary>Registers options (validated at start-up), health checks and the workers of the configured role.</summary>
    public static WebApplicationBuilder AddOdigosUi(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Configuration.AddOdigosUiDefaults();
        IServiceCollection services = builder.Services;

        services.AddOptions<RoleOptions>().Bind(builder.Configuration).ValidateOnStart();
        services.AddSingleton<IValidateOptions<RoleOptions>, RoleOptionsValidator>();
        services.AddOptions<UiOptions>().Bind(builder.Configuration.GetSection(UiOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<UiOptions>, UiOptionsValidator>();
        services.AddCrossSiteProtection(builder.Configuration);

        // Kestrel listens on Ui:Url and the OTLP receiver URLs (PipelineRegistration). An invalid value fails options
        // validation, which runs before Kestrel starts.
        string url = builder.Configuration[UiOptions.UrlKey] is { Length: > 0 } configured ? configured : UiOptions.DefaultUrl;
        builder.AddUiHostFiltering(url);

        TimeSpan shutdownTimeout = ShutdownTimeout(builder.Configuration);
        services.Configure<HostOptions>(options => options.ShutdownTimeout = shutdownTimeout);
        services.AddSingleton(TimeProvider.System);
        services.AddHealthChecks();
        builder.AddOdigosUiTelemetry();
        builder.AddSignIn();
        services.AddLiveProfiles(builder.Configuration);

        // Role-specific workers. The role is null when invalid: nothing role-specific is registered and start-up
        // validation reports the value (Kestrel then listens on Ui:Url only).
        OdigosUiRole? role = OdigosUiRoles.FromConfiguration(builder.Configuration);
        if (role is { } r)
        {
            builder.AddProfilesPipeline(r, [url]);
            builder.AddWebUi(r);
        }
        else
        {
            builder.WebHost.UseUrls(url);
        }

        return builder;
    }

    /// <summary>
    /// Maps every endpoint: health, readiness, metrics and the OTLP receivers in every role; the REST API, the live hub
    /// and the web UI only in the roles that run the UI (<see cref="UiSurface.MapUiSurface"/>).
    /// </summary>
    public static WebApplication MapOdigosUi(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);

        app.UseUiHostFiltering();
        app.UseCrossSiteProtection();
        app.MapHealthEndpoints();
        app.MapOdigosUiTelemetry();
        if (OdigosUiRoles.FromConfiguration(app.Configuration) is { } role)
        {
            app.MapProfilesPipeline();
            app.MapUiSurface(role);
        }

        return app;
    }
}
