using k8s;

namespace OdigosUi.Resources.Stores.Kubernetes;

/// <summary>Where resources live, from <c>Kubernetes:Mode</c>.</summary>
public enum ResourceBackend
{
    /// <summary>The embedded store (YAML files in the data folder, or memory).</summary>
    Embedded,

    /// <summary>A Kubernetes API server through KubernetesClient (<see cref="KubernetesResourceStore"/>).</summary>
    Cluster,
}

/// <summary>
/// <c>Kubernetes:Mode</c>: <c>auto</c> (the default: a cluster when running in one or when a kubeconfig is found,
/// else embedded), <c>cluster</c> (in-cluster config or the kubeconfig; fails at start without either) or
/// <c>embedded</c>.
/// </summary>
public static class KubernetesStoreMode
{
    public const string Auto = "auto";
    public const string Cluster = "cluster";
    public const string Embedded = "embedded";

    /// <summary>The backend for a <c>Kubernetes:Mode</c> value; the probes say whether a cluster configuration exists.</summary>
    /// <exception cref="InvalidOperationException">An unknown mode.</exception>
    public static ResourceBackend Resolve(string? mode, Func<bool> isInCluster, Func<bool> kubeConfigExists)
    {
        ArgumentNullException.ThrowIfNull(isInCluster);
        ArgumentNullException.ThrowIfNull(kubeConfigExists);
        string value = string.IsNullOrWhiteSpace(mode) ? Auto : mode.Trim().ToLowerInvariant();
        return value switch
        {
            Cluster => ResourceBackend.Cluster,
            Embedded => ResourceBackend.Embedded,
            Auto => isInCluster() || kubeConfigExists() ? ResourceBackend.Cluster : ResourceBackend.Embedded,
            _ => throw new InvalidOperationException($"{ResourceOptions.ModeKey} must be {Auto}, {Cluster} or {Embedded}, not '{mode}'."),
        };
    }

    /// <summary>The backend for a mode, probing this machine (in-cluster service account, <c>KUBECONFIG</c>, <c>~/.kube/config</c>).</summary>
    public static ResourceBackend Resolve(string? mode) => Resolve(mode, KubernetesClientConfiguration.IsInCluster, KubeConfigExists);

    /// <summary>Whether a kubeconfig file exists: any file of <c>KUBECONFIG</c>, else <c>~/.kube/config</c>.</summary>
    public static bool KubeConfigExists()
    {
        string? env = Environment.GetEnvironmentVariable("KUBECONFIG");
        if (!string.IsNullOrWhiteSpace(env))
        {
            return env.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Any(File.Exists);
        }

        string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return home.Length > 0 && File.Exists(Path.Combine(home, ".kube", "config"));
    }

    /// <summary>The client configuration of a cluster: in-cluster when running in one, else the default kubeconfig.</summary>
    public static KubernetesClientConfiguration BuildClientConfiguration() => KubernetesClientConfiguration.BuildDefaultConfig();
}
