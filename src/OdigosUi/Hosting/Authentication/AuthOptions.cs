namespace OdigosUi.Hosting.Authentication;

/// <summary>How users sign in: <c>Auth:Mode</c>.</summary>
public enum AuthMode
{
    /// <summary>No sign-in; allowed only while the UI and API listen on loopback addresses.</summary>
    None,

    /// <summary>OpenID Connect for the browser UI, JWT bearer access tokens of the same issuer for the API.</summary>
    Oidc,
}

/// <summary>The <c>Auth</c> section.</summary>
public sealed class AuthOptions
{
    public const string SectionName = "Auth";
    public const string ModeKey = "Auth:Mode";

    /// <summary><c>none</c> (the default) or <c>oidc</c>.</summary>
    public string Mode { get; set; } = "none";

    public OidcSettings Oidc { get; set; } = new();

    /// <summary>The parsed mode; null when <see cref="Mode"/> is not a valid value (start-up validation reports it).</summary>
    public AuthMode? ParsedMode => Mode.Trim().ToLowerInvariant() switch
    {
        "none" => AuthMode.None,
        "oidc" => AuthMode.Oidc,
        _ => null,
    };

    public static AuthOptions From(IConfiguration configuration) =>
        configuration.GetSection(SectionName).Get<AuthOptions>() ?? new AuthOptions();
}

/// <summary>The <c>Auth:Oidc</c> section: the OpenID Connect provider and this app's client registration there.</summary>
public sealed class OidcSettings
{
    public const string SectionName = "Auth:Oidc";

    /// <summary>The issuer URL, e.g. <c>https://login.example.com/realms/odigos</c> (its discovery document is read from there).</summary>
    public string? Authority { get; set; }

    public string? ClientId { get; set; }

    public string? ClientSecret { get; set; }

    /// <summary>Scopes asked for at sign-in besides <c>openid</c>, space- or comma-separated.</summary>
    public string Scopes { get; set; } = "openid profile email";

    /// <summary>The <c>aud</c> that API access tokens must carry; defaults to <see cref="ClientId"/>.</summary>
    public string? Audience { get; set; }

    /// <summary>Requires an https authority; turn off only for a provider on a trusted network (or a test).</summary>
    public bool RequireHttpsMetadata { get; set; } = true;

    public IReadOnlyList<string> ScopeList =>
        ["openid", .. Scopes.Split([' ', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(s => s != "openid").Distinct(StringComparer.Ordinal)];

    public string EffectiveAudience => string.IsNullOrWhiteSpace(Audience) ? ClientId ?? "" : Audience.Trim();
}
