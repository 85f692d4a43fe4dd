namespace OdigosUi.Hosting;

/// <summary>Where batches go when roles run apart: node → gateway, gateway → UI (OTLP/gRPC URLs).</summary>
public sealed class ForwardingOptions
{
    public const string GatewayUrlKey = "Collector:GatewayUrl";
    public const string UiUrlKey = "Gateway:UiUrl";

    /// <summary>The gateway's OTLP/gRPC receiver, for role <c>node</c>. Default http://127.0.0.1:4317.</summary>
    public string GatewayUrl { get; set; } = "http://127.0.0.1:4317";

    /// <summary>The UI's OTLP/gRPC receiver, for role <c>gateway</c>; unset means the gateway feeds no UI buffer.</summary>
    public string? UiUrl { get; set; }

    public static ForwardingOptions From(IConfiguration configuration) => new()
    {
        GatewayUrl = configuration[GatewayUrlKey] is { Length: > 0 } gateway ? gateway : "http://127.0.0.1:4317",
        UiUrl = configuration[UiUrlKey] is { Length: > 0 } ui ? ui : null,
    };
}
