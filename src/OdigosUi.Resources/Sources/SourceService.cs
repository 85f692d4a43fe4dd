using System.Text.Json.Serialization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OdigosUi.Resources.Model;
using OdigosUi.Resources.Stores;

namespace OdigosUi.Resources.Sources;

/// <summary>Creates and removes <c>Source</c> resources for workloads (<c>PUT</c>/<c>DELETE /api/sources/{namespace}/{kind}/{name}</c>).</summary>
public sealed class SourceService
{
    private const int MaxAttempts = 5;

    private readonly IResourceStore _store;
    private readonly ILogger _logger;

    public SourceService(IResourceStore store, ILogger<SourceService>? logger = null)
    {
        _store = store;
        _logger = logger ?? NullLogger<SourceService>.Instance;
    }

    /// <summary>Checks a workload reference; keys are <c>namespace</c>, <c>kind</c>, <c>name</c>. Empty when valid.</summary>
    public static IReadOnlyDictionary<string, string[]> Validate(string @namespace, string kind, string name)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (!ResourceNames.IsValidNamespace(@namespace))
        {
            errors["namespace"] = ["Must be a namespace name: lower-case letters, digits and '-', at most 63 characters."];
        }

        if (!WorkloadKinds.IsValid(kind))
        {
            errors["kind"] = ["Must be a workload kind such as Deployment, DaemonSet, StatefulSet or Process."];
        }

        if (string.IsNullOrWhiteSpace(name) || name.Length > 253 || name.Any(char.IsControl))
        {
            errors["name"] = ["Must be a workload name of at most 253 characters, without control characters."];
        }

        return errors;
    }

    /// <summary>The Sources that select exactly this workload.</summary>
    public async Task<IReadOnlyList<Source>> FindAsync(WorkloadRef workload, CancellationToken cancellationToken = default)
    {
        var sources = await _store.ListAsync<Source>(workload.Namespace, cancellationToken).ConfigureAwait(false);
        return [.. sources.Where(s => WorkloadRef.Comparer.Equals(ToRef(s), workload))];
    }

    /// <summary>
    /// Makes sure an enabled Source selects the workload: creates one (generateName <c>source-</c>, in the workload's
    /// namespace) or re-enables an existing one. Idempotent. <c>Created</c> tells which.
    /// </summary>
    /// <exception cref="ArgumentException">The workload reference is not valid (see <see cref="Validate"/>).</exception>
    public async Task<(SourceDto Source, bool Created)> EnsureAsync(WorkloadRef workload, string? otelServiceName = null, CancellationToken cancellationToken = default)
    {
        workload = Canonical(workload);
        if (Validate(workload.Namespace, workload.Kind, workload.Name).Count > 0)
        {
            throw new ArgumentException($"Not a valid workload: {workload}", nameof(workload));
        }

        for (int attempt = 1; ; attempt++)
        {
            var existing = await FindAsync(workload, cancellationToken).ConfigureAwait(false);
            try
            {
                if (existing.Count == 0)
                {
                    var source = new Source
                    {
                        Metadata = { GenerateName = Source.GenerateNamePrefix, Namespace = workload.Namespace, Labels = Labels(workload) },
                        Spec = new SourceSpec
                        {
                            Workload = new PodWorkload { Name = workload.Name, Namespace = workload.Namespace, Kind = workload.Kind },
                            OtelServiceName = string.IsNullOrWhiteSpace(otelServiceName) ? null : otelServiceName.Trim(),
                        },
                    };
                    var created = await _store.CreateAsync(source, cancellationToken).ConfigureAwait(false);
                    _logger.LogInformation("Created Source {Source} for {Workload}", created.Metadata.Name, workload);
                    return (SourceDto.From(created), true);
                }

                Source first = existing[0];
                bool changed = false;
                foreach (var source in existing.Where(s => s.Spec.DisableInstrumentation))
                {
                    source.Spec.DisableInstrumentation = false;
                    await _store.UpdateAsync(source, cancellationToken).ConfigureAwait(false);
                    changed = true;
                }

                if (!string.IsNullOrWhiteSpace(otelServiceName) && first.Spec.OtelServiceName != otelServiceName.Trim())
                {
                    first = await _store.GetAsync<Source>(workload.Namespace, first.Metadata.Name!, cancellationToken).ConfigureAwait(false) ?? first;
                    first.Spec.OtelServiceName = otelServiceName.Trim();
                    first = await _store.UpdateAsync(first, cancellationToken).ConfigureAwait(false);
                    changed = true;
                }

                if (changed)
                {
                    _logger.LogInformation("Enabled Source {Source} for {Workload}", first.Metadata.Name, workload);
                    first = await _store.GetAsync<Source>(workload.Namespace, first.Metadata.Name!, cancellationToken).ConfigureAwait(false) ?? first;
                }

                return (SourceDto.From(first), false);
            }
            catch (ResourceException ex) when (ex is ResourceConflictException or ResourceNotFoundException && attempt < MaxAttempts)
            {
                // Someone changed the Sources meanwhile: look again.
            }
        }
    }

    /// <summary>Deletes every Source that selects exactly this workload. False when there was none.</summary>
    public async Task<bool> RemoveAsync(WorkloadRef workload, CancellationToken cancellationToken = default)
    {
        workload = Canonical(workload);
        if (!ResourceNames.IsValidNamespace(workload.Namespace))
        {
            return false;
        }

        bool any = false;
        foreach (var source in await FindAsync(workload, cancellationToken).ConfigureAwait(false))
        {
            any |= await _store.DeleteAsync<Source>(workload.Namespace, source.Metadata.Name!, cancellationToken).ConfigureAwait(false);
        }

        if (any)
        {
            _logger.LogInformation("Removed the Source of {Workload}", workload);
        }

        return any;
    }

    internal static WorkloadRef ToRef(Source source) =>
        new(
            string.IsNullOrEmpty(source.Spec.Workload.Namespace) ? source.Metadata.Namespace ?? "" : source.Spec.Workload.Namespace,
            source.Spec.Workload.Kind,
            source.Spec.Workload.Name);

    private static WorkloadRef Canonical(WorkloadRef workload) =>
        new(workload.Namespace?.Trim() ?? "", WorkloadKinds.Normalize(workload.Kind ?? ""), workload.Name?.Trim() ?? "");

    private static Dictionary<string, string>? Labels(WorkloadRef workload)
    {
        // Odigos finds Sources by these labels; a value that is not a valid label value (a process name with spaces)
        // is left out, the spec still says it.
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        void Add(string key, string value)
        {
            if (ResourceNames.IsValidLabelValue(value))
            {
                labels[key] = value;
            }
        }

        Add(SourceLabels.WorkloadName, workload.Name);
        Add(SourceLabels.WorkloadNamespace, workload.Namespace);
        Add(SourceLabels.WorkloadKind, workload.Kind);
        return labels.Count == 0 ? null : labels;
    }
}

/// <summary>A Source as the API returns it.</summary>
public sealed class SourceDto
{
    [JsonPropertyName("namespace")]
    public string Namespace { get; set; } = "";

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = "";

    [JsonPropertyName("name")]
    public string Name { get; set; } = "";

    /// <summary>The Source resource's own name (<c>source-x7k2p</c>).</summary>
    [JsonPropertyName("resourceName")]
    public string ResourceName { get; set; } = "";

    [JsonPropertyName("otelServiceName")]
    public string? OtelServiceName { get; set; }

    [JsonPropertyName("disableInstrumentation")]
    public bool DisableInstrumentation { get; set; }

    internal static SourceDto From(Source source)
    {
        var workload = SourceService.ToRef(source);
        return new SourceDto
        {
            Namespace = workload.Namespace,
            Kind = workload.Kind,
            Name = workload.Name,
            ResourceName = source.Metadata.Name ?? "",
            OtelServiceName = source.Spec.OtelServiceName,
            DisableInstrumentation = source.Spec.DisableInstrumentation,
        };
    }
}

/// <summary>The optional body of <c>PUT /api/sources/{namespace}/{kind}/{name}</c>.</summary>
public sealed class SourceRequest
{
    [JsonPropertyName("otelServiceName")]
    public string? OtelServiceName { get; set; }
}
