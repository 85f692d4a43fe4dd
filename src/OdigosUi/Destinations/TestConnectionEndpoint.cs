using OdigosUi.Resources.Api;
using OdigosUi.Resources.Destinations;
using OdigosUi.Resources.Serialization;

namespace OdigosUi.Destinations;

/// <summary>
/// <c>POST /api/destinations/test-connection[?id=ID]</c> with the body of a create or update: 200 with a
/// <see cref="ConnectionTestResult"/> whether or not the endpoint took the profile, 400 with messages per field when
/// the values are not valid, 403 when the host is outside the allow-list. With <c>id</c>, stored secrets fill the
/// secret fields the body leaves out (the browser never has them), but only while the connection fields are the
/// stored ones: a changed endpoint, TLS, tenant or user name with a secret left out is a 400 asking for it again.
/// </summary>
public static class TestConnectionEndpoint
{
    public const string Path = "/api/destinations/test-connection";

    public static IEndpointRouteBuilder MapTestConnection(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost(Path, async (HttpContext context, string? id, ConnectionTester tester) =>
        {
            var (request, error) = await ResourceApiEndpoints.ReadJsonAsync<DestinationRequest>(context.Request);
            if (request is null)
            {
                return error!;
            }

            try
            {
                var result = await tester.TestAsync(request, string.IsNullOrWhiteSpace(id) ? null : id, context.RequestAborted);
                return Results.Json(result, ResourceJson.Options, statusCode: result.Verdict == ConnectionVerdict.NotAllowed ? StatusCodes.Status403Forbidden : StatusCodes.Status200OK);
            }
            catch (Exception ex) when (ResourceApiEndpoints.ToProblem(ex) is { } problem)
            {
                return problem;
            }
        });

        return endpoints;
    }
}
