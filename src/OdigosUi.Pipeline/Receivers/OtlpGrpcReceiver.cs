using Google.Protobuf;
using Grpc.AspNetCore.Server;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using OdigosUi.Pipeline.Ingest;
using OdigosUi.Profiles.Otlp.Collector;

namespace OdigosUi.Pipeline.Receivers;

/// <summary>
/// OTLP/gRPC profiles receiver (<c>opentelemetry.proto.collector.profiles.v1development.ProfilesService/Export</c>),
/// a thin adapter over <see cref="ProfilesIngestService"/>: OK (with <c>partial_success</c> when profiles were
/// dropped), INVALID_ARGUMENT, RESOURCE_EXHAUSTED with a RetryInfo when saturated or over the bytes in flight
/// (retryable per OTLP), UNAVAILABLE when shutting down. The method is bound with a byte-array marshaller
/// (<see cref="OtlpGrpcMethodProvider"/>), so the message reaches the handler unparsed: it is admitted by its size and
/// parsed by the ingest service like an HTTP body. Messages over <c>Otlp:MaxRequestBytes</c> are refused by gRPC
/// itself with RESOURCE_EXHAUSTED before anything is parsed.
/// </summary>
public sealed class OtlpGrpcReceiver(ProfilesIngestService ingest)
{
    public async Task<ExportProfilesServiceResponse> Export(byte[] message, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(context);

        // An empty message is an empty ExportProfilesServiceRequest, which OTLP allows.
        var result = message.Length == 0
            ? await ingest.IngestAsync(new ExportProfilesServiceRequest(), ProfilesIngestService.GrpcTransport, context.CancellationToken)
            : await ingest.IngestAsync(message, IngestEncoding.Protobuf, gzip: false, ProfilesIngestService.GrpcTransport, context.CancellationToken);
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
                var reason = result.ErrorMessage ?? result.Status.ToString();
                var trailers = new Metadata();
                if (result.Retryable)
                {
                    // OTLP: RESOURCE_EXHAUSTED is retried only when the status carries a RetryInfo.
                    trailers.Add(RpcStatus.DetailsTrailer,
                        RpcStatus.ToProtobuf((int)code, reason, TimeSpan.FromSeconds(ingest.Options.RetryAfterSeconds)));
                }

                throw new RpcException(new Status(code, reason), trailers, reason);
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
        IngestStatus.TimedOut => StatusCode.DeadlineExceeded,
        _ => StatusCode.Unknown,
    };
}

/// <summary>
/// Binds <see cref="OtlpGrpcReceiver.Export"/> as the OTLP profiles service's Export method with the message as raw
/// bytes (the generated service base would deserialize it before the handler, ahead of any admission).
/// </summary>
internal sealed class OtlpGrpcMethodProvider : IServiceMethodProvider<OtlpGrpcReceiver>
{
    private static readonly Marshaller<byte[]> RawMessage = new(
        static (byte[] bytes, SerializationContext context) => context.Complete(bytes),
        static (DeserializationContext context) => context.PayloadAsNewBuffer());

    private static readonly Marshaller<ExportProfilesServiceResponse> Response = Marshallers.Create(
        static response => response.ToByteArray(),
        ExportProfilesServiceResponse.Parser.ParseFrom);

    internal static readonly Method<byte[], ExportProfilesServiceResponse> Export = new(
        MethodType.Unary, ProfilesService.Descriptor.FullName, "Export", RawMessage, Response);

    public void OnServiceMethodDiscovery(ServiceMethodProviderContext<OtlpGrpcReceiver> context) =>
        context.AddUnaryMethod(Export, [], static (receiver, message, call) => receiver.Export(message, call));
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
