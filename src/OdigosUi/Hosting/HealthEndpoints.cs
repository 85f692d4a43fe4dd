using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using OdigosUi.Pipeline.Receivers;

namespace OdigosUi.Hosting;

/// <summary>
/// <c>GET /healthz</c> (liveness: the process serves requests) and <c>GET /readyz</c> (readiness: every health
/// check tagged <see cref="ReadyTag"/> passes). Workers that need warming up register a check with that tag. Both also
/// answer on the OTLP/HTTP port, so kubelet can probe a pod whose UI port listens on loopback only (the chart's ui).
/// </summary>
public static class HealthEndpoints
{
    public const string LivenessPath = "/healthz";
    public const string ReadinessPath = "/readyz";

    /// <summary>Tag of the health checks that gate <c>/readyz</c>.</summary>
    public const string ReadyTag = "ready";

    internal static IEndpointRouteBuilder MapHealthEndpoints(this IEndpointRouteBuilder endpoints)
    {
        // Liveness runs no checks: answering at all is the signal. The default writer prints "Healthy".
        var liveness = new HealthCheckOptions { Predicate = _ => false };
        var readiness = new HealthCheckOptions { Predicate = check => check.Tags.Contains(ReadyTag), ResponseWriter = WriteReadiness };
        endpoints.MapHealthChecks(LivenessPath, liveness).AllowAnonymous();
        endpoints.MapHealthChecks(ReadinessPath, readiness).AllowAnonymous();

        // The copies for the OTLP/HTTP port; ordered after the UI port's, which wins where a connection is not tagged.
        var otlpHttp = new OtlpReceiverEndpointMetadata(ReceiverEndpointKind.OtlpHttp);
        endpoints.MapHealthChecks(LivenessPath, liveness).WithMetadata(otlpHttp).WithOrder(1).AllowAnonymous();
        endpoints.MapHealthChecks(ReadinessPath, readiness).WithMetadata(otlpHttp).WithOrder(1).AllowAnonymous();
        return endpoints;
    }

    /// <summary>"Ready" or "Not ready", then one line per check that is not healthy, saying why (e.g. the profiler).</summary>
    private static Task WriteReadiness(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "text/plain; charset=utf-8";
        var text = report.Status == HealthStatus.Unhealthy ? "Not ready" : "Ready";
        foreach (var (name, entry) in report.Entries.Where(e => e.Value.Status != HealthStatus.Healthy).OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            text += $"\n{name}: {entry.Status}: {entry.Description}";
        }

        return context.Response.WriteAsync(text);
    }
}
