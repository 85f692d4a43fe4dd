using OdigosUi.Pipeline.Collector;
using OdigosUi.Pipeline.Slots;
using OdigosUi.Profiles.Model;
using OdigosUi.Resources.Sources;

namespace OdigosUi.Ui;

/// <summary>A workload as the Sources page and <c>GET /api/sources</c> show it.</summary>
public sealed record WorkloadRow(string Key, string Namespace, string Kind, string Name, bool Enabled, bool Profiling, DateTimeOffset? LastSeen, long Samples);

/// <summary>
/// Every workload known to this process: the cluster's (when there is one), those that Source resources select and those the node collector has seen
/// profiles of, with whether each is enabled and whether a profiling slot is open for it.
/// </summary>
public sealed class WorkloadListing(SourceRegistry registry, WorkloadDirectory? directory = null, ProfilingSlots? slots = null, IWorkloadCatalog? catalog = null)
{
    public IReadOnlyList<WorkloadRow> List()
    {
        var rows = new Dictionary<SourceKey, WorkloadRow>();
        foreach (var workload in catalog?.Workloads ?? [])
        {
            var key = new SourceKey(workload.Namespace, workload.Kind, workload.Name);
            rows[key] = new WorkloadRow(key.ToString(), key.Namespace, key.Kind, key.Name, registry.IsEnabled(workload), Profiling: false, null, 0);
        }

        foreach (var workload in registry.EnabledWorkloads)
        {
            var key = new SourceKey(workload.Namespace, workload.Kind, workload.Name);
            rows[key] = new WorkloadRow(key.ToString(), key.Namespace, key.Kind, key.Name, Enabled: true, Profiling: false, null, 0);
        }

        foreach (var workload in directory?.List() ?? [])
        {
            var source = workload.Source;
            rows[source] = new WorkloadRow(source.ToString(), source.Namespace, source.Kind, source.Name,
                registry.IsEnabled(source.Namespace, source.Kind, source.Name), false, workload.LastSeen, workload.Samples);
        }

        return [.. rows
            .Select(pair => pair.Value with { Profiling = slots?.IsOpen(pair.Key) ?? false })
            .OrderBy(row => row.Key, StringComparer.Ordinal)];
    }
}
