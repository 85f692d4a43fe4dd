namespace OdigosUi.Pipeline.Exporters;

/// <summary>
/// One Destination as the exporters see it, whatever store it came from: the gateway builds it from a
/// <c>odigos.io/v1alpha1</c> Destination (<c>spec.type</c>, <c>spec.destinationName</c>, <c>spec.data</c> merged with
/// the resolved values of <c>spec.secretRef</c>, <c>spec.signals</c>, <c>spec.disabled</c>).
/// Equality is by value (fields and signals compared as sets, ordinal), so the fleet can tell a changed Destination
/// from an unchanged one.
/// </summary>
/// <param name="Id">The resource name, e.g. <c>odigos.io.dest.pyroscope-x7k2q</c>.</param>
/// <param name="Type"><see cref="DestinationTypes.Pyroscope"/>, <see cref="DestinationTypes.Otlp"/> (gRPC) or <see cref="DestinationTypes.OtlpHttp"/>.</param>
/// <param name="Name">The display name (<c>spec.destinationName</c>).</param>
/// <param name="Fields">Field values by catalog name (see <see cref="DestinationFields"/>), secret values already resolved.</param>
/// <param name="Signals"><c>TRACES</c>, <c>METRICS</c>, <c>LOGS</c>, <c>PROFILES</c>.</param>
/// <param name="Disabled"><c>spec.disabled</c>.</param>
public sealed record DestinationConfig(
    string Id,
    string Type,
    string Name,
    IReadOnlyDictionary<string, string> Fields,
    IReadOnlyList<string> Signals,
    bool Disabled = false)
{
    public const string ProfilesSignal = "PROFILES";

    /// <summary>The signals a Destination may carry, as Odigos spells them.</summary>
    public static readonly IReadOnlyList<string> KnownSignals = ["TRACES", "METRICS", "LOGS", ProfilesSignal];

    /// <summary>True when <see cref="Signals"/> names PROFILES (case-insensitive).</summary>
    public bool HasProfiles => Signals.Any(signal => string.Equals(signal?.Trim(), ProfilesSignal, StringComparison.OrdinalIgnoreCase));

    /// <summary>A field's value, trimmed; null when absent or blank.</summary>
    public string? Field(string name) =>
        Fields.TryGetValue(name, out var value) && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;

    public bool Equals(DestinationConfig? other)
    {
        if (ReferenceEquals(this, other))
        {
            return true;
        }

        if (other is null
            || !string.Equals(Id, other.Id, StringComparison.Ordinal)
            || !string.Equals(Type, other.Type, StringComparison.Ordinal)
            || !string.Equals(Name, other.Name, StringComparison.Ordinal)
            || Disabled != other.Disabled
            || Fields.Count != other.Fields.Count)
        {
            return false;
        }

        foreach (var (key, value) in Fields)
        {
            if (!other.Fields.TryGetValue(key, out var otherValue) || !string.Equals(value, otherValue, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return new HashSet<string>(Signals, StringComparer.Ordinal).SetEquals(other.Signals);
    }

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(Id, StringComparer.Ordinal);
        hash.Add(Type, StringComparer.Ordinal);
        hash.Add(Name, StringComparer.Ordinal);
        hash.Add(Disabled);
        var fields = 0;
        foreach (var (key, value) in Fields)
        {
            // Order-independent: XOR of the pairs' hashes.
            fields ^= HashCode.Combine(StringComparer.Ordinal.GetHashCode(key), StringComparer.Ordinal.GetHashCode(value ?? ""));
        }

        hash.Add(fields);
        return hash.ToHashCode();
    }

    /// <summary>Without field values: they may hold secrets.</summary>
    public override string ToString() =>
        $"{Type} Destination '{Id}' ({Name}), signals [{string.Join(", ", Signals)}]{(Disabled ? ", disabled" : "")}, fields [{string.Join(", ", Fields.Keys.Order(StringComparer.Ordinal))}]";
}

/// <summary>The Destination types the profiles exporters handle.</summary>
public static class DestinationTypes
{
    public const string Pyroscope = "pyroscope";

    /// <summary>OTLP over gRPC.</summary>
    public const string Otlp = "otlp";

    /// <summary>OTLP over HTTP.</summary>
    public const string OtlpHttp = "otlphttp";

    public static readonly IReadOnlyList<string> All = [Pyroscope, Otlp, OtlpHttp];

    public static bool IsSupported(string? type) => type is Pyroscope or Otlp or OtlpHttp;
}

/// <summary>Field names, as in Odigos' destination catalog.</summary>
public static class DestinationFields
{
    /// <summary><c>host:port</c>; a typed <c>http://</c> or <c>https://</c> is kept (never doubled), a trailing slash dropped.</summary>
    public const string PyroscopeUrl = "PYROSCOPE_URL";

    /// <summary>"true"/"false": the scheme when <see cref="PyroscopeUrl"/> has none.</summary>
    public const string PyroscopeTlsEnabled = "PYROSCOPE_TLS_ENABLED";

    public const string PyroscopeBasicAuthUsername = "PYROSCOPE_BASIC_AUTH_USERNAME";

    public const string PyroscopeBasicAuthPassword = "PYROSCOPE_BASIC_AUTH_PASSWORD";

    /// <summary>Sent as <c>X-Scope-OrgID</c>.</summary>
    public const string PyroscopeTenantId = "PYROSCOPE_TENANT_ID";

    /// <summary>Base URL; profiles go to <c>&lt;endpoint&gt;/v1development/profiles</c>.</summary>
    public const string OtlpHttpEndpoint = "OTLP_HTTP_ENDPOINT";

    /// <summary>A full URL for profiles that replaces <c>&lt;endpoint&gt;/v1development/profiles</c>.</summary>
    public const string OtlpHttpProfilesEndpoint = "OTLP_HTTP_PROFILES_ENDPOINT";

    /// <summary>JSON array of <c>{"key": …, "value": …}</c> (Odigos' keyValuePairs) or <c>k=v,k2=v2</c>.</summary>
    public const string OtlpHttpHeaders = "OTLP_HTTP_HEADERS";

    /// <summary><c>gzip</c> (the default, as the Collector's otlphttp exporter) or <c>none</c>.</summary>
    public const string OtlpHttpCompression = "OTLP_HTTP_COMPRESSION";

    /// <summary>"true"/"false": the scheme when <see cref="OtlpHttpEndpoint"/> has none.</summary>
    public const string OtlpHttpTlsEnabled = "OTLP_HTTP_TLS_ENABLED";

    public const string OtlpHttpBasicAuthUsername = "OTLP_HTTP_BASIC_AUTH_USERNAME";

    public const string OtlpHttpBasicAuthPassword = "OTLP_HTTP_BASIC_AUTH_PASSWORD";

    /// <summary><c>host:port</c> (port 4317 when missing) or <c>http(s)://host:port</c>.</summary>
    public const string OtlpGrpcEndpoint = "OTLP_GRPC_ENDPOINT";

    public const string OtlpGrpcTlsEnabled = "OTLP_GRPC_TLS_ENABLED";

    /// <summary>Same forms as <see cref="OtlpHttpHeaders"/>; sent as gRPC metadata.</summary>
    public const string OtlpGrpcHeaders = "OTLP_GRPC_HEADERS";

    /// <summary><c>gzip</c> (the default) or <c>none</c>.</summary>
    public const string OtlpGrpcCompression = "OTLP_GRPC_COMPRESSION";
}
