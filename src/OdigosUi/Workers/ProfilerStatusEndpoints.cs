namespace OdigosUi.Workers;

/// <summary><c>GET /api/profiler</c>: the node profiler's <see cref="ProfilerStatusSnapshot"/>; 404 in roles without one (gateway, ui).</summary>
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
