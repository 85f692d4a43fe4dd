namespace OdigosUi.Profiles.Model;

/// <summary>The workload a profile belongs to, written <c>namespace/Kind/name</c>.</summary>
public readonly record struct SourceKey(string Namespace, string Kind, string Name)
{
    public const string LocalNamespace = "local";
    public const string ProcessKind = "Process";
    public const string UnknownService = "unknown_service";

    private static readonly (string Attribute, string Kind)[] WorkloadAttributes =
    [
        ("k8s.deployment.name", "Deployment"),
        ("k8s.statefulset.name", "StatefulSet"),
        ("k8s.daemonset.name", "DaemonSet"),
        ("k8s.cronjob.name", "CronJob"),
        ("k8s.job.name", "Job"),
        ("k8s.pod.name", "Pod"),
    ];

    public override string ToString() => $"{Namespace}/{Kind}/{Name}";

    public static bool TryParse(string? text, out SourceKey key)
    {
        var parts = text?.Split('/');
        if (parts is not { Length: 3 } || parts.Any(string.IsNullOrEmpty))
        {
            key = default;
            return false;
        }

        key = new SourceKey(parts[0], parts[1], parts[2]);
        return true;
    }

    /// <summary>Applies the design's rules to resource attributes read through <paramref name="attribute"/>.</summary>
    public static SourceKey FromAttributes(Func<string, string?> attribute)
    {
        var ns = attribute("k8s.namespace.name");
        if (!string.IsNullOrEmpty(ns))
        {
            var odigosKind = attribute("odigos.workload.kind");
            var odigosName = attribute("odigos.workload.name");
            if (!string.IsNullOrEmpty(odigosKind) && !string.IsNullOrEmpty(odigosName))
            {
                return new SourceKey(ns, odigosKind, odigosName);
            }

            foreach (var (name, kind) in WorkloadAttributes)
            {
                var value = attribute(name);
                if (!string.IsNullOrEmpty(value))
                {
                    return new SourceKey(ns, kind, value);
                }
            }
        }

        var service = attribute("service.name");
        if (string.IsNullOrEmpty(service))
        {
            service = attribute("process.executable.name");
        }

        return new SourceKey(LocalNamespace, ProcessKind, string.IsNullOrEmpty(service) ? UnknownService : service);
    }
}
