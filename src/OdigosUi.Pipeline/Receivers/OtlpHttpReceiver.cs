using System.Globalization;
using System.Text;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Net.Http.Headers;
using OdigosUi.Pipeline.Ingest;
using OdigosUi.Profiles.Otlp.Collector;

namespace OdigosUi.Pipeline.Receivers;

/// <summary>
/// OTLP/HTTP profiles receiver: <c>POST /v1development/profiles</c> with <c>application/x-protobuf</c> or
/// <c>application/json</c>, optionally <c>Content-Encoding: gzip</c>. A thin adapter over
/// <see cref="ProfilesIngestService"/>; responses follow the OTLP/HTTP specification (see <see cref="StatusCodeFor"/>).
/// </summary>
public static class OtlpHttpReceiver
{
    public const string Path = "/v1development/profiles";
    public const string ProtobufContentType = "application/x-protobuf";
    public const string JsonContentType = "application/json";

    private static readonly JsonFormatter ResponseFormatter = new(JsonFormatter.Settings.Default);

    /// <summary>
    /// Maps the receiver. The route takes every method (others get 405 with <c>Allow: POST</c>), so that on an endpoint
    /// it is not served on the path is simply unknown (404) rather than "method not allowed".
    /// </summary>
    public static IEndpointConventionBuilder MapOtlpHttpReceiver(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        return endpoints.Map(Path, HandleAsync)
            .WithMetadata(new OtlpReceiverEndpointMetadata(ReceiverEndpointKind.OtlpHttp))
            .WithDisplayName("OTLP/HTTP profiles receiver")
            .AllowAnonymous();
    }

    /// <summary>The HTTP status of each <see cref="IngestStatus"/>.</summary>
    public static int StatusCodeFor(IngestStatus status) => status switch
    {
        IngestStatus.Accepted or IngestStatus.PartiallyAccepted => StatusCodes.Status200OK,
        IngestStatus.Invalid => StatusCodes.Status400BadRequest,
        IngestStatus.TooLarge => StatusCodes.Status413PayloadTooLarge,
        IngestStatus.UnsupportedMediaType => StatusCodes.Status415UnsupportedMediaType,
        IngestStatus.Saturated => StatusCodes.Status429TooManyRequests,
        IngestStatus.Unavailable => StatusCodes.Status503ServiceUnavailable,
        IngestStatus.TimedOut => StatusCodes.Status408RequestTimeout,
        _ => StatusCodes.Status500InternalServerError,
    };

    /// <summary>The gRPC code put in the <c>google.rpc.Status</c> error body, as the OTLP/HTTP specification pairs them.</summary>
    internal static int RpcCodeFor(IngestStatus status) => status switch
    {
        IngestStatus.Invalid => 3, // INVALID_ARGUMENT
        IngestStatus.TooLarge => 8, // RESOURCE_EXHAUSTED
        IngestStatus.UnsupportedMediaType => 3,
        IngestStatus.Saturated => 8,
        IngestStatus.Unavailable => 14, // UNAVAILABLE
        IngestStatus.TimedOut => 4, // DEADLINE_EXCEEDED
        _ => 2, // UNKNOWN
    };

    private static async Task HandleAsync(HttpContext context)
    {
        var ingest = context.RequestServices.GetRequiredService<ProfilesIngestService>();
        var request = context.Request;
        var response = context.Response;
        if (!HttpMethods.IsPost(request.Method))
        {
            response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            response.Headers.Allow = "POST";
            await WritePlainAsync(context, $"{request.Method} is not allowed on {Path}; send POST with an OTLP ExportProfilesServiceRequest.");
            return;
        }

        if (!TryGetEncoding(request.ContentType, out var encoding))
        {
            var refused = ingest.Refuse(IngestStatus.UnsupportedMediaType,
                $"unsupported Content-Type '{request.ContentType}'; use {ProtobufContentType} or {JsonContentType}",
                ProfilesIngestService.HttpTransport);
            response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
            response.Headers.Accept = $"{ProtobufContentType}, {JsonContentType}";
            await WritePlainAsync(context, refused.ErrorMessage!);
            return;
        }

        if (!TryGetGzip(request.Headers.ContentEncoding, out var gzip, out var unsupportedEncoding))
        {
            var refused = ingest.Refuse(IngestStatus.UnsupportedMediaType,
                $"unsupported Content-Encoding '{unsupportedEncoding}'; use gzip or none",
                ProfilesIngestService.HttpTransport);
            response.Headers.AcceptEncoding = "gzip, identity";
            await WriteResultAsync(context, refused, encoding, ingest.Options);
            return;
        }

        // The ingest service enforces Otlp:MaxRequestBytes itself, whatever Kestrel's server-wide body limit is.
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodyLimit)
        {
            bodyLimit.MaxRequestBodySize = null;
        }

        IngestResult result;
        try
        {
            result = await ingest.IngestAsync(request.Body, request.ContentLength, encoding, gzip, ProfilesIngestService.HttpTransport, context.RequestAborted);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status408RequestTimeout)
        {
            // Kestrel's minimum data rate (Otlp:MinRequestBodyBytesPerSecond): a sender trickling its body.
            result = ingest.TimedOut($"the request body arrived too slowly: {e.Message}", ProfilesIngestService.HttpTransport);
        }
        catch (BadHttpRequestException e)
        {
            // A malformed body framing (e.g. broken chunked encoding): still the client's fault.
            result = ingest.Refuse(e.StatusCode == StatusCodes.Status413PayloadTooLarge ? IngestStatus.TooLarge : IngestStatus.Invalid,
                $"the request body could not be read: {e.Message}", ProfilesIngestService.HttpTransport);
        }
        catch (Exception e) when (context.RequestAborted.IsCancellationRequested && e is OperationCanceledException or IOException)
        {
            return; // The client went away; nobody reads a response.
        }

        await WriteResultAsync(context, result, encoding, ingest.Options);
    }

    private static async Task WriteResultAsync(HttpContext context, IngestResult result, IngestEncoding encoding, IngestOptions options)
    {
        var response = context.Response;
        response.StatusCode = StatusCodeFor(result.Status);
        byte[] body;
        if (result.Succeeded)
        {
            var message = new ExportProfilesServiceResponse();
            if (result.Status == IngestStatus.PartiallyAccepted)
            {
                message.PartialSuccess = new ExportProfilesPartialSuccess
                {
                    RejectedProfiles = result.RejectedProfiles,
                    ErrorMessage = result.ErrorMessage ?? "",
                };
            }

            body = encoding == IngestEncoding.Json
                ? Encoding.UTF8.GetBytes(ResponseFormatter.Format(message))
                : message.ToByteArray();
        }
        else
        {
            TimeSpan? retryDelay = null;
            if (result.Retryable)
            {
                retryDelay = TimeSpan.FromSeconds(options.RetryAfterSeconds);
                response.Headers.RetryAfter = options.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
            }

            if (result.Status is IngestStatus.TooLarge or IngestStatus.TimedOut or IngestStatus.Saturated
                && (HttpProtocol.IsHttp11(context.Request.Protocol) || HttpProtocol.IsHttp10(context.Request.Protocol)))
            {
                // The rest of the body may not have been read: close instead of draining it to keep the connection.
                response.Headers.Connection = "close";
            }

            var code = RpcCodeFor(result.Status);
            var reason = result.ErrorMessage ?? result.Status.ToString();
            body = encoding == IngestEncoding.Json
                ? RpcStatus.ToJson(code, reason, retryDelay)
                : RpcStatus.ToProtobuf(code, reason, retryDelay);
        }

        response.ContentType = encoding == IngestEncoding.Json ? JsonContentType : ProtobufContentType;
        response.ContentLength = body.Length;
        await response.Body.WriteAsync(body, context.RequestAborted);
    }

    private static Task WritePlainAsync(HttpContext context, string text)
    {
        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync(text + "\n", context.RequestAborted);
    }

    /// <summary>The body encoding of a Content-Type; parameters such as <c>charset</c> are ignored.</summary>
    internal static bool TryGetEncoding(string? contentType, out IngestEncoding encoding)
    {
        encoding = IngestEncoding.Protobuf;
        if (!MediaTypeHeaderValue.TryParse(contentType, out var mediaType) || !mediaType.MediaType.HasValue)
        {
            return false;
        }

        var name = mediaType.MediaType.AsSpan();
        if (name.Equals(ProtobufContentType, StringComparison.OrdinalIgnoreCase))
        {
            encoding = IngestEncoding.Protobuf;
            return true;
        }

        if (name.Equals(JsonContentType, StringComparison.OrdinalIgnoreCase))
        {
            encoding = IngestEncoding.Json;
            return true;
        }

        return false;
    }

    /// <summary>Whether the body is gzip; false with the offending value for any coding other than gzip and identity.</summary>
    internal static bool TryGetGzip(Microsoft.Extensions.Primitives.StringValues contentEncoding, out bool gzip, out string? unsupported)
    {
        gzip = false;
        unsupported = null;
        var codings = 0;
        foreach (var value in contentEncoding)
        {
            foreach (var part in (value ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (part.Equals("identity", StringComparison.OrdinalIgnoreCase))
                {
                    continue;
                }

                if (part.Equals("gzip", StringComparison.OrdinalIgnoreCase) || part.Equals("x-gzip", StringComparison.OrdinalIgnoreCase))
                {
                    codings++;
                    gzip = true;
                    continue;
                }

                unsupported = part;
                return false;
            }
        }

        if (codings > 1)
        {
            unsupported = contentEncoding.ToString();
            return false;
        }

        return true;
    }
}
