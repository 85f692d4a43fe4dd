using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace OdigosUi.Pipeline.Receivers;

/// <summary>The <c>Otlp</c> section's listen addresses (<c>--Otlp:GrpcUrl=http://0.0.0.0:4317</c>); port 0 picks a free port.</summary>
public sealed class OtlpReceiverOptions
{
    public const string SectionName = "Otlp";
    public const string GrpcUrlKey = "Otlp:GrpcUrl";
    public const string HttpUrlKey = "Otlp:HttpUrl";
    public const string DefaultGrpcUrl = "http://127.0.0.1:4317";
    public const string DefaultHttpUrl = "http://127.0.0.1:4318";

    /// <summary>The OTLP/gRPC endpoint: HTTP/2 only (h2c on http://).</summary>
    public string GrpcUrl { get; set; } = DefaultGrpcUrl;

    /// <summary>The OTLP/HTTP endpoint: HTTP/1.1 and HTTP/2.</summary>
    public string HttpUrl { get; set; } = DefaultHttpUrl;
}

/// <summary>The UI URLs the receivers' endpoints must not collide with.</summary>
internal sealed record ReceiverListenPlan(IReadOnlyList<string> UiUrls);

/// <summary>
/// Checks that each receiver URL is one http(s) address with a host and a port (no path, not <c>localhost:0</c>,
/// which Kestrel cannot bind), and that no two of the gRPC, HTTP and UI endpoints share a fixed port on the same host.
/// </summary>
internal sealed class OtlpReceiverOptionsValidator(ReceiverListenPlan plan) : IValidateOptions<OtlpReceiverOptions>
{
    public ValidateOptionsResult Validate(string? name, OtlpReceiverOptions options)
    {
        List<string> errors = [];
        var grpc = Check(OtlpReceiverOptions.GrpcUrlKey, options.GrpcUrl, OtlpReceiverOptions.DefaultGrpcUrl, errors);
        var http = Check(OtlpReceiverOptions.HttpUrlKey, options.HttpUrl, OtlpReceiverOptions.DefaultHttpUrl, errors);
        List<(string Key, BindingAddress Address)> bound = [];
        foreach (var url in plan.UiUrls)
        {
            if (TryParse(url, out var ui, out _))
            {
                bound.Add(("Ui:Url", ui));
            }
        }

        foreach (var (key, address) in new[] { (OtlpReceiverOptions.GrpcUrlKey, grpc), (OtlpReceiverOptions.HttpUrlKey, http) })
        {
            if (address is null)
            {
                continue;
            }

            foreach (var (otherKey, other) in bound)
            {
                if (address.Port != 0 && address.Port == other.Port && HostsOverlap(address.Host, other.Host))
                {
                    errors.Add($"{key}: port {address.Port} is already used by {otherKey}; each endpoint needs its own port.");
                }
            }

            bound.Add((key, address));
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static BindingAddress? Check(string key, string? url, string example, List<string> errors)
    {
        if (string.IsNullOrWhiteSpace(url))
        {
            errors.Add($"{key}: must not be empty (e.g. {example}).");
            return null;
        }

        if (!TryParse(url.Trim(), out var address, out var problem))
        {
            errors.Add($"{key}: '{url}' {problem} (e.g. {example}).");
            return null;
        }

        return address;
    }

    internal static bool TryParse(string url, out BindingAddress address, out string problem)
    {
        address = null!;
        if (url.Contains(';', StringComparison.Ordinal))
        {
            problem = "must be a single address";
            return false;
        }

        try
        {
            address = BindingAddress.Parse(url);
        }
        catch (FormatException)
        {
            problem = "is not a valid http:// or https:// address with a port";
            return false;
        }

        if (address.IsUnixPipe || address.IsNamedPipe || address.Scheme is not ("http" or "https") || string.IsNullOrEmpty(address.Host)
            || address.Port is < 0 or > 65535 || !url.Contains($":{address.Port}", StringComparison.Ordinal))
        {
            problem = "is not a valid http:// or https:// address with a port";
            return false;
        }

        if (address.PathBase.Length > 0)
        {
            problem = "must not have a path";
            return false;
        }

        if (address.Port == 0 && string.Equals(address.Host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            problem = "cannot use port 0 with localhost; use 127.0.0.1:0 or [::1]:0";
            return false;
        }

        problem = "";
        return true;
    }

    private static bool HostsOverlap(string a, string b)
    {
        if (string.Equals(a, b, StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        // A wildcard (0.0.0.0, [::], *, +, a host name Kestrel binds to every address) takes the port on every address.
        return IsWildcard(a) || IsWildcard(b)
            || (IsLocalhost(a) && IsLoopback(b)) || (IsLocalhost(b) && IsLoopback(a));

        static bool IsWildcard(string host) => !IsLocalhost(host)
            && (!IPAddress.TryParse(host, out var ip) || ip.Equals(IPAddress.Any) || ip.Equals(IPAddress.IPv6Any));

        static bool IsLocalhost(string host) => string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase);

        static bool IsLoopback(string host) => IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip);
    }
}
