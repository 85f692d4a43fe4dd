using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace OdigosUi.Hosting.Security;

/// <summary>
/// Refuses what a page of another site can make a browser send: on every state-changing API route (POST, PUT, PATCH,
/// DELETE under <c>/api/</c>) and on everything under <c>/hubs/</c> and <c>/_blazor</c> (SignalR negotiate and the
/// WebSocket upgrade), 403 when <c>Origin</c> is present and is neither the request's own origin nor one of
/// <c>Ui:AllowedOrigins</c>, or when <c>Sec-Fetch-Site</c> says <c>cross-site</c> or <c>same-site</c> (unless the Origin
/// is allowed); on state-changing API routes with a body, 415 unless the body is <c>application/json</c> (or one of the
/// types the endpoint declares with <see cref="IAcceptsMetadata"/>), so the content types a page may send without a
/// CORS preflight (<c>text/plain</c>, forms, none) never change state. Requests without <c>Origin</c> and
/// <c>Sec-Fetch-Site</c> (curl, the CLI, other services) are not browsers' and pass.
/// </summary>
internal sealed class CrossSiteRequest(RequestDelegate next, IOptionsMonitor<CrossSiteOptions> options, ILogger<CrossSiteRequest> logger)
{
    /// <summary>The content types a cross-origin page may send without a preflight (Fetch standard, CORS-safelisted).</summary>
    private static readonly string[] SafelistedTypes = ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data"];

    public Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        var live = request.Path.StartsWithSegments("/hubs") || request.Path.StartsWithSegments("/_blazor");
        var stateChanging = request.Path.StartsWithSegments("/api")
            && (HttpMethods.IsPost(request.Method) || HttpMethods.IsPut(request.Method) || HttpMethods.IsPatch(request.Method) || HttpMethods.IsDelete(request.Method));
        if (!live && !stateChanging)
        {
            return next(context);
        }

        if (CrossSiteReason(request) is { } reason)
        {
            logger.LogWarning("Refused {Method} {Path}: {Reason}", request.Method, request.Path, reason);
            return Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Cross-site request refused", detail: reason).ExecuteAsync(context);
        }

        // Without an endpoint the request is a 404 whatever its body.
        if (stateChanging && context.GetEndpoint() is not null && ContentTypeProblem(context) is { } problem)
        {
            return Results.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported media type", detail: problem).ExecuteAsync(context);
        }

        return next(context);
    }

    /// <summary><c>scheme://host[:port]</c> in lower case with the default port left out, as browsers write <c>Origin</c>; null when not an http(s) origin.</summary>
    public static string? Normalize(string? origin) =>
        Uri.TryCreate(origin, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps) && uri.Host.Length > 0
            ? uri.GetLeftPart(UriPartial.Authority).ToLowerInvariant()
            : null;

    private string? CrossSiteReason(HttpRequest request)
    {
        var origin = request.Headers.Origin.ToString();
        var fetchSite = request.Headers["Sec-Fetch-Site"].ToString();
        if (origin.Length == 0 && fetchSite.Length == 0)
        {
            return null;
        }

        var normalized = Normalize(origin);
        if (normalized is not null && options.CurrentValue.Origins.Contains(normalized))
        {
            return null;
        }

        if (origin.Length > 0 && (normalized is null || normalized != Normalize($"{request.Scheme}://{request.Host}")))
        {
            return $"Origin '{origin}' is not this app's origin ({request.Scheme}://{request.Host}) nor one of {CrossSiteOptions.AllowedOriginsKey}.";
        }

        if (fetchSite.Equals("cross-site", StringComparison.OrdinalIgnoreCase) || fetchSite.Equals("same-site", StringComparison.OrdinalIgnoreCase))
        {
            return $"Sec-Fetch-Site is '{fetchSite}': only this app's own pages may change its state (add the page's origin to {CrossSiteOptions.AllowedOriginsKey} to allow it).";
        }

        return null;
    }

    private static string? ContentTypeProblem(HttpContext context)
    {
        if (context.Features.Get<IHttpRequestBodyDetectionFeature>() is { CanHaveBody: false })
        {
            return null;
        }

        string[] accepted = context.GetEndpoint()?.Metadata.GetMetadata<IAcceptsMetadata>() is { ContentTypes.Count: > 0 } declared
            ? [.. declared.ContentTypes]
            : ["application/json"];
        var sent = context.Request.ContentType;
        if (string.IsNullOrWhiteSpace(sent) || !MediaTypeHeaderValue.TryParse(sent, out var mediaType))
        {
            return $"Send the body with Content-Type {string.Join(" or ", accepted)}; this request has none.";
        }

        var isSafelisted = SafelistedTypes.Any(t => mediaType.MediaType.Equals(t, StringComparison.OrdinalIgnoreCase));
        var isAccepted = accepted.Any(t => mediaType.IsSubsetOf(MediaTypeHeaderValue.Parse(t)))
            || (accepted.Contains("application/json") && mediaType.Suffix.Equals("json", StringComparison.OrdinalIgnoreCase));
        return isSafelisted || !isAccepted
            ? $"Send the body as {string.Join(" or ", accepted)}, not {sent}."
            : null;
    }
}

/// <summary>Registration of <see cref="CrossSiteRequest"/> and its options.</summary>
internal static class CrossSiteProtection
{
    public static IServiceCollection AddCrossSiteProtection(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<CrossSiteOptions>().Bind(configuration.GetSection(CrossSiteOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<CrossSiteOptions>, CrossSiteOptionsValidator>();
        return services;
    }

    public static IApplicationBuilder UseCrossSiteProtection(this IApplicationBuilder app) => app.UseMiddleware<CrossSiteRequest>();
}
