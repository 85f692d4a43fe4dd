using System.Text.Json;
using System.Text.RegularExpressions;

namespace OdigosUi.Pipeline.Exporters;

/// <summary>One problem with one field of a Destination, e.g. <c>PYROSCOPE_URL: 'http://' has no host</c>.</summary>
/// <param name="Field">A catalog field name (<c>PYROSCOPE_URL</c>), or <c>type</c>, <c>id</c>, <c>signals</c>.</param>
public sealed record DestinationFieldError(string Field, string Message)
{
    public override string ToString() => $"{Field}: {Message}";
}

/// <summary>
/// Checks a <see cref="DestinationConfig"/> before the gateway builds an exporter from it; the REST API returns the
/// same messages (400, one message per field). The rules are the ones the exporters apply, through
/// <see cref="DestinationEndpoints"/>, so a Destination that passes here is one an exporter can be built from.
/// </summary>
public static class DestinationConfigValidator
{
    /// <summary>Every problem found; empty when the Destination is usable. <see cref="DestinationConfig.Id"/> is not checked (the API validates before it names the resource).</summary>
    public static IReadOnlyList<DestinationFieldError> Validate(DestinationConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var errors = new List<DestinationFieldError>();
        ValidateSignals(config, errors);
        switch (config.Type)
        {
            case DestinationTypes.Pyroscope:
                ValidatePyroscope(config, errors);
                break;
            case DestinationTypes.OtlpHttp:
                ValidateOtlpHttp(config, errors);
                break;
            case DestinationTypes.Otlp:
                ValidateOtlpGrpc(config, errors);
                break;
            default:
                errors.Add(new("type", string.IsNullOrWhiteSpace(config.Type)
                    ? "is required"
                    : $"'{config.Type}' is not a supported destination type (supported: {string.Join(", ", DestinationTypes.All)})"));
                break;
        }

        return errors;
    }

    public static bool IsValid(DestinationConfig config) => Validate(config).Count == 0;

    /// <summary>The errors grouped by field, as ASP.NET Core's <c>ValidationProblem</c> takes them.</summary>
    public static Dictionary<string, string[]> ByField(IEnumerable<DestinationFieldError> errors) =>
        errors.GroupBy(e => e.Field, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToArray(), StringComparer.Ordinal);

    private static void ValidateSignals(DestinationConfig config, List<DestinationFieldError> errors)
    {
        foreach (var signal in config.Signals)
        {
            if (!DestinationConfig.KnownSignals.Contains(signal?.Trim().ToUpperInvariant()))
            {
                errors.Add(new("signals", $"'{signal}' is not a signal (one of {string.Join(", ", DestinationConfig.KnownSignals)})"));
            }
        }

        if (config.Type == DestinationTypes.Pyroscope)
        {
            if (!config.HasProfiles)
            {
                errors.Add(new("signals", "pyroscope requires the PROFILES signal"));
            }
            else if (config.Signals.Any(s => !string.Equals(s?.Trim(), DestinationConfig.ProfilesSignal, StringComparison.OrdinalIgnoreCase)))
            {
                errors.Add(new("signals", "pyroscope supports only PROFILES"));
            }
        }
    }

    private static void ValidatePyroscope(DestinationConfig config, List<DestinationFieldError> errors)
    {
        var tls = CheckBool(config, DestinationFields.PyroscopeTlsEnabled, errors);
        if (!DestinationEndpoints.TryPyroscopeUrl(config.Field(DestinationFields.PyroscopeUrl), tls, out _, out var error))
        {
            errors.Add(new(DestinationFields.PyroscopeUrl, error));
        }

        CheckBasicAuth(config, DestinationFields.PyroscopeBasicAuthUsername, DestinationFields.PyroscopeBasicAuthPassword, errors);
        if (config.Field(DestinationFields.PyroscopeTenantId) is { } tenant && !DestinationHeaders.IsValidValue(tenant))
        {
            errors.Add(new(DestinationFields.PyroscopeTenantId, "must not contain control characters"));
        }
    }

    private static void ValidateOtlpHttp(DestinationConfig config, List<DestinationFieldError> errors)
    {
        var tls = CheckBool(config, DestinationFields.OtlpHttpTlsEnabled, errors);
        var endpoint = config.Field(DestinationFields.OtlpHttpEndpoint);
        var profilesEndpoint = config.Field(DestinationFields.OtlpHttpProfilesEndpoint);
        if (profilesEndpoint is null || endpoint is not null)
        {
            if (!DestinationEndpoints.TryOtlpHttpUrl(endpoint, null, tls, out _, out var error))
            {
                errors.Add(new(DestinationFields.OtlpHttpEndpoint, error));
            }
        }

        if (profilesEndpoint is not null && !DestinationEndpoints.TryOtlpHttpUrl(null, profilesEndpoint, tls, out _, out var profilesError))
        {
            errors.Add(new(DestinationFields.OtlpHttpProfilesEndpoint, profilesError));
        }

        if (!DestinationHeaders.TryParse(config.Field(DestinationFields.OtlpHttpHeaders), grpc: false, out _, out var headersError))
        {
            errors.Add(new(DestinationFields.OtlpHttpHeaders, headersError));
        }

        if (!DestinationEndpoints.TryCompression(config.Field(DestinationFields.OtlpHttpCompression), out _, out var compressionError))
        {
            errors.Add(new(DestinationFields.OtlpHttpCompression, compressionError));
        }

        CheckBasicAuth(config, DestinationFields.OtlpHttpBasicAuthUsername, DestinationFields.OtlpHttpBasicAuthPassword, errors);
    }

    private static void ValidateOtlpGrpc(DestinationConfig config, List<DestinationFieldError> errors)
    {
        var tls = CheckBool(config, DestinationFields.OtlpGrpcTlsEnabled, errors);
        if (!DestinationEndpoints.TryOtlpGrpcAddress(config.Field(DestinationFields.OtlpGrpcEndpoint), tls, out _, out var error))
        {
            errors.Add(new(DestinationFields.OtlpGrpcEndpoint, error));
        }

        if (!DestinationHeaders.TryParse(config.Field(DestinationFields.OtlpGrpcHeaders), grpc: true, out _, out var headersError))
        {
            errors.Add(new(DestinationFields.OtlpGrpcHeaders, headersError));
        }

        if (!DestinationEndpoints.TryCompression(config.Field(DestinationFields.OtlpGrpcCompression), out _, out var compressionError))
        {
            errors.Add(new(DestinationFields.OtlpGrpcCompression, compressionError));
        }
    }

    private static bool CheckBool(DestinationConfig config, string field, List<DestinationFieldError> errors)
    {
        if (!DestinationEndpoints.TryBool(config.Field(field), out var value))
        {
            errors.Add(new(field, $"'{config.Field(field)}' is not true or false"));
        }

        return value;
    }

    private static void CheckBasicAuth(DestinationConfig config, string userField, string passwordField, List<DestinationFieldError> errors)
    {
        var user = config.Field(userField);
        var password = config.Field(passwordField);
        if (user is null && password is not null)
        {
            errors.Add(new(userField, $"is required when {passwordField} is set"));
        }
        else if (user is not null && user.Contains(':', StringComparison.Ordinal))
        {
            errors.Add(new(userField, "must not contain ':'"));
        }
        else if (user is not null && !DestinationHeaders.IsValidValue(user))
        {
            errors.Add(new(userField, "must not contain control characters"));
        }
    }
}

/// <summary>Turns Destination fields into the URLs the exporters call. Shared by the validator and the exporters.</summary>
public static partial class DestinationEndpoints
{
    /// <summary>Where Pyroscope (1.20+ / 2.x) takes OTLP profiles, and the OTLP/HTTP signal path for profiles.</summary>
    public const string ProfilesPath = "/v1development/profiles";

    public const int DefaultOtlpGrpcPort = 4317;

    public const int DefaultOtlpHttpPort = 4318;

    /// <summary>"true"/"false" (any case); blank is false.</summary>
    public static bool TryBool(string? text, out bool value)
    {
        value = false;
        if (string.IsNullOrWhiteSpace(text))
        {
            return true;
        }

        return bool.TryParse(text.Trim(), out value);
    }

    /// <summary><c>gzip</c> or <c>none</c> (any case); blank is gzip, as the Collector's OTLP exporters.</summary>
    public static bool TryCompression(string? text, out bool gzip, out string error)
    {
        error = "";
        gzip = true;
        var value = text?.Trim().ToLowerInvariant();
        switch (value)
        {
            case null or "" or "gzip":
                return true;
            case "none":
                gzip = false;
                return true;
            default:
                error = $"'{text}' is not supported (gzip or none)";
                return false;
        }
    }

    /// <summary>
    /// <c>PYROSCOPE_URL</c> as <c>http(s)://host:port/v1development/profiles</c>: a scheme the user typed wins,
    /// else <paramref name="tls"/> picks https; a trailing slash or an already typed profiles path is not doubled.
    /// </summary>
    public static bool TryPyroscopeUrl(string? url, bool tls, out Uri uri, out string error)
    {
        uri = null!;
        if (!TryBaseUri(url, tls, defaultPort: null, allowPath: true, out var baseUri, out error))
        {
            return false;
        }

        uri = WithProfilesPath(baseUri);
        return true;
    }

    /// <summary>
    /// The OTLP/HTTP profiles URL: <paramref name="profilesEndpoint"/> as given when set, else
    /// <paramref name="endpoint"/> + <c>/v1development/profiles</c>. A bare <c>host</c> gets port 4318, as Odigos.
    /// </summary>
    public static bool TryOtlpHttpUrl(string? endpoint, string? profilesEndpoint, bool tls, out Uri uri, out string error)
    {
        uri = null!;
        if (!string.IsNullOrWhiteSpace(profilesEndpoint))
        {
            if (!TryBaseUri(profilesEndpoint, tls, DefaultOtlpHttpPort, allowPath: true, out var full, out error))
            {
                return false;
            }

            uri = full;
            return true;
        }

        if (!TryBaseUri(endpoint, tls, DefaultOtlpHttpPort, allowPath: true, out var baseUri, out error))
        {
            return false;
        }

        uri = WithProfilesPath(baseUri);
        return true;
    }

    /// <summary><c>OTLP_GRPC_ENDPOINT</c> as the channel address <c>http(s)://host:port</c> (port 4317 when missing); no path.</summary>
    public static bool TryOtlpGrpcAddress(string? endpoint, bool tls, out Uri uri, out string error) =>
        TryBaseUri(endpoint, tls, DefaultOtlpGrpcPort, allowPath: false, out uri, out error);

    private static Uri WithProfilesPath(Uri baseUri)
    {
        var path = baseUri.AbsolutePath.TrimEnd('/');
        if (!path.EndsWith(ProfilesPath, StringComparison.Ordinal))
        {
            path += ProfilesPath;
        }

        return new UriBuilder(baseUri) { Path = path }.Uri;
    }

    /// <summary>
    /// Parses <c>host[:port][/path]</c> or <c>http(s)://host[:port][/path]</c>. <paramref name="defaultPort"/> applies
    /// only when the user typed neither a scheme nor a port.
    /// </summary>
    private static bool TryBaseUri(string? text, bool tls, int? defaultPort, bool allowPath, out Uri uri, out string error)
    {
        uri = null!;
        error = "";
        var raw = text?.Trim();
        if (string.IsNullOrEmpty(raw))
        {
            error = "is required";
            return false;
        }

        if (raw.Any(char.IsWhiteSpace))
        {
            error = $"'{raw}' must not contain spaces";
            return false;
        }

        string scheme;
        string rest;
        var typedScheme = SchemePrefix().Match(raw);
        if (typedScheme.Success)
        {
            scheme = typedScheme.Groups[1].Value.ToLowerInvariant();
            if (scheme is not ("http" or "https"))
            {
                error = $"'{raw}' has scheme '{scheme}'; use host:port, http:// or https://";
                return false;
            }

            rest = raw[typedScheme.Length..];
            if (SchemePrefix().IsMatch(rest))
            {
                error = $"'{raw}' has the scheme twice";
                return false;
            }
        }
        else
        {
            scheme = tls ? "https" : "http";
            rest = raw;
        }

        var authorityEnd = rest.IndexOfAny(['/', '?', '#']);
        var authority = authorityEnd < 0 ? rest : rest[..authorityEnd];
        var hostPart = authority.StartsWith('[') ? authority[..(authority.IndexOf(']') + 1)] : authority.Split(':')[0];
        if (authority.Contains('@', StringComparison.Ordinal))
        {
            error = $"'{raw}' must not carry credentials; use the basic auth fields";
            return false;
        }

        if (hostPart.Length == 0 || hostPart == "[]")
        {
            error = $"'{raw}' has no host";
            return false;
        }

        var portText = authority.Length > hostPart.Length && authority[hostPart.Length] == ':' ? authority[(hostPart.Length + 1)..] : null;
        if (portText is not null && (!int.TryParse(portText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535))
        {
            error = $"'{raw}' has an invalid port '{portText}'";
            return false;
        }

        if (authority.Length > hostPart.Length && portText is null)
        {
            error = $"'{raw}' is not a valid host:port";
            return false;
        }

        var candidate = $"{scheme}://{rest}";
        if (!Uri.TryCreate(candidate, UriKind.Absolute, out var parsed) || string.IsNullOrEmpty(parsed.Host))
        {
            error = $"'{raw}' is not a valid host:port";
            return false;
        }

        if (parsed.Query.Length > 0 || parsed.Fragment.Length > 0)
        {
            error = $"'{raw}' must not have a query or fragment";
            return false;
        }

        var path = parsed.AbsolutePath.TrimEnd('/');
        if (!allowPath && path.Length > 0)
        {
            error = $"'{raw}' must not have a path";
            return false;
        }

        var builder = new UriBuilder(parsed) { Path = path.Length == 0 ? "/" : path };
        if (portText is null && !typedScheme.Success && defaultPort is { } fallback)
        {
            builder.Port = fallback;
        }

        uri = builder.Uri;
        return true;
    }

    [GeneratedRegex("^([a-zA-Z][a-zA-Z0-9+.-]*)://")]
    private static partial Regex SchemePrefix();
}

/// <summary>
/// Custom headers of an OTLP Destination: Odigos stores keyValuePairs as a JSON array of
/// <c>{"key": "…", "value": "…"}</c>; <c>k=v,k2=v2</c> is accepted too.
/// </summary>
public static class DestinationHeaders
{
    private static readonly HashSet<string> ReservedHttp = new(StringComparer.OrdinalIgnoreCase)
    {
        "Content-Type", "Content-Encoding", "Content-Length", "Host", "Transfer-Encoding", "Connection",
    };

    private static readonly HashSet<string> ReservedGrpc = new(StringComparer.OrdinalIgnoreCase)
    {
        "content-type", "content-encoding", "content-length", "host", "te", "user-agent", "connection",
        "transfer-encoding", "grpc-timeout", "grpc-encoding", "grpc-accept-encoding",
    };

    public static bool TryParse(string? text, bool grpc, out IReadOnlyList<KeyValuePair<string, string>> headers, out string error)
    {
        headers = [];
        error = "";
        var raw = text?.Trim();
        if (string.IsNullOrEmpty(raw))
        {
            return true;
        }

        var parsed = new List<KeyValuePair<string, string>>();
        if (raw.StartsWith('[') || raw.StartsWith('{'))
        {
            try
            {
                using var document = JsonDocument.Parse(raw);
                foreach (var element in document.RootElement.EnumerateArray())
                {
                    if (element.ValueKind != JsonValueKind.Object)
                    {
                        error = "is not a JSON array of {key, value} objects";
                        return false;
                    }

                    string? key = null;
                    string? value = null;
                    foreach (var property in element.EnumerateObject())
                    {
                        if (property.Name.Equals("key", StringComparison.OrdinalIgnoreCase))
                        {
                            key = property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString() : property.Value.GetRawText();
                        }
                        else if (property.Name.Equals("value", StringComparison.OrdinalIgnoreCase))
                        {
                            value = property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString() : property.Value.GetRawText();
                        }
                    }

                    parsed.Add(new((key ?? "").Trim(), (value ?? "").Trim()));
                }
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException)
            {
                error = "is not a JSON array of {key, value} objects";
                return false;
            }
        }
        else
        {
            foreach (var part in raw.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var equals = part.IndexOf('=');
                if (equals <= 0)
                {
                    error = $"'{part}' is not of the form key=value";
                    return false;
                }

                parsed.Add(new(part[..equals].Trim(), part[(equals + 1)..].Trim()));
            }
        }

        foreach (var (key, value) in parsed)
        {
            if (key.Length == 0)
            {
                error = "a header has no name";
                return false;
            }

            if (!IsToken(key) || (grpc && (!key.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.') || key.StartsWith("grpc-", StringComparison.OrdinalIgnoreCase))))
            {
                error = $"'{key}' is not a valid {(grpc ? "gRPC metadata key" : "HTTP header name")}";
                return false;
            }

            if (grpc && key.EndsWith("-bin", StringComparison.OrdinalIgnoreCase))
            {
                error = $"'{key}' is a binary metadata key; only text headers are supported";
                return false;
            }

            if ((grpc ? ReservedGrpc : ReservedHttp).Contains(key))
            {
                error = $"'{key}' is set by the exporter";
                return false;
            }

            if (!IsValidValue(value))
            {
                error = $"the value of '{key}' must not contain control characters";
                return false;
            }
        }

        headers = parsed;
        return true;
    }

    /// <summary>No control characters (CR/LF would split the header); tabs allowed.</summary>
    public static bool IsValidValue(string value) => !value.Any(c => (c < 0x20 && c != '\t') || c == 0x7f);

    private static bool IsToken(string name)
    {
        foreach (var c in name)
        {
            var ok = c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9')
                or '!' or '#' or '$' or '%' or '&' or '\'' or '*' or '+' or '-' or '.' or '^' or '_' or '`' or '|' or '~';
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }
}
