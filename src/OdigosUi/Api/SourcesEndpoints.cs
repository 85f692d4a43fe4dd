using OdigosUi.Pipeline.Collector;
using OdigosUi.Pipeline.Slots;
using OdigosUi.Profiles.Model;
using OdigosUi.Resources.Sources;

namespace OdigosUi.Api;

/// <summary>
/// <c>GET /api/sources</c>: every workload known to this process, from Source resources and from the profiles the
/// node collector has seen, with whether it is enabled (a Source selects it) and whether a profiling slot is open.
/// </summary>
public static class SourcesEndpoints
{
    public static IEndpointRouteBuilder MapSourcesList(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/api/sources", (IServiceProvider services) =>
        {
            var registry = services.GetRequiredService<SourceRegistry>();
            var seen = services.GetService<WorkloadDirectory>()?.List() ?? [];
            var slots = services.GetService<ProfilingSlots>();
            var rows = new Dictionary<SourceKey, SourceRow>();
            foreach (var workload in registry.EnabledWorkloads)
            {
                var key = new SourceKey(workload.Namespace, workload.Kind, workload.Name);
                rows[key] = new SourceRow(key.ToString(), key.Namespace, key.Kind, key.Name, Enabled: true, Profiling: false, null, 0);
            }

            foreach (var workload in seen)
            {
                var enabled = registry.IsEnabled(workload.Source.Namespace, workload.Source.Kind, workload.Source.Name);
                rows[workload.Source] = new SourceRow(workload.Source.ToString(), workload.Source.Namespace, workload.Source.Kind, workload.Source.Name,
                    enabled, false, workload.LastSeen, workload.Samples);
            }

            return Results.Ok(rows.Values
                .Select(row => row with { Profiling = slots?.IsOpen(new SourceKey(row.Namespace, row.Kind, row.Name)) ?? false })
                .OrderBy(row => row.Key, StringComparer.Ordinal));
        });

        return endpoints;
    }

    private sealed record SourceRow(string Key, string Namespace, string Kind, string Name, bool Enabled, bool Profiling, DateTimeOffset? LastSeen, long Samples);
}
