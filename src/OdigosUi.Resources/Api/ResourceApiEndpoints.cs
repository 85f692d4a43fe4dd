using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using OdigosUi.Resources.Destinations;
using OdigosUi.Resources.Serialization;
using OdigosUi.Resources.Sources;
using OdigosUi.Resources.Stores;

namespace OdigosUi.Resources.Api;

/// <summary>
/// The REST API of the resource layer. Errors are RFC 7807 problem documents: 400 ValidationProblem with messages by
/// field (<c>type</c>, <c>name</c>, <c>signals</c>, <c>fields.NAME</c>), 400 for a body that is not JSON of the right
/// shape, 404, 409 and 415.
/// </summary>
public static class ResourceApiEndpoints
{
    public const string DestinationsPath = "/api/destinations";
    public const string DestinationTypesPath = "/api/destination-types";
    public const string SourcesPath = "/api/sources";

    /// <summary>Maps the Destination and the Source endpoints.</summary>
    public static IEndpointRouteBuilder MapResourceApi(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapDestinationApi().MapSourceApi();

    /// <summary>
    /// <c>GET /api/destination-types</c>, <c>GET /api/destinations</c>, <c>GET /api/destinations/{id}</c>,
    /// <c>POST /api/destinations</c> (201 + Location), <c>PUT /api/destinations/{id}</c> (200; 404; 409),
    /// <c>DELETE /api/destinations/{id}</c> (204; 404).
    /// </summary>
    public static IEndpointRouteBuilder MapDestinationApi(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);

        endpoints.MapGet(DestinationTypesPath, (DestinationService service) => Json(service.ListTypes()));

        var group = endpoints.MapGroup(DestinationsPath);
        group.MapGet("/", async (DestinationService service, CancellationToken ct) => Json(await service.ListAsync(ct)));

        group.MapGet("/{id}", async (string id, DestinationService service, CancellationToken ct) =>
            await service.GetAsync(id, ct) is { } destination ? Json(destination) : DestinationNotFound(id));

        group.MapPost("/", async (HttpContext context, DestinationService service) =>
        {
            var (request, error) = await ReadJsonAsync<DestinationRequest>(context.Request);
            if (request is null)
            {
                return error!;
            }

            try
            {
                var created = await service.CreateAsync(request, context.RequestAborted);
                context.Response.Headers.Location = $"{DestinationsPath}/{Uri.EscapeDataString(created.Id)}";
                return Json(created, StatusCodes.Status201Created);
            }
            catch (Exception ex) when (ToProblem(ex) is { } problem)
            {
                return problem;
            }
        });

        group.MapPut("/{id}", async (string id, HttpContext context, DestinationService service) =>
        {
            var (request, error) = await ReadJsonAsync<DestinationRequest>(context.Request);
            if (request is null)
            {
                return error!;
            }

            try
            {
                return Json(await service.UpdateAsync(id, request, context.RequestAborted));
            }
            catch (ResourceNotFoundException)
            {
                return DestinationNotFound(id);
            }
            catch (Exception ex) when (ToProblem(ex) is { } problem)
            {
                return problem;
            }
        });

        group.MapDelete("/{id}", async (string id, DestinationService service, CancellationToken ct) =>
            await service.DeleteAsync(id, ct) ? Results.NoContent() : DestinationNotFound(id));

        return endpoints;
    }

    /// <summary>
    /// <c>PUT /api/sources/{namespace}/{kind}/{name}</c> (201 when a Source was created, 200 when one existed; optional
    /// body <c>{"otelServiceName": "..."}</c>) and <c>DELETE /api/sources/{namespace}/{kind}/{name}</c> (204; 404).
    /// </summary>
    public static IEndpointRouteBuilder MapSourceApi(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var group = endpoints.MapGroup(SourcesPath);

        group.MapPut("/{namespace}/{kind}/{name}", async (string @namespace, string kind, string name, HttpContext context, SourceService service) =>
        {
            var errors = SourceService.Validate(@namespace, kind, name);
            if (errors.Count > 0)
            {
                return Results.ValidationProblem(errors, title: "The workload reference is not valid.");
            }

            string? serviceName = null;
            if (context.Request.ContentLength is > 0 || context.Request.Headers.TransferEncoding.Count > 0)
            {
                var (request, error) = await ReadJsonAsync<SourceRequest>(context.Request);
                if (request is null)
                {
                    return error!;
                }

                serviceName = request.OtelServiceName;
            }

            try
            {
                var (source, created) = await service.EnsureAsync(new WorkloadRef(@namespace, kind, name), serviceName, context.RequestAborted);
                if (created)
                {
                    context.Response.Headers.Location = $"{SourcesPath}/{Uri.EscapeDataString(source.Namespace)}/{Uri.EscapeDataString(source.Kind)}/{Uri.EscapeDataString(source.Name)}";
                }

                return Json(source, created ? StatusCodes.Status201Created : StatusCodes.Status200OK);
            }
            catch (Exception ex) when (ToProblem(ex) is { } problem)
            {
                return problem;
            }
        });

        group.MapDelete("/{namespace}/{kind}/{name}", async (string @namespace, string kind, string name, SourceService service, CancellationToken ct) =>
            await service.RemoveAsync(new WorkloadRef(@namespace, kind, name), ct)
                ? Results.NoContent()
                : Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Source not found", detail: $"No Source selects {@namespace}/{kind}/{name}."));

        return endpoints;
    }

    private static IResult Json<T>(T value, int statusCode = StatusCodes.Status200OK) =>
        Results.Json(value, ResourceJson.Options, statusCode: statusCode);

    private static IResult DestinationNotFound(string id) =>
        Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Destination not found", detail: $"There is no destination '{id}'.");

    public static IResult? ToProblem(Exception exception) => exception switch
    {
        DestinationValidationException validation => Results.ValidationProblem(
            validation.Errors.ToDictionary(p => p.Key, p => p.Value),
            title: "The destination is not valid."),
        ResourceNotFoundException notFound => Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found", detail: notFound.Message),
        ResourceConflictException conflict => Results.Problem(statusCode: StatusCodes.Status409Conflict, title: "Conflict", detail: conflict.Message),
        ResourceInvalidException invalid => Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid resource", detail: invalid.Message),
        ResourceForbiddenException forbidden => Results.Problem(statusCode: forbidden.StatusCode, title: "Not allowed by the cluster", detail: forbidden.Message),
        _ => null,
    };

    /// <summary>Reads a JSON body; a missing, empty, malformed or mistyped body is a 400 problem with the reason.</summary>
    public static async Task<(T? Value, IResult? Error)> ReadJsonAsync<T>(HttpRequest request)
        where T : class
    {
        if (request.ContentType is { Length: > 0 } && !request.HasJsonContentType())
        {
            return (null, Results.Problem(
                statusCode: StatusCodes.Status415UnsupportedMediaType,
                title: "Unsupported media type",
                detail: $"Send the body as application/json, not {request.ContentType}."));
        }

        try
        {
            var value = await JsonSerializer.DeserializeAsync<T>(request.Body, ResourceJson.Options, request.HttpContext.RequestAborted);
            return value is null
                ? (null, BadBody("The body must be a JSON object, not null."))
                : (value, null);
        }
        catch (JsonException ex)
        {
            return (null, BadBody(ex.Message));
        }
    }

    private static IResult BadBody(string reason) =>
        Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "The request body is not valid JSON for this request.", detail: reason);
}
