using OdigosUi.Ui;

namespace OdigosUi.Api;

/// <summary>
/// <c>GET /api/sources</c>: every workload known to this process, from Source resources and from the profiles the
/// node collector has seen, with whether it is enabled (a Source selects it) and whether a profiling slot is open.
/// </summary>
public static class SourcesEndpoints
{
    public static IEndpointRouteBuilder MapSourcesList(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/api/sources", (WorkloadListing listing) => Results.Ok(listing.List()));
        return endpoints;
    }
}
