namespace OdigosUi.Workers;

/// <summary>
/// <c>GET /api/profiler</c>: the node profiler's <see cref="ProfilerStatusSnapshot"/>, part of the UI surface (roles
/// <c>all</c> and <c>ui</c>); 404 in role <c>ui</c>, which runs no profiler. A <c>node</c> pod serves no API: its
/// profiler reports through <c>/readyz</c> (why it is unavailable) and the <c>odigos_ui.profiler.*</c> metrics.
/// </summary>
public static class ProfilerStatusEndpoints
{
    public const string Path = "/api/profiler";

    public static IEndpointRouteBuilder MapProfilerStatus(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(Path, (IServiceProvider services) => services.GetService<ProfilerStatus>() is { } status
            ? Results.Ok(status.Snapshot)
            : Results.Problem("this role runs no node profiler (it runs in roles node and all)", statusCode: StatusCodes.Status404NotFound));
        return endpoints;
    }
}
