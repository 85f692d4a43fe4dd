using Grpc.AspNetCore.Server;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using OdigosUi.Pipeline.Ingest;
using OdigosUi.Profiles.Otlp.Collector;

namespace OdigosUi.Pipeline.Receivers;

/// <summary>
/// OTLP/gRPC profiles receiver (<c>opentelemetry.proto.collector.profiles.v1development.ProfilesService/Export</c>),
/// a thin adapter over <see cref="ProfilesIngestService"/>: OK (with <c>partial_success</c> when profiles were
/// dropped), INVALID_ARGUMENT, RESOURCE_EXHAUSTED with a RetryInfo when saturated (retryable per OTLP), UNAVAILABLE
/// when shutting down. Messages over <c>Otlp:MaxRequestBytes</c> are refused by gRPC itself with RESOURCE_EXHAUSTED.
/// </summary>
public sealed class OtlpGrpcReceiver(ProfilesIngestService ingest) : ProfilesService.ProfilesServiceBase
{
    public override async Task<ExportProfilesServiceResponse> Export(ExportProfilesServiceRequest request, ServerCallContext context)
    {
        var result = await ingest.IngestAsync(request, ProfilesIngestService.GrpcTransport, context.CancellationToken);
        switch (result.Status)
        {
            case IngestStatus.Accepted:
                return new ExportProfilesServiceResponse();
            case IngestStatus.PartiallyAccepted:
                return new ExportProfilesServiceResponse
                {
                    PartialSuccess = new ExportProfilesPartialSuccess
                    {
                        RejectedProfiles = result.RejectedProfiles,
                        ErrorMessage = result.ErrorMessage ?? "",
                    },
                };
            default:
                var code = StatusCodeFor(result.Status);
                var message = result.ErrorMessage ?? result.Status.ToString();
                var trailers = new Metadata();
                if (result.Retryable)
                {
                    // OTLP: RESOURCE_EXHAUSTED is retried only when the status carries a RetryInfo.
                    trailers.Add(RpcStatus.DetailsTrailer,
                        RpcStatus.ToProtobuf((int)code, message, TimeSpan.FromSeconds(ingest.Options.RetryAfterSeconds)));
                }

                throw new RpcException(new Status(code, message), trailers, message);
        }
    }

    /// <summary>The gRPC status of each refused <see cref="IngestStatus"/>.</summary>
    public static StatusCode StatusCodeFor(IngestStatus status) => status switch
    {
        IngestStatus.Accepted or IngestStatus.PartiallyAccepted => StatusCode.OK,
        IngestStatus.Invalid or IngestStatus.UnsupportedMediaType => StatusCode.InvalidArgument,
        IngestStatus.TooLarge => StatusCode.ResourceExhausted,
        IngestStatus.Saturated => StatusCode.ResourceExhausted,
        IngestStatus.Unavailable => StatusCode.Unavailable,
        _ => StatusCode.Unknown,
    };
}

public static class OtlpGrpcReceiverExtensions
{
    /// <summary>Maps the OTLP/gRPC profiles service (needs <see cref="OtlpReceiverEndpoints.AddOtlpIngest"/>).</summary>
    public static GrpcServiceEndpointConventionBuilder MapOtlpGrpcReceiver(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var builder = endpoints.MapGrpcService<OtlpGrpcReceiver>();
        builder.WithMetadata(new OtlpReceiverEndpointMetadata(ReceiverEndpointKind.OtlpGrpc)).AllowAnonymous();
        return builder;
    }
}
