namespace OdigosUi.Resources;

/// <summary>
/// Settings of the resource layer, bound by <see cref="ResourceServiceCollectionExtensions.AddOdigosResources"/> from
/// <c>Storage:DataDir</c> and <c>Kubernetes:Namespace</c>.
/// </summary>
public sealed class ResourceOptions
{
    public const string DataDirKey = "Storage:DataDir";
    public const string NamespaceKey = "Kubernetes:Namespace";
    public const string ModeKey = "Kubernetes:Mode";
    public const string NodeNameKey = "Kubernetes:NodeName";
    public const string MaxPodsKey = "Kubernetes:MaxPods";
    public const string DefaultNamespace = "odigos-system";

    /// <summary>A <c>Storage:DataDir</c> value (like the empty string) that keeps resources in memory only.</summary>
    public const string InMemory = ":memory:";

    /// <summary>The application folder name under the user's data folder.</summary>
    public const string ApplicationFolder = "odigos-ui";

    /// <summary>Where the embedded store keeps its files; null keeps resources in memory only.</summary>
    public string? DataDir { get; set; }

    /// <summary>The namespace of OdigosUi's own resources (Destinations and their Secrets).</summary>
    public string Namespace { get; set; } = DefaultNamespace;

    /// <summary>
    /// The default data folder: <c>odigos-ui</c> under the user's local application data, which .NET resolves to
    /// <c>$XDG_DATA_HOME</c> or <c>~/.local/share</c> on Linux, <c>~/Library/Application Support</c> on macOS and
    /// <c>%LOCALAPPDATA%</c> on Windows. Null when the user has no home folder.
    /// </summary>
    public static string? DefaultDataDir()
    {
        string root = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.DoNotVerify);
        return string.IsNullOrEmpty(root) ? null : Path.Combine(root, ApplicationFolder);
    }

    /// <summary>
    /// The data folder for a <c>Storage:DataDir</c> value: unset means <see cref="DefaultDataDir"/>; empty or
    /// <see cref="InMemory"/> means memory only (null); anything else is the folder (<c>~/</c> expanded).
    /// </summary>
    public static string? ResolveDataDir(string? configured)
    {
        if (configured is null)
        {
            return DefaultDataDir();
        }

        string value = configured.Trim();
        if (value.Length == 0 || value == InMemory)
        {
            return null;
        }

        if (value == "~" || value.StartsWith("~/", StringComparison.Ordinal))
        {
            value = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), value.Length > 2 ? value[2..] : "");
        }

        return Path.GetFullPath(value);
    }
}
