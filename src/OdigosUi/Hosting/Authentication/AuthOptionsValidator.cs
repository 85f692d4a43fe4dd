using System.Net;
using Microsoft.Extensions.Options;

namespace OdigosUi.Hosting.Authentication;

/// <summary>
/// Checks the <c>Auth</c> section: a known mode; <c>none</c> only while every <c>Ui:Url</c> address of a role that
/// serves the UI and API is loopback; for <c>oidc</c>, an authority and the client's id and secret.
/// </summary>
internal sealed class AuthOptionsValidator(IConfiguration configuration) : IValidateOptions<AuthOptions>
{
    public ValidateOptionsResult Validate(string? name, AuthOptions options)
    {
        return options.ParsedMode switch
        {
            null => ValidateOptionsResult.Fail($"{AuthOptions.ModeKey}: '{options.Mode}' is not a valid mode; allowed values: none, oidc."),
            AuthMode.None => ValidateNone(),
            AuthMode.Oidc => ValidateOidc(options.Oidc),
            _ => ValidateOptionsResult.Success,
        };
    }

    private ValidateOptionsResult ValidateNone()
    {
        if (OdigosUiRoles.FromConfiguration(configuration) is not { } role || !role.RunsUi())
        {
            return ValidateOptionsResult.Success;
        }

        string urls = configuration[UiOptions.UrlKey] is { Length: > 0 } configured ? configured : UiOptions.DefaultUrl;
        string[] exposed = [.. new UiOptions { Url = urls }.Urls.Where(url => !IsLoopback(url))];
        return exposed.Length == 0
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(
                $"{AuthOptions.ModeKey}: 'none' (no sign-in) is allowed only when {UiOptions.UrlKey} listens on loopback addresses, and '{string.Join(";", exposed)}' is not: "
                + $"set {AuthOptions.ModeKey}=oidc with Auth:Oidc:Authority, Auth:Oidc:ClientId and Auth:Oidc:ClientSecret, or listen on {UiOptions.DefaultUrl}.");
    }

    private static ValidateOptionsResult ValidateOidc(OidcSettings oidc)
    {
        List<string> errors = [];
        if (!Uri.TryCreate(oidc.Authority, UriKind.Absolute, out Uri? authority) || authority.Scheme is not ("https" or "http"))
        {
            errors.Add($"Auth:Oidc:Authority: '{oidc.Authority}' must be the provider's issuer URL (e.g. https://login.example.com/realms/odigos) when {AuthOptions.ModeKey}=oidc.");
        }
        else if (authority.Scheme == "http" && oidc.RequireHttpsMetadata)
        {
            errors.Add($"Auth:Oidc:Authority: '{oidc.Authority}' is not https; use an https issuer (or set Auth:Oidc:RequireHttpsMetadata=false for a provider on a trusted network).");
        }

        if (string.IsNullOrWhiteSpace(oidc.ClientId))
        {
            errors.Add($"Auth:Oidc:ClientId: required when {AuthOptions.ModeKey}=oidc (the client registered for OdigosUi at the provider).");
        }

        if (string.IsNullOrWhiteSpace(oidc.ClientSecret))
        {
            errors.Add($"Auth:Oidc:ClientSecret: required when {AuthOptions.ModeKey}=oidc (the chart reads it from a Secret).");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    /// <summary>True for 127.0.0.0/8, ::1 and <c>localhost</c>; false for wildcards (<c>*</c>, <c>+</c>, 0.0.0.0, [::]) and other hosts.</summary>
    internal static bool IsLoopback(string url)
    {
        try
        {
            string host = BindingAddress.Parse(url).Host;
            return string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)
                || (IPAddress.TryParse(host.TrimStart('[').TrimEnd(']'), out IPAddress? address) && IPAddress.IsLoopback(address));
        }
        catch (FormatException)
        {
            return true; // not an address at all: Ui:Url's own validation reports it.
        }
    }
}
