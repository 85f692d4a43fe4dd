using System.ComponentModel.DataAnnotations;

namespace OdigosUi.Destinations;

/// <summary>The <c>Destinations:TestConnection</c> section: which hosts a connection test may reach, and how long it waits.</summary>
public sealed class ConnectionTestOptions
{
    public const string SectionName = "Destinations:TestConnection";

    /// <summary>
    /// Hosts a test may reach: exact names or addresses, <c>*.example.com</c> for subdomains, or <c>*</c> for any.
    /// Empty (the default) allows any host, as the exporters themselves do; a shared deployment should set it.
    /// </summary>
    public List<string> AllowedHosts { get; set; } = [];

    [Range(1, 120)]
    public int TimeoutSeconds { get; set; } = 10;

    /// <summary>The most bytes of the endpoint's answer a test reads (the rest is never read; redirects are never followed).</summary>
    [Range(256, 1 << 20)]
    public int MaxResponseBytes { get; set; } = 4096;

    public bool Allows(string host)
    {
        if (AllowedHosts.Count == 0)
        {
            return true;
        }

        foreach (var entry in AllowedHosts.Select(h => h.Trim()).Where(h => h.Length > 0))
        {
            if (entry == "*" || string.Equals(entry, host, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }

            if (entry.StartsWith("*.", StringComparison.Ordinal) && host.EndsWith(entry[1..], StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
