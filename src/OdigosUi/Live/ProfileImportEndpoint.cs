using System.IO.Compression;
using Google.Protobuf;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using OdigosUi.Profiles.Conversion;
using OdigosUi.Profiles.Formats;
using OdigosUi.Profiles.Model;

namespace OdigosUi.Live;

/// <summary>
/// <c>POST /api/profiles/view?profileType=T</c>: the flamebearer JSON of a profile file sent as the body (pprof, or
/// OTLP protobuf or JSON; gzip or not), for the import feature of the flame graph page. 400 with the reason when the
/// body is not a profile; 413 when it is larger than <c>Profiling:Ui:ImportMaxBytes</c> or expands beyond
/// <c>Profiling:Ui:ImportMaxDecompressedBytes</c>; 415 for a body sent without one of the binary or JSON types it
/// accepts (a page of another site could send text/plain or a form).
/// </summary>
public static class ProfileImportEndpoint
{
    public const string Route = "/api/profiles/view";

    /// <summary>Gzip inside gzip is unwrapped this many times at most.</summary>
    private const int MaxGzipLayers = 3;

    public static IEndpointConventionBuilder MapProfileImport(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapPost(Route, ViewAsync)
            .Accepts<byte[]>("application/octet-stream", "application/x-protobuf", "application/protobuf", "application/gzip", "application/json")
            .WithDisplayName("Profile import (flamebearer view of a file)");

    private static async Task<IResult> ViewAsync(HttpContext context, string? profileType, IOptionsMonitor<LiveOptions> options, CancellationToken cancellationToken)
    {
        var limits = options.CurrentValue;
        if (!string.IsNullOrEmpty(profileType) && !ProfileType.TryParse(profileType, out _))
        {
            return Results.Problem($"profileType '{profileType}' is not of the form sampleType:sampleUnit:periodType:periodUnit", statusCode: StatusCodes.Status400BadRequest);
        }

        if (context.Request.ContentLength > limits.ImportMaxBytes)
        {
            return TooLarge($"the file is {context.Request.ContentLength} bytes; the limit is {limits.ImportMaxBytes} (Profiling:Ui:ImportMaxBytes)");
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodyLimit)
        {
            bodyLimit.MaxRequestBodySize = limits.ImportMaxBytes + 1;
        }

        var body = await ReadAtMostAsync(context.Request.Body, limits.ImportMaxBytes, cancellationToken).ConfigureAwait(false);
        if (body is null)
        {
            return TooLarge($"the file is larger than the limit of {limits.ImportMaxBytes} bytes (Profiling:Ui:ImportMaxBytes)");
        }

        if (body.Length == 0)
        {
            return Results.Problem("the request body is empty: send a pprof or OTLP Profiles file", statusCode: StatusCodes.Status400BadRequest);
        }

        try
        {
            ReadOnlyMemory<byte> input = body;
            for (var layer = 0; ProfilePayloadReader.IsGzip(input.Span); layer++)
            {
                if (layer == MaxGzipLayers)
                {
                    return Results.Problem($"the file is gzip-compressed more than {MaxGzipLayers} times", statusCode: StatusCodes.Status400BadRequest);
                }

                if (!FitsWhenGunzipped(input, limits.ImportMaxDecompressedBytes))
                {
                    return TooLarge($"the file expands beyond {limits.ImportMaxDecompressedBytes} bytes when gunzipped (Profiling:Ui:ImportMaxDecompressedBytes)");
                }

                input = ProfilePayloadReader.Gunzip(input, limits.ImportMaxDecompressedBytes);
            }

            var result = ProfileConverter.Convert(input, OutputFormat.Flamebearer, string.IsNullOrEmpty(profileType) ? null : profileType);
            return Results.Bytes(result.Output, "application/json");
        }
        catch (ProfileFormatException e)
        {
            return Results.Problem(e.Message, statusCode: StatusCodes.Status400BadRequest);
        }
        catch (InvalidProtocolBufferException e)
        {
            return Results.Problem($"not a pprof or OTLP Profiles file: {e.Message}", statusCode: StatusCodes.Status400BadRequest);
        }
    }

    private static IResult TooLarge(string detail) => Results.Problem(detail, statusCode: StatusCodes.Status413PayloadTooLarge);

    /// <summary>The body, or null when it is longer than <paramref name="limit"/>.</summary>
    private static async Task<byte[]?> ReadAtMostAsync(Stream body, long limit, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    /// <summary>Counts the gunzipped size without keeping it; corrupt data counts as fitting (the reader then explains it).</summary>
    private static bool FitsWhenGunzipped(ReadOnlyMemory<byte> input, long limit)
    {
        using var source = new MemoryStream(input.ToArray(), writable: false);
        using var gzip = new GZipStream(source, CompressionMode.Decompress);
        var scratch = new byte[81920];
        long total = 0;
        try
        {
            int read;
            while ((read = gzip.Read(scratch, 0, scratch.Length)) > 0)
            {
                total += read;
                if (total > limit)
                {
                    return false;
                }
            }
        }
        catch (InvalidDataException)
        {
        }

        return true;
    }
}
