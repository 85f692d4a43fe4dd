using System.Diagnostics.Metrics;
using System.Net;
using Grpc.AspNetCore.Server;
using Grpc.AspNetCore.Server.Model;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Matching;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OdigosUi.Pipeline.Ingest;
using OdigosUi.Profiles.Validation;

namespace OdigosUi.Pipeline.Receivers;

/// <summary>Which listening endpoint a connection came in on.</summary>
public enum ReceiverEndpointKind
{
    /// <summary>The UI, REST API and health endpoint (<c>Ui:Url</c>): everything that is not a receiver.</summary>
    Ui,

    /// <summary><c>Otlp:GrpcUrl</c>: only the OTLP/gRPC profiles service.</summary>
    OtlpGrpc,

    /// <summary><c>Otlp:HttpUrl</c>: only <c>POST /v1development/profiles</c>.</summary>
    OtlpHttp,
}

/// <summary>Marks a route as served only on connections of <see cref="Kind"/>; routes without it belong to <see cref="ReceiverEndpointKind.Ui"/>.</summary>
public sealed record OtlpReceiverEndpointMetadata(ReceiverEndpointKind Kind);

/// <summary>Set on every connection accepted by an endpoint that <see cref="OtlpReceiverEndpoints.ConfigureOtlpReceivers"/> configured.</summary>
public interface IReceiverEndpointFeature
{
    ReceiverEndpointKind Kind { get; }
}

/// <summary>The addresses Kestrel actually bound (port 0 resolved), by endpoint; read them after the host started.</summary>
public sealed class ReceiverEndpointAddresses
{
    private readonly Lock _lock = new();
    private readonly List<(ReceiverEndpointKind Kind, string Scheme, Microsoft.AspNetCore.Server.Kestrel.Core.ListenOptions Listen)> _endpoints = [];

    public Uri? Grpc => For(ReceiverEndpointKind.OtlpGrpc).FirstOrDefault();

    public Uri? Http => For(ReceiverEndpointKind.OtlpHttp).FirstOrDefault();

    public IReadOnlyList<Uri> Ui => For(ReceiverEndpointKind.Ui);

    public IReadOnlyList<Uri> For(ReceiverEndpointKind kind)
    {
        lock (_lock)
        {
            return [.. _endpoints.Where(e => e.Kind == kind && e.Listen.IPEndPoint is not null).Select(e => ToUri(e.Scheme, e.Listen.IPEndPoint!))];
        }
    }

    internal void Add(ReceiverEndpointKind kind, string scheme, Microsoft.AspNetCore.Server.Kestrel.Core.ListenOptions listen)
    {
        lock (_lock)
        {
            _endpoints.Add((kind, scheme, listen));
        }
    }

    private static Uri ToUri(string scheme, IPEndPoint endPoint)
    {
        var host = endPoint.Address.Equals(IPAddress.Any) ? "0.0.0.0"
            : endPoint.Address.Equals(IPAddress.IPv6Any) ? "[::]"
            : endPoint.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{endPoint.Address}]"
            : endPoint.Address.ToString();
        return new Uri($"{scheme}://{host}:{endPoint.Port}");
    }
}

/// <summary>
/// Hosting of the OTLP receivers beside the UI: three Kestrel endpoints (<c>Ui:Url</c>, <c>Otlp:GrpcUrl</c> HTTP/2
/// only, <c>Otlp:HttpUrl</c> HTTP/1.1 and HTTP/2), each connection tagged with its endpoint by a connection middleware
/// (as the Aspire Dashboard does), and a routing policy that serves receiver routes only on their own endpoint and
/// every other route only on the UI endpoint. Works with port 0: nothing depends on port numbers.
/// </summary>
public static class OtlpReceiverEndpoints
{
    /// <summary>
    /// Listens on every URL of <paramref name="uiUrls"/> and on <c>Otlp:GrpcUrl</c> and <c>Otlp:HttpUrl</c>, and registers
    /// the receivers (<see cref="AddOtlpIngest"/>) handing batches to the consumer <paramref name="pipeline"/> returns.
    /// Replaces <c>WebHost.UseUrls</c>: explicit Kestrel endpoints override it (Kestrel logs a warning when both are set).
    /// Map the routes with <see cref="MapOtlpReceivers"/>.
    /// </summary>
    public static WebApplicationBuilder ConfigureOtlpReceivers(this WebApplicationBuilder builder, IReadOnlyList<string> uiUrls, Func<IServiceProvider, IProfilesConsumer> pipeline)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(uiUrls);
        ArgumentNullException.ThrowIfNull(pipeline);
        var services = builder.Services;
        services.AddOtlpIngest(builder.Configuration, pipeline);
        services.AddSingleton(new ReceiverListenPlan([.. uiUrls]));
        services.AddOptions<OtlpReceiverOptions>().Bind(builder.Configuration.GetSection(OtlpReceiverOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<OtlpReceiverOptions>, OtlpReceiverOptionsValidator>());
        services.TryAddSingleton<ReceiverEndpointAddresses>();

        var configuration = builder.Configuration;
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            // Read without validation: an invalid address is skipped here and reported, with every other invalid
            // setting, by start-up validation (ValidateOnStart) before Kestrel binds anything.
            var receivers = new OtlpReceiverOptions();
            configuration.GetSection(OtlpReceiverOptions.SectionName).Bind(receivers);
            var addresses = kestrel.ApplicationServices.GetRequiredService<ReceiverEndpointAddresses>();
            foreach (var url in uiUrls.SelectMany(u => u.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
            {
                Listen(kestrel, url, ReceiverEndpointKind.Ui, null, addresses);
            }

            Listen(kestrel, receivers.GrpcUrl, ReceiverEndpointKind.OtlpGrpc, HttpProtocols.Http2, addresses);
            // Cleartext HTTP/2 cannot share a port with HTTP/1.1 (no ALPN), so http:// serves HTTP/1.1 and https:// both.
            var httpProtocols = receivers.HttpUrl?.TrimStart().StartsWith("https:", StringComparison.OrdinalIgnoreCase) == true
                ? HttpProtocols.Http1AndHttp2
                : HttpProtocols.Http1;
            Listen(kestrel, receivers.HttpUrl, ReceiverEndpointKind.OtlpHttp, httpProtocols, addresses);

            // Server-wide (Kestrel has no per-endpoint limits); the UI's own requests are small and quick.
            var limits = UnvalidatedIngestOptions(configuration);
            kestrel.Limits.Http2.MaxStreamsPerConnection = Math.Clamp(limits.MaxConcurrentStreams, 1, 10_000);
            kestrel.Limits.MinRequestBodyDataRate = limits.MinRequestBodyBytesPerSecond > 0
                ? new MinDataRate(limits.MinRequestBodyBytesPerSecond, TimeSpan.FromSeconds(5))
                : null;
        });

        return builder;
    }

    /// <summary>
    /// Registers the transport-agnostic <see cref="ProfilesIngestService"/> (options from the <c>Otlp</c> section and the profile
    /// limits from <c>Ingest:Limits</c>, validated at start-up; refuses requests once the host is stopping), gRPC with the receive limit <c>Otlp:MaxRequestBytes</c>,
    /// and the endpoint routing policy. <see cref="ConfigureOtlpReceivers"/> calls it.
    /// </summary>
    public static IServiceCollection AddOtlpIngest(this IServiceCollection services, IConfiguration configuration, Func<IServiceProvider, IProfilesConsumer> pipeline)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(pipeline);
        services.AddOptions<IngestOptions>().Bind(configuration.GetSection(IngestOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<IngestOptions>, IngestOptionsValidator>());
        services.AddOptions<ProfileLimits>().Bind(configuration.GetSection(ProfileLimits.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ProfileLimits>, ProfileLimitsValidator>());
        services.TryAddSingleton(provider =>
        {
            var ingest = new ProfilesIngestService(
                pipeline(provider),
                provider.GetRequiredService<IOptions<IngestOptions>>().Value,
                provider.GetService<IMeterFactory>(),
                provider.GetService<ILogger<ProfilesIngestService>>(),
                provider.GetRequiredService<IOptions<ProfileLimits>>().Value);
            provider.GetService<IHostApplicationLifetime>()?.ApplicationStopping.Register(ingest.BeginShutdown);
            return ingest;
        });

        services.AddGrpc();
        services.TryAddSingleton<OtlpGrpcReceiver>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IServiceMethodProvider<OtlpGrpcReceiver>, OtlpGrpcMethodProvider>());

        // After AddGrpc, so this runs after gRPC copies its global defaults (4 MB) into the per-service options.
        // Read without validation (mapping the service resolves these options): start-up validation reports bad values.
        services.AddOptions<GrpcServiceOptions<OtlpGrpcReceiver>>().Configure(grpc =>
            grpc.MaxReceiveMessageSize = (int)Math.Clamp(UnvalidatedIngestOptions(configuration).MaxRequestBytes, 1024, IngestOptions.MaxAllowedRequestBytes));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<MatcherPolicy, ReceiverEndpointMatcherPolicy>());
        return services;
    }

    private static IngestOptions UnvalidatedIngestOptions(IConfiguration configuration)
    {
        var options = new IngestOptions();
        try
        {
            configuration.GetSection(IngestOptions.SectionName).Bind(options);
        }
        catch (InvalidOperationException)
        {
            // A value that does not convert; start-up validation fails on it.
        }

        return options;
    }

    /// <summary>Maps the OTLP/HTTP route and the OTLP/gRPC service.</summary>
    public static IEndpointRouteBuilder MapOtlpReceivers(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapOtlpHttpReceiver();
        endpoints.MapOtlpGrpcReceiver();
        return endpoints;
    }

    private static void Listen(KestrelServerOptions kestrel, string? url, ReceiverEndpointKind kind, HttpProtocols? protocols, ReceiverEndpointAddresses addresses)
    {
        BindingAddress address;
        try
        {
            address = BindingAddress.Parse(url?.Trim() ?? "");
        }
        catch (FormatException)
        {
            return;
        }

        if (address.Scheme is not ("http" or "https") || address.IsUnixPipe || address.IsNamedPipe || address.Port is < 0 or > 65535)
        {
            return;
        }

        var feature = new ReceiverEndpointFeature(kind);
        void Configure(ListenOptions listen)
        {
            if (protocols is { } p)
            {
                listen.Protocols = p;
            }

            listen.Use(next => connection =>
            {
                connection.Features.Set<IReceiverEndpointFeature>(feature);
                return next(connection);
            });
            if (address.Scheme == "https")
            {
                listen.UseHttps();
            }

            addresses.Add(kind, address.Scheme, listen);
        }

        if (string.Equals(address.Host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            kestrel.ListenLocalhost(address.Port, Configure);
        }
        else if (IPAddress.TryParse(address.Host, out var ip))
        {
            kestrel.Listen(ip, address.Port, Configure);
        }
        else
        {
            // As UseUrls does: *, + and host names bind every address.
            kestrel.ListenAnyIP(address.Port, Configure);
        }
    }

    private sealed class ReceiverEndpointFeature(ReceiverEndpointKind kind) : IReceiverEndpointFeature
    {
        public ReceiverEndpointKind Kind { get; } = kind;
    }
}

/// <summary>
/// On a tagged connection, keeps only the routes of that connection's endpoint: receiver routes carry
/// <see cref="OtlpReceiverEndpointMetadata"/>, every other route is a UI route. With no route left the request is a 404
/// (which gRPC clients see as UNIMPLEMENTED). Untagged connections (a test server, an endpoint configured elsewhere)
/// keep every route.
/// </summary>
internal sealed class ReceiverEndpointMatcherPolicy : MatcherPolicy, IEndpointSelectorPolicy
{
    public override int Order => 100;

    public bool AppliesToEndpoints(IReadOnlyList<Endpoint> endpoints) => true;

    public Task ApplyAsync(HttpContext httpContext, CandidateSet candidates)
    {
        if (httpContext.Features.Get<IReceiverEndpointFeature>() is not { } connection)
        {
            return Task.CompletedTask;
        }

        for (var i = 0; i < candidates.Count; i++)
        {
            if (!candidates.IsValidCandidate(i))
            {
                continue;
            }

            var kind = candidates[i].Endpoint.Metadata.GetMetadata<OtlpReceiverEndpointMetadata>()?.Kind ?? ReceiverEndpointKind.Ui;
            if (kind != connection.Kind)
            {
                candidates.SetValidity(i, false);
            }
        }

        return Task.CompletedTask;
    }
}
