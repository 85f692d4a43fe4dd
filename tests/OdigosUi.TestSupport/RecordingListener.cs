using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace OdigosUi.TestSupport;

/// <summary>One request a <see cref="RecordingListener"/> received.</summary>
public sealed record RecordedRequest(string Method, string Path, IReadOnlyDictionary<string, string> Headers, long BodyBytes, DateTimeOffset At);

/// <summary>
/// A real Kestrel listener on a loopback port that records every request (method, path, headers, body size) before
/// answering with <c>respond</c> (by default 200 with an empty body): the other end of secret-leak, redirect and
/// slow-backend tests.
/// </summary>
public sealed class RecordingListener : IAsyncDisposable
{
    private readonly Lock _lock = new();
    private readonly List<RecordedRequest> _requests = [];
    private readonly Func<HttpContext, Task>? _respond;
    private WebApplication _app = null!;

    private RecordingListener(Func<HttpContext, Task>? respond) => _respond = respond;

    /// <summary><c>http://127.0.0.1:PORT</c>.</summary>
    public Uri Url { get; private set; } = null!;

    /// <summary><c>127.0.0.1:PORT</c>.</summary>
    public string HostPort => Url.Authority;

    public IReadOnlyList<RecordedRequest> Requests
    {
        get
        {
            lock (_lock)
            {
                return [.. _requests];
            }
        }
    }

    /// <param name="respond">Writes the answer after the request was recorded and its body read; 200 empty when null.</param>
    public static async Task<RecordingListener> StartAsync(Func<HttpContext, Task>? respond = null)
    {
        var listener = new RecordingListener(respond);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        app.Run(listener.HandleAsync);
        await app.StartAsync().ConfigureAwait(false);
        listener._app = app;
        listener.Url = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        return listener;
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync().ConfigureAwait(false);

    private async Task HandleAsync(HttpContext context)
    {
        long bytes = 0;
        var buffer = new byte[16 << 10];
        int n;
        while ((n = await context.Request.Body.ReadAsync(buffer, context.RequestAborted).ConfigureAwait(false)) > 0)
        {
            bytes += n;
        }

        var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        lock (_lock)
        {
            _requests.Add(new RecordedRequest(context.Request.Method, context.Request.Path + context.Request.QueryString, headers, bytes, DateTimeOffset.UtcNow));
        }

        if (_respond is not null)
        {
            await _respond(context).ConfigureAwait(false);
        }
    }
}
