using System.Net;
using System.Net.NetworkInformation;
using Microsoft.AspNetCore.HostFiltering;
using OdigosUi.Pipeline.Receivers;

namespace OdigosUi.Hosting.Security;

/// <summary>
/// ASP.NET Core host filtering (400 for a <c>Host</c> not in <c>AllowedHosts</c>, against DNS rebinding) on the UI port
/// only, with a default from <c>Ui:Url</c> when <c>AllowedHosts</c> is not set: a loopback URL allows
/// <c>localhost</c>, <c>127.0.0.1</c> and <c>[::1]</c>; an IP address allows itself; a host name allows itself; a
/// wildcard (<c>*</c>, <c>0.0.0.0</c>, <c>[::]</c>) or a host name (both bind every address) also allows the loopback
/// names, the machine's host name and its interface addresses (what kubelet probes and scrapers use). A set
/// <c>AllowedHosts</c> replaces the default (<c>*</c> turns filtering off). The OTLP ports are not filtered: other pods
/// send to them by whatever Service name they were given.
/// </summary>
internal static class UiHostFiltering
{
    public static IReadOnlyList<string> LoopbackNames { get; } = ["localhost", "127.0.0.1", "[::1]"];

    public static void AddUiHostFiltering(this WebApplicationBuilder builder, string uiUrl)
    {
        // The web host's defaults filter every port; this filter runs on the UI port only (UseUiHostFiltering).
        foreach (var descriptor in builder.Services.Where(d => d.ServiceType == typeof(IStartupFilter)
            && d.ImplementationType?.Name == "HostFilteringStartupFilter").ToList())
        {
            builder.Services.Remove(descriptor);
        }

        var configured = builder.Configuration[UiOptions.AllowedHostsKey];
        IReadOnlyList<string> hosts = string.IsNullOrWhiteSpace(configured)
            ? DefaultHosts(uiUrl)
            : configured.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        builder.Services.AddHostFiltering(options =>
        {
            options.AllowedHosts = [.. hosts];
            options.IncludeFailureMessage = true;
        });
    }

    public static IApplicationBuilder UseUiHostFiltering(this IApplicationBuilder app) =>
        app.UseWhen(
            context => context.Features.Get<IReceiverEndpointFeature>() is not { Kind: not ReceiverEndpointKind.Ui },
            ui => ui.UseHostFiltering());

    /// <summary>The names the app is reached by on <paramref name="uiUrl"/> (<c>;</c>-separated Kestrel URLs).</summary>
    public static IReadOnlyList<string> DefaultHosts(string uiUrl)
    {
        var hosts = new List<string>();
        foreach (var url in uiUrl.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            string host;
            try
            {
                host = BindingAddress.Parse(url).Host;
            }
            catch (FormatException)
            {
                continue; // start-up validation reports it
            }

            var unbracketed = host.Trim('[', ']');
            if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase) || (IPAddress.TryParse(unbracketed, out var ip) && IPAddress.IsLoopback(ip)))
            {
                hosts.AddRange(LoopbackNames);
            }
            else if (ip is not null && !ip.Equals(IPAddress.Any) && !ip.Equals(IPAddress.IPv6Any))
            {
                hosts.Add(HostName(ip));
            }
            else
            {
                if (ip is null && host is not ("*" or "+"))
                {
                    hosts.Add(host);
                }

                hosts.AddRange(LoopbackNames);
                hosts.Add(Dns.GetHostName());
                hosts.AddRange(InterfaceAddresses().Select(HostName));
            }
        }

        return [.. hosts.Distinct(StringComparer.OrdinalIgnoreCase)];
    }

    private static string HostName(IPAddress ip) => ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
        ? $"[{new IPAddress(ip.GetAddressBytes())}]"
        : ip.ToString();

    private static IEnumerable<IPAddress> InterfaceAddresses()
    {
        try
        {
            return [.. NetworkInterface.GetAllNetworkInterfaces().SelectMany(n => n.GetIPProperties().UnicastAddresses).Select(a => a.Address)];
        }
        catch (NetworkInformationException)
        {
            return [];
        }
    }
}
