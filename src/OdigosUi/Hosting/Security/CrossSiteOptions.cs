using Microsoft.Extensions.Options;

namespace OdigosUi.Hosting.Security;

/// <summary><c>Ui:AllowedOrigins</c>: browser origins besides the app's own that may change state through the API and the hub.</summary>
public sealed class CrossSiteOptions
{
    public const string SectionName = "Ui";
    public const string AllowedOriginsKey = "Ui:AllowedOrigins";

    /// <summary>
    /// <c>;</c>-separated origins (<c>scheme://host[:port]</c>), e.g. <c>https://odigos.example.com</c> when an Ingress
    /// that terminates TLS fronts the UI (the app then sees <c>http://</c>). Empty by default: only the app's own origin.
    /// </summary>
    public string AllowedOrigins { get; set; } = "";

    private IReadOnlySet<string>? _origins;

    /// <summary>The configured origins, normalized as <see cref="CrossSiteRequest.Normalize"/> writes them; invalid entries left out.</summary>
    public IReadOnlySet<string> Origins => _origins ??= Entries()
        .Select(CrossSiteRequest.Normalize)
        .OfType<string>()
        .ToHashSet(StringComparer.Ordinal);

    internal IEnumerable<string> Entries() =>
        AllowedOrigins.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}

/// <summary>Every <c>Ui:AllowedOrigins</c> entry must be an http(s) origin: a scheme, a host, an optional port, no path.</summary>
internal sealed class CrossSiteOptionsValidator : IValidateOptions<CrossSiteOptions>
{
    public ValidateOptionsResult Validate(string? name, CrossSiteOptions options)
    {
        List<string> errors = [.. options.Entries()
            .Where(entry => CrossSiteRequest.Normalize(entry) is null
                || !Uri.TryCreate(entry, UriKind.Absolute, out var uri)
                || uri.AbsolutePath != "/" || uri.Query.Length > 0 || uri.Fragment.Length > 0 || uri.UserInfo.Length > 0)
            .Select(entry => $"{CrossSiteOptions.AllowedOriginsKey}: '{entry}' is not an origin of the form https://host[:port] (no path).")];
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
