using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OdigosUi.Deploy.Tests.Kubernetes;

namespace OdigosUi.Deploy.Tests.Cluster;

/// <summary>One API request through the front: who, what, whether RBAC allowed it, and the status returned.</summary>
public sealed record ApiCall(string User, ResourceRequest Request, bool Allowed, int Status);

/// <summary>
/// The authentication and authorization an API server does before serving a request, in front of a backend API server
/// (the Resources tests' fake): bearer tokens name ServiceAccounts, <see cref="RbacAuthorizer"/> decides from the chart's
/// RBAC objects, a denied request gets the API server's 403 <c>Status</c>, an allowed one is proxied (watches streamed
/// line by line). Every request is recorded.
/// </summary>
public sealed class AuthorizingApiFront : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly RbacAuthorizer _rbac;
    private readonly IReadOnlyDictionary<string, string> _users;
    private readonly HttpClient _backend;
    private readonly List<ApiCall> _calls = [];

    private AuthorizingApiFront(WebApplication app, RbacAuthorizer rbac, IReadOnlyDictionary<string, string> users, string backend)
    {
        _app = app;
        _rbac = rbac;
        _users = users;
        _backend = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(1) })
        {
            BaseAddress = new Uri(backend),
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    public string Url { get; private set; } = "";

    public IReadOnlyList<ApiCall> Calls
    {
        get
        {
            lock (_calls)
            {
                return [.. _calls];
            }
        }
    }

    /// <summary>Starts on 127.0.0.1 (port 0); <paramref name="users"/> maps bearer tokens to user names.</summary>
    public static async Task<AuthorizingApiFront> StartAsync(RbacAuthorizer rbac, IReadOnlyDictionary<string, string> users, string backend)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var front = new AuthorizingApiFront(app, rbac, users, backend);
        app.Run(front.HandleAsync);
        await app.StartAsync();
        front.Url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return front;
    }

    /// <summary>The RBAC attributes of a request path, or null for a non-resource path.</summary>
    public static ResourceRequest? Describe(string method, string path, bool watch)
    {
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        int rest;
        string group;
        if (segments is ["api", _, ..])
        {
            group = "";
            rest = 2;
        }
        else if (segments is ["apis", _, _, ..])
        {
            group = segments[1];
            rest = 3;
        }
        else
        {
            return null;
        }

        var parts = segments[rest..];
        string? ns = null;
        if (parts.Length >= 3 && parts[0] == "namespaces")
        {
            ns = parts[1];
            parts = parts[2..];
        }

        if (parts.Length == 0)
        {
            return null;
        }

        string resource = parts[0] + (parts.Length >= 3 ? "/" + parts[2] : "");
        string? name = parts.Length >= 2 ? parts[1] : null;
        string verb = method switch
        {
            "GET" when watch => "watch",
            "GET" => name is null ? "list" : "get",
            "POST" => "create",
            "PUT" => "update",
            "PATCH" => "patch",
            "DELETE" => name is null ? "deletecollection" : "delete",
            _ => method.ToLowerInvariant(),
        };
        return new ResourceRequest(verb, group, resource, ns, name);
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        string? token = request.Headers.Authorization.FirstOrDefault() is { } header && header.StartsWith("Bearer ", StringComparison.Ordinal) ? header[7..] : null;
        if (token is null || !_users.TryGetValue(token, out string? user))
        {
            await WriteStatus(context, 401, "Unauthorized", "Unauthorized");
            return;
        }

        bool watch = request.Query["watch"] is { Count: > 0 } w && (w[0] == "true" || w[0] == "1");
        var attributes = Describe(request.Method, request.Path.Value ?? "", watch);
        if (attributes is null)
        {
            // Discovery paths are open to every authenticated user (system:discovery); nothing else is.
            bool discovery = request.Method == "GET" && request.Path.Value is "/api" or "/apis" or "/version";
            if (!discovery)
            {
                Record(user, new ResourceRequest(request.Method, "", request.Path.Value ?? "", null), false, 403);
                await WriteStatus(context, 403, "Forbidden", $"User \"{user}\" cannot {request.Method} path \"{request.Path}\"");
                return;
            }

            attributes = new ResourceRequest("get", "", request.Path.Value!, null);
        }
        else if (!_rbac.Allows(user, attributes))
        {
            Record(user, attributes, false, 403);
            await WriteStatus(context, 403, "Forbidden", $"{attributes.Resource} is forbidden: User \"{user}\" cannot {attributes.Verb} resource \"{attributes.Resource}\" in API group \"{attributes.Group}\"{(attributes.Namespace is null ? " at the cluster scope" : $" in the namespace \"{attributes.Namespace}\"")}");
            return;
        }

        using var forward = new HttpRequestMessage(new HttpMethod(request.Method), request.Path + request.QueryString);
        if (request.ContentLength > 0 || request.Headers.TransferEncoding.Count > 0)
        {
            forward.Content = new StreamContent(request.Body);
            if (request.ContentType is { } contentType)
            {
                forward.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
            }
        }

        using var response = await _backend.SendAsync(forward, HttpCompletionOption.ResponseHeadersRead, context.RequestAborted);
        Record(user, attributes, true, (int)response.StatusCode);
        context.Response.StatusCode = (int)response.StatusCode;
        context.Response.ContentType = response.Content.Headers.ContentType?.ToString();
        await context.Response.StartAsync(context.RequestAborted);
        await using var body = await response.Content.ReadAsStreamAsync(context.RequestAborted);
        var buffer = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await body.ReadAsync(buffer, context.RequestAborted)) > 0)
            {
                await context.Response.Body.WriteAsync(buffer.AsMemory(0, read), context.RequestAborted);
                await context.Response.Body.FlushAsync(context.RequestAborted);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or HttpRequestException)
        {
            // The client or the backend closed a watch.
        }
    }

    private void Record(string user, ResourceRequest request, bool allowed, int status)
    {
        lock (_calls)
        {
            _calls.Add(new ApiCall(user, request, allowed, status));
        }
    }

    private static async Task WriteStatus(HttpContext context, int code, string reason, string message)
    {
        context.Response.StatusCode = code;
        context.Response.ContentType = "application/json";
        var status = new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Failure",
            ["message"] = message,
            ["reason"] = reason,
            ["code"] = code,
        };
        await context.Response.WriteAsync(status.ToJsonString());
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _backend.Dispose();
    }
}
