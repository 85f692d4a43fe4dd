namespace OdigosUi.Hosting;

/// <summary>What one process runs; set with the <c>Role</c> configuration key.</summary>
public enum OdigosUiRole
{
    /// <summary>Everything in one process, with in-process hops and the embedded resource store (the default).</summary>
    All,

    /// <summary>The per-node profiler and data collector (a DaemonSet in Kubernetes).</summary>
    Node,

    /// <summary>The gateway with the profiles pipeline and the Destination exporters.</summary>
    Gateway,

    /// <summary>The UI, REST API and the profiling slots.</summary>
    Ui,
}

/// <summary>Names of <see cref="OdigosUiRole"/> as written in configuration, and what each role runs.</summary>
public static class OdigosUiRoles
{
    public const string DefaultName = "all";

    /// <summary>The accepted values of <c>Role</c>, in documentation order.</summary>
    public static IReadOnlyList<string> AllowedNames { get; } = ["all", "node", "gateway", "ui"];

    /// <summary>Parses a configured role name (case-insensitive, surrounding blanks ignored).</summary>
    public static bool TryParse(string? value, out OdigosUiRole role)
    {
        switch (value?.Trim().ToLowerInvariant())
        {
            case "all": role = OdigosUiRole.All; return true;
            case "node": role = OdigosUiRole.Node; return true;
            case "gateway": role = OdigosUiRole.Gateway; return true;
            case "ui": role = OdigosUiRole.Ui; return true;
            default: role = default; return false;
        }
    }

    /// <summary>
    /// The role configured in <paramref name="configuration"/> (default <c>all</c>), or null when the value is
    /// invalid. Use it while composing services; start-up validation reports the invalid value.
    /// </summary>
    public static OdigosUiRole? FromConfiguration(IConfiguration configuration)
    {
        string? value = configuration[RoleOptions.Key];
        if (string.IsNullOrWhiteSpace(value))
        {
            return OdigosUiRole.All;
        }

        return TryParse(value, out OdigosUiRole role) ? role : null;
    }

    public static string ToConfigName(this OdigosUiRole role) => role switch
    {
        OdigosUiRole.All => "all",
        OdigosUiRole.Node => "node",
        OdigosUiRole.Gateway => "gateway",
        OdigosUiRole.Ui => "ui",
        _ => throw new ArgumentOutOfRangeException(nameof(role), role, null),
    };

    /// <summary>Whether the per-node profiler and collector run in this role.</summary>
    public static bool RunsNode(this OdigosUiRole role) => role is OdigosUiRole.All or OdigosUiRole.Node;

    /// <summary>Whether the gateway profiles pipeline and exporters run in this role.</summary>
    public static bool RunsGateway(this OdigosUiRole role) => role is OdigosUiRole.All or OdigosUiRole.Gateway;

    /// <summary>Whether the UI, REST API and profiling slots run in this role.</summary>
    public static bool RunsUi(this OdigosUiRole role) => role is OdigosUiRole.All or OdigosUiRole.Ui;
}
