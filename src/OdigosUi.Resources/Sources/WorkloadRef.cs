namespace OdigosUi.Resources.Sources;

/// <summary>A workload: namespace, kind and name. Printed as the Source key <c>namespace/Kind/name</c>.</summary>
public readonly record struct WorkloadRef(string Namespace, string Kind, string Name)
{
    public override string ToString() => $"{Namespace}/{Kind}/{Name}";

    /// <summary>Compares namespace and name ordinally and the kind ignoring case (<c>deployment</c> = <c>Deployment</c>).</summary>
    public static IEqualityComparer<WorkloadRef> Comparer { get; } = new WorkloadRefComparer();

    private sealed class WorkloadRefComparer : IEqualityComparer<WorkloadRef>
    {
        public bool Equals(WorkloadRef x, WorkloadRef y) =>
            string.Equals(x.Namespace, y.Namespace, StringComparison.Ordinal)
            && string.Equals(x.Name, y.Name, StringComparison.Ordinal)
            && string.Equals(x.Kind, y.Kind, StringComparison.OrdinalIgnoreCase);

        public int GetHashCode(WorkloadRef obj) => HashCode.Combine(
            StringComparer.Ordinal.GetHashCode(obj.Namespace ?? ""),
            StringComparer.Ordinal.GetHashCode(obj.Name ?? ""),
            StringComparer.OrdinalIgnoreCase.GetHashCode(obj.Kind ?? ""));
    }
}

/// <summary>Workload kinds as Odigos spells them, and the kind of local processes in embedded mode.</summary>
public static class WorkloadKinds
{
    public const string Deployment = "Deployment";
    public const string DaemonSet = "DaemonSet";
    public const string StatefulSet = "StatefulSet";
    public const string CronJob = "CronJob";
    public const string Job = "Job";
    public const string Pod = "Pod";
    public const string DeploymentConfig = "DeploymentConfig";
    public const string Rollout = "Rollout";
    public const string StaticPod = "StaticPod";

    /// <summary>A Source of this kind (name = namespace) covers every workload of the namespace.</summary>
    public const string Namespace = "Namespace";

    /// <summary>A local process (embedded mode: namespace <c>local</c>, name = service name).</summary>
    public const string Process = "Process";

    private static readonly string[] Known = [Deployment, DaemonSet, StatefulSet, CronJob, Job, Pod, DeploymentConfig, Rollout, StaticPod, Namespace, Process];

    /// <summary>The canonical spelling of a known kind (case-insensitive), else the kind as given (trimmed).</summary>
    public static string Normalize(string kind)
    {
        string trimmed = kind.Trim();
        return Known.FirstOrDefault(k => k.Equals(trimmed, StringComparison.OrdinalIgnoreCase)) ?? trimmed;
    }

    /// <summary>A kind is a letter followed by letters and digits.</summary>
    public static bool IsValid(string? kind) =>
        kind is { Length: > 0 and <= 63 } && char.IsAsciiLetter(kind[0]) && kind.All(char.IsAsciiLetterOrDigit);
}
