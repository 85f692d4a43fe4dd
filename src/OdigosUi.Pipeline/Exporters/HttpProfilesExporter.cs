using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.Logging;
using OdigosUi.Profiles.Otlp.Collector;

namespace OdigosUi.Pipeline.Exporters;

/// <summary>
/// POSTs binary OTLP protobuf (<c>Content-Type: application/x-protobuf</c> exactly, no charset; optional
/// <c>Content-Encoding: gzip</c>) and classifies the answer:
/// <list type="table">
/// <item><term>2xx</term><description>success (an empty body is fine; an OTLP partial success is recorded as a warning)</description></item>
/// <item><term>429, 502, 503, 504</term><description>retry with backoff, honoring <c>Retry-After</c></description></item>
/// <item><term>500</term><description>permanent: Pyroscope answers 500 to requests it cannot convert, which do not get better on retry (OTLP/HTTP also lists only 429/502/503/504 as retryable)</description></item>
/// <item><term>3xx</term><description>permanent: redirects are never followed (the credentials and the body would go to a host nobody configured)</description></item>
/// <item><term>other 4xx and 5xx</term><description>permanent; the error holds the status and the first line of the body</description></item>
/// <item><term>connection errors, timeouts</term><description>retry</description></item>
/// </list>
/// </summary>
public abstract class HttpProfilesExporter : DestinationExporter
{
    public const string ProtobufContentType = "application/x-protobuf";

    /// <summary>Of an error answer only the first line is shown: more is never read.</summary>
    private const int MaxErrorBodyBytes = 4096;
    private const int MaxErrorLineChars = 300;

    private readonly HttpClient _client;
    private readonly IReadOnlyList<KeyValuePair<string, string>> _headers;
    private readonly AuthenticationHeaderValue? _authorization;

    protected HttpProfilesExporter(
        DestinationConfig config,
        Uri url,
        bool gzip,
        IReadOnlyList<KeyValuePair<string, string>> headers,
        string? basicAuthUser,
        string? basicAuthPassword,
        ExporterOptions? options,
        TimeProvider? time,
        ILogger? logger)
        : base(config, url, gzip, options, time, logger)
    {
        _headers = headers;
        if (basicAuthUser is not null)
        {
            _authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{basicAuthUser}:{basicAuthPassword}")));
        }

        _client = new HttpClient(new SocketsHttpHandler
        {
            AllowAutoRedirect = false,

            // A disposed answer is not drained for reuse beyond what the exporter reads itself.
            MaxResponseDrainSize = Options.MaxResponseBytes,
            AutomaticDecompression = DecompressionMethods.All,
            ConnectTimeout = Options.Timeout,
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
            UseProxy = true,
        })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    /// <summary>The full URL requests are POSTed to.</summary>
    public Uri Url => Endpoint;

    /// <summary>The request exactly as it is sent (tests read its headers).</summary>
    internal HttpRequestMessage BuildRequest(byte[] body)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue(ProtobufContentType);
        if (GzipPayload)
        {
            content.Headers.ContentEncoding.Add("gzip");
        }

        var request = new HttpRequestMessage(HttpMethod.Post, Url) { Content = content };
        foreach (var (key, value) in _headers)
        {
            request.Headers.TryAddWithoutValidation(key, value);
        }

        if (_authorization is not null)
        {
            request.Headers.Authorization = _authorization;
        }

        return request;
    }

    protected override async Task<SendResult> SendAsync(byte[] body, CancellationToken cancellationToken)
    {
        using var request = BuildRequest(body);
        using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        return await ClassifyAsync(response, cancellationToken).ConfigureAwait(false);
    }

    protected override ValueTask DisposeTransportAsync()
    {
        _client.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task<SendResult> ClassifyAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var status = (int)response.StatusCode;
        if (status is >= 200 and < 300)
        {
            return SendResult.Ok(await PartialSuccessAsync(response, cancellationToken).ConfigureAwait(false));
        }

        var line = await FirstLineAsync(response, cancellationToken).ConfigureAwait(false);
        var message = $"HTTP {status} ({response.ReasonPhrase ?? response.StatusCode.ToString()}) from {Url.Authority}{(line.Length > 0 ? ": " + line : "")}";
        switch (status)
        {
            case 429 or 502 or 503 or 504:
                return SendResult.Retry(message, RetryAfter(response));
            case 500:
                return SendResult.Fail(message + " [a 500 means the backend could not convert the profiles]");
            case >= 300 and < 400:
                return SendResult.Fail($"{message} [a redirect (to '{response.Headers.Location}') is not followed: credentials are only sent to the configured URL; configure the final URL]");
            default:
                return SendResult.Fail(message);
        }
    }

    private TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        var retryAfter = response.Headers.RetryAfter;
        if (retryAfter?.Delta is { } delta)
        {
            return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
        }

        if (retryAfter?.Date is { } date)
        {
            var wait = date - Time.GetUtcNow();
            return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
        }

        return null;
    }

    /// <summary>
    /// An OTLP/HTTP 200 may carry <c>ExportProfilesServiceResponse.partial_success</c>; Pyroscope answers with an empty
    /// body. At most <see cref="ExporterOptions.MaxResponseBytes"/> are read; a longer body is left unread (the
    /// connection is then closed rather than reused).
    /// </summary>
    private async Task<string?> PartialSuccessAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var (bytes, complete) = await ReadAtMostAsync(response, Options.MaxResponseBytes, cancellationToken).ConfigureAwait(false);
        if (response.Content.Headers.ContentType?.MediaType != ProtobufContentType || bytes.Length == 0)
        {
            return null;
        }

        if (!complete)
        {
            return $"the answer was longer than {Options.MaxResponseBytes} bytes and was not read";
        }

        try
        {
            var answer = ExportProfilesServiceResponse.Parser.ParseFrom(bytes);
            if (answer.PartialSuccess is { } partial && (partial.RejectedProfiles > 0 || partial.ErrorMessage.Length > 0))
            {
                return $"partial success: {partial.RejectedProfiles} profiles rejected{(partial.ErrorMessage.Length > 0 ? ": " + partial.ErrorMessage : "")}";
            }
        }
        catch (Google.Protobuf.InvalidProtocolBufferException)
        {
        }

        return null;
    }

    private async Task<string> FirstLineAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var (bytes, _) = await ReadAtMostAsync(response, Math.Min(Options.MaxResponseBytes, MaxErrorBodyBytes), cancellationToken).ConfigureAwait(false);
        var text = Encoding.UTF8.GetString(bytes);
        foreach (var candidate in text.Split('\n'))
        {
            var line = candidate.Trim();
            if (line.Length > 0)
            {
                return line.Length > MaxErrorLineChars ? line[..MaxErrorLineChars] + "…" : line;
            }
        }

        return "";
    }

    /// <summary>Up to <paramref name="max"/> bytes of the (decompressed) body; <c>Complete</c> when that was all of it.</summary>
    private static async Task<(byte[] Bytes, bool Complete)> ReadAtMostAsync(HttpResponseMessage response, int max, CancellationToken cancellationToken)
    {
        try
        {
            await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            var buffer = new byte[max + 1];
            var read = 0;
            while (read < buffer.Length)
            {
                var n = await stream.ReadAsync(buffer.AsMemory(read), cancellationToken).ConfigureAwait(false);
                if (n == 0)
                {
                    return (buffer[..read], true);
                }

                read += n;
            }

            return (buffer[..max], false);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or InvalidDataException)
        {
            return ([], false);
        }
    }
}

/// <summary>
/// Grafana Pyroscope (1.20+ / 2.x): POST gzip protobuf to <c>http(s)://HOST:PORT/v1development/profiles</c>, with
/// basic auth and <c>X-Scope-OrgID</c> when configured. The only exporter that shapes requests (<see cref="PyroscopeCompat"/>).
/// </summary>
public sealed class PyroscopeExporter : HttpProfilesExporter
{
    public const string TenantHeader = "X-Scope-OrgID";

    public override PayloadShape Shape => PayloadShape.Pyroscope;

    public PyroscopeExporter(DestinationConfig config, ExporterOptions? options = null, TimeProvider? time = null, ILogger? logger = null)
        : base(config, ResolveUrl(config), gzip: true, Headers(config),
            config.Field(DestinationFields.PyroscopeBasicAuthUsername), config.Field(DestinationFields.PyroscopeBasicAuthPassword) ?? "",
            options, time, logger)
    {
    }

    private static Uri ResolveUrl(DestinationConfig config)
    {
        DestinationEndpoints.TryBool(config.Field(DestinationFields.PyroscopeTlsEnabled), out var tls);
        return DestinationEndpoints.TryPyroscopeUrl(config.Field(DestinationFields.PyroscopeUrl), tls, out var url, out var error)
            ? url
            : throw new ArgumentException($"{DestinationFields.PyroscopeUrl}: {error}", nameof(config));
    }

    private static IReadOnlyList<KeyValuePair<string, string>> Headers(DestinationConfig config) =>
        config.Field(DestinationFields.PyroscopeTenantId) is { } tenant ? [new(TenantHeader, tenant)] : [];
}

/// <summary>
/// A generic OTLP/HTTP backend: POST protobuf to <c>&lt;OTLP_HTTP_ENDPOINT&gt;/v1development/profiles</c> (or
/// <c>OTLP_HTTP_PROFILES_ENDPOINT</c>), gzip unless <c>OTLP_HTTP_COMPRESSION</c> is none, custom headers, basic auth.
/// </summary>
public sealed class OtlpHttpExporter : HttpProfilesExporter
{
    public OtlpHttpExporter(DestinationConfig config, ExporterOptions? options = null, TimeProvider? time = null, ILogger? logger = null)
        : base(config, ResolveUrl(config), Gzip(config), Headers(config),
            config.Field(DestinationFields.OtlpHttpBasicAuthUsername), config.Field(DestinationFields.OtlpHttpBasicAuthPassword) ?? "",
            options, time, logger)
    {
    }

    private static Uri ResolveUrl(DestinationConfig config)
    {
        DestinationEndpoints.TryBool(config.Field(DestinationFields.OtlpHttpTlsEnabled), out var tls);
        return DestinationEndpoints.TryOtlpHttpUrl(config.Field(DestinationFields.OtlpHttpEndpoint), config.Field(DestinationFields.OtlpHttpProfilesEndpoint), tls, out var url, out var error)
            ? url
            : throw new ArgumentException($"{DestinationFields.OtlpHttpEndpoint}: {error}", nameof(config));
    }

    private static bool Gzip(DestinationConfig config) =>
        DestinationEndpoints.TryCompression(config.Field(DestinationFields.OtlpHttpCompression), out var gzip, out var error)
            ? gzip
            : throw new ArgumentException($"{DestinationFields.OtlpHttpCompression}: {error}", nameof(config));

    private static IReadOnlyList<KeyValuePair<string, string>> Headers(DestinationConfig config) =>
        DestinationHeaders.TryParse(config.Field(DestinationFields.OtlpHttpHeaders), grpc: false, out var headers, out var error)
            ? headers
            : throw new ArgumentException($"{DestinationFields.OtlpHttpHeaders}: {error}", nameof(config));
}
