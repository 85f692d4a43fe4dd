using Microsoft.Extensions.Options;

namespace OdigosUi.Hosting;

/// <summary>The <c>Ui</c> section: where the UI, REST API and health endpoints listen.</summary>
public sealed class UiOptions
{
    public const string SectionName = "Ui";
    public const string UrlKey = "Ui:Url";
    public const string DefaultUrl = "http://127.0.0.1:3000";

    /// <summary>ASP.NET Core's host filtering key: <c>;</c>-separated names the UI is reached by (see <c>UiHostFiltering</c>).</summary>
    public const string AllowedHostsKey = "AllowedHosts";

    /// <summary>Kestrel URL(s), <c>;</c>-separated, e.g. <c>http://0.0.0.0:3000</c>; port 0 picks a free port.</summary>
    public string Url { get; set; } = DefaultUrl;

    /// <summary>The configured URL list, split and trimmed.</summary>
    public IReadOnlyList<string> Urls =>
        Url.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}

/// <summary>Checks that every <c>Ui:Url</c> entry is an http(s) URL Kestrel can bind.</summary>
internal sealed class UiOptionsValidator : IValidateOptions<UiOptions>
{
    public ValidateOptionsResult Validate(string? name, UiOptions options)
    {
        IReadOnlyList<string> urls = options.Urls;
        if (urls.Count == 0)
        {
            return ValidateOptionsResult.Fail($"{UiOptions.UrlKey}: must not be empty (e.g. {UiOptions.DefaultUrl}).");
        }

        List<string> errors = [];
        foreach (string url in urls)
        {
            if (!IsBindableHttpUrl(url))
            {
                errors.Add($"{UiOptions.UrlKey}: '{url}' is not a valid http:// or https:// address with a port (e.g. {UiOptions.DefaultUrl}).");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static bool IsBindableHttpUrl(string url)
    {
        try
        {
            BindingAddress address = BindingAddress.Parse(url);
            return !address.IsUnixPipe
                && !address.IsNamedPipe
                && (address.Scheme is "http" or "https")
                && !string.IsNullOrEmpty(address.Host)
                && address.Port is >= 0 and <= 65535;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
