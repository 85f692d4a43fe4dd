using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.Logging;
using OdigosUi.Profiles.Otlp.Collector;

namespace OdigosUi.Pipeline.Exporters;

/// <summary>
/// A generic OTLP/gRPC backend: <c>opentelemetry.proto.collector.profiles.v1development.ProfilesService/Export</c>
/// over Grpc.Net.Client, h2c or TLS, with <c>OTLP_GRPC_HEADERS</c> as metadata and gzip message compression unless
/// <c>OTLP_GRPC_COMPRESSION</c> is none. The queue holds plain protobuf; each attempt parses it back into the
/// message the generated client takes.
/// <para>
/// Status codes, as the OTLP specification lists them: CANCELLED, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, ABORTED,
/// OUT_OF_RANGE, UNAVAILABLE, DATA_LOSS are retried (RESOURCE_EXHAUSTED always, as the RetryInfo detail that
/// qualifies it is not read); INVALID_ARGUMENT, NOT_FOUND, PERMISSION_DENIED, UNAUTHENTICATED, FAILED_PRECONDITION,
/// UNIMPLEMENTED, INTERNAL, UNKNOWN and the rest are permanent.
/// </para>
/// </summary>
public sealed class OtlpGrpcExporter : DestinationExporter
{
    private const string RequestCompressionHeader = "grpc-internal-encoding-request";

    private readonly GrpcChannel _channel;
    private readonly ProfilesService.ProfilesServiceClient _client;
    private readonly IReadOnlyList<KeyValuePair<string, string>> _headers;
    private readonly bool _gzip;

    public OtlpGrpcExporter(DestinationConfig config, ExporterOptions? options = null, TimeProvider? time = null, ILogger? logger = null)
        : base(config, Address(config), gzipPayload: false, options, time, logger)
    {
        _headers = DestinationHeaders.TryParse(config.Field(DestinationFields.OtlpGrpcHeaders), grpc: true, out var headers, out var headersError)
            ? headers
            : throw new ArgumentException($"{DestinationFields.OtlpGrpcHeaders}: {headersError}", nameof(config));
        _gzip = DestinationEndpoints.TryCompression(config.Field(DestinationFields.OtlpGrpcCompression), out var gzip, out var compressionError)
            ? gzip
            : throw new ArgumentException($"{DestinationFields.OtlpGrpcCompression}: {compressionError}", nameof(config));
        _channel = GrpcChannel.ForAddress(Endpoint, new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler
            {
                // A redirect would carry the headers (credentials) elsewhere.
                AllowAutoRedirect = false,
                ConnectTimeout = Options.Timeout,
                EnableMultipleHttp2Connections = true,
                PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
                KeepAlivePingDelay = TimeSpan.FromSeconds(60),
                KeepAlivePingTimeout = TimeSpan.FromSeconds(20),
            },
            DisposeHttpClient = true,
            MaxSendMessageSize = null,
            MaxReceiveMessageSize = Options.MaxResponseBytes,
            ThrowOperationCanceledOnCancellation = true,
        });
        _client = new ProfilesService.ProfilesServiceClient(_channel);
    }

    protected override async Task<SendResult> SendAsync(byte[] body, CancellationToken cancellationToken)
    {
        var request = ExportProfilesServiceRequest.Parser.ParseFrom(body);
        var metadata = new Metadata();
        foreach (var (key, value) in _headers)
        {
            metadata.Add(key.ToLowerInvariant(), value);
        }

        if (_gzip)
        {
            metadata.Add(RequestCompressionHeader, "gzip");
        }

        try
        {
            var response = await _client.ExportAsync(request, metadata, DateTime.UtcNow + Options.Timeout, cancellationToken).ConfigureAwait(false);
            if (response.PartialSuccess is { } partial && (partial.RejectedProfiles > 0 || partial.ErrorMessage.Length > 0))
            {
                return SendResult.Ok($"partial success: {partial.RejectedProfiles} profiles rejected{(partial.ErrorMessage.Length > 0 ? ": " + partial.ErrorMessage : "")}");
            }

            return SendResult.Ok();
        }
        catch (RpcException e)
        {
            return Classify(e.StatusCode, $"gRPC {e.StatusCode} from {Endpoint.Authority}{(string.IsNullOrEmpty(e.Status.Detail) ? "" : ": " + e.Status.Detail)}");
        }
    }

    /// <summary>The OTLP specification's retryable codes retry; the rest are permanent.</summary>
    public static SendResult Classify(StatusCode code, string message) => code switch
    {
        StatusCode.OK => SendResult.Ok(),
        StatusCode.Cancelled or StatusCode.DeadlineExceeded or StatusCode.ResourceExhausted or StatusCode.Aborted
            or StatusCode.OutOfRange or StatusCode.Unavailable or StatusCode.DataLoss => SendResult.Retry(message),
        _ => SendResult.Fail(message),
    };

    protected override ValueTask DisposeTransportAsync()
    {
        _channel.Dispose();
        return ValueTask.CompletedTask;
    }

    private static Uri Address(DestinationConfig config)
    {
        DestinationEndpoints.TryBool(config.Field(DestinationFields.OtlpGrpcTlsEnabled), out var tls);
        return DestinationEndpoints.TryOtlpGrpcAddress(config.Field(DestinationFields.OtlpGrpcEndpoint), tls, out var address, out var error)
            ? address
            : throw new ArgumentException($"{DestinationFields.OtlpGrpcEndpoint}: {error}", nameof(config));
    }
}
