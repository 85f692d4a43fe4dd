using System.IO.Compression;
using System.Net;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OdigosUi.Profiles.Model;
using OdigosUi.Profiles.Otlp.Collector;
using OdigosUi.Profiles.Otlp.Common;
using OdigosUi.Profiles.Validation;

namespace OdigosUi.TestSupport.FakePyroscope;

/// <summary>A request the fake accepted, with what a test wants to know of it.</summary>
public sealed record FakePyroscopeRequest(
    ExportProfilesServiceRequest Request,
    IReadOnlyList<string> ServiceNames,
    long TotalSampleValue,
    int ProfileCount,
    IReadOnlyDictionary<string, string> Headers,
    bool Gzip,
    long BodyBytes,
    byte[] Protobuf);

/// <summary>A request the fake answered with an error (scripted or by its rules).</summary>
public sealed record FakePyroscopeRejection(int StatusCode, string Reason, IReadOnlyDictionary<string, string> Headers);

/// <summary>
/// A real HTTP server (Kestrel on 127.0.0.1, port 0) that takes OTLP profiles as STRICTLY as Grafana Pyroscope's
/// <c>/v1development/profiles</c> handler, so exporters are tested against the rules that matter:
/// <list type="bullet">
/// <item>only <c>POST /v1development/profiles</c> (else 404 / 405);</item>
/// <item><c>Content-Type</c> exactly <c>application/x-protobuf</c> (no charset, no JSON) else 415;
/// <c>Content-Encoding: gzip</c> decoded, other encodings 415;</item>
/// <item>400 with a reason when: the body is not an <see cref="ExportProfilesServiceRequest"/>; any dictionary table
/// (mapping, location, function, link, string, attribute, stack) lacks its zero value at index 0 (an empty table
/// lacks it; so an empty <c>mapping_table</c> is refused); <see cref="ProfilesValidator"/> finds errors; a CPU
/// profile (period_type cpu) has period 0; a sample has more than one value (Pyroscope: "sample values length
/// mismatch"); a resource's <c>service.name</c> is missing or only in the <c>*_strindex</c> form;</item>
/// <item>200 with an empty body otherwise, and the request is recorded.</item>
/// </list>
/// It can be scripted to answer the next N requests with a status (<see cref="RespondWith"/>) or be taken down
/// (<see cref="GoDownAsync"/>: it stops listening, so connections are refused) and brought back on the same port.
/// Thread-safe.
/// </summary>
public sealed class FakePyroscopeServer : IAsyncDisposable
{
    public const string ProfilesPath = "/v1development/profiles";
    public const string ProtobufContentType = "application/x-protobuf";

    private readonly Lock _lock = new();
    private readonly List<FakePyroscopeRequest> _accepted = [];
    private readonly List<FakePyroscopeRejection> _rejected = [];
    private readonly Queue<(int Status, string? Body, TimeSpan? RetryAfter)> _script = new();
    private readonly bool _pyroscopeRules;
    private WebApplication? _app;
    private int _requests;

    private FakePyroscopeServer(bool pyroscopeRules)
    {
        _pyroscopeRules = pyroscopeRules;
    }

    public int Port { get; private set; }

    /// <summary><c>127.0.0.1:PORT</c>, what a user types into <c>PYROSCOPE_URL</c>.</summary>
    public string HostPort => $"127.0.0.1:{Port}";

    public Uri BaseUri => new($"http://{HostPort}");

    public Uri ProfilesUri => new(BaseUri, ProfilesPath);

    public bool IsDown
    {
        get
        {
            lock (_lock)
            {
                return _app is null;
            }
        }
    }

    /// <summary>Every request that reached the server, whatever the answer.</summary>
    public int RequestCount => Volatile.Read(ref _requests);

    public IReadOnlyList<FakePyroscopeRequest> Accepted
    {
        get
        {
            lock (_lock)
            {
                return [.. _accepted];
            }
        }
    }

    public IReadOnlyList<FakePyroscopeRejection> Rejected
    {
        get
        {
            lock (_lock)
            {
                return [.. _rejected];
            }
        }
    }

    /// <summary>The sum of sample values over every accepted request.</summary>
    public long TotalSampleValue
    {
        get
        {
            lock (_lock)
            {
                return _accepted.Sum(r => r.TotalSampleValue);
            }
        }
    }

    /// <summary>Distinct service names of the accepted requests, sorted.</summary>
    public IReadOnlyList<string> ServiceNames
    {
        get
        {
            lock (_lock)
            {
                return [.. _accepted.SelectMany(r => r.ServiceNames).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
            }
        }
    }

    /// <param name="pyroscopeRules">False for a plain OTLP/HTTP backend: only <see cref="ProfilesValidator"/> errors are refused.</param>
    public static async Task<FakePyroscopeServer> StartAsync(CancellationToken cancellationToken = default, bool pyroscopeRules = true)
    {
        var server = new FakePyroscopeServer(pyroscopeRules);
        await server.ListenAsync(0, cancellationToken).ConfigureAwait(false);
        return server;
    }

    /// <summary>The next <paramref name="times"/> requests (to any path) get <paramref name="statusCode"/>, optionally with a body and <c>Retry-After</c> seconds.</summary>
    public void RespondWith(int statusCode, int times = 1, string? body = null, TimeSpan? retryAfter = null)
    {
        lock (_lock)
        {
            for (var i = 0; i < times; i++)
            {
                _script.Enqueue((statusCode, body, retryAfter));
            }
        }
    }

    /// <summary>Stops listening: new connections are refused until <see cref="ComeBackAsync"/>.</summary>
    public async Task GoDownAsync()
    {
        WebApplication? app;
        lock (_lock)
        {
            app = _app;
            _app = null;
        }

        if (app is not null)
        {
            using var stopTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await app.StopAsync(stopTimeout.Token).ConfigureAwait(false);
            await app.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Listens again on the same port.</summary>
    public async Task ComeBackAsync(CancellationToken cancellationToken = default)
    {
        if (!IsDown)
        {
            return;
        }

        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await ListenAsync(Port, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (IOException) when (attempt < 50)
            {
                // The port may linger for a moment after the stop.
                await Task.Delay(100, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Waits until at least <paramref name="count"/> requests were accepted.</summary>
    public Task WaitForAcceptedAsync(int count, TimeSpan? timeout = null) =>
        WaitUntilAsync(() => Accepted.Count >= count, timeout, () => $"{count} accepted requests (have {Accepted.Count}, {Rejected.Count} rejected: {Rejected.LastOrDefault()?.Reason})");

    /// <summary>Waits until at least <paramref name="count"/> requests reached the server.</summary>
    public Task WaitForRequestsAsync(int count, TimeSpan? timeout = null) =>
        WaitUntilAsync(() => RequestCount >= count, timeout, () => $"{count} requests (have {RequestCount})");

    public async ValueTask DisposeAsync() => await GoDownAsync().ConfigureAwait(false);

    /// <summary>The fake's rules for a decoded request: null when Pyroscope would take it, else the reason for a 400.</summary>
    public static string? Check(ExportProfilesServiceRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Dictionary is not { } d)
        {
            return "dictionary is missing";
        }

        var tables = new (string Name, int Count, bool ZeroFirst)[]
        {
            ("mapping_table", d.MappingTable.Count, d.MappingTable.Count > 0 && d.MappingTable[0].CalculateSize() == 0),
            ("location_table", d.LocationTable.Count, d.LocationTable.Count > 0 && d.LocationTable[0].CalculateSize() == 0),
            ("function_table", d.FunctionTable.Count, d.FunctionTable.Count > 0 && d.FunctionTable[0].CalculateSize() == 0),
            ("link_table", d.LinkTable.Count, d.LinkTable.Count > 0 && d.LinkTable[0].CalculateSize() == 0),
            ("string_table", d.StringTable.Count, d.StringTable.Count > 0 && d.StringTable[0].Length == 0),
            ("attribute_table", d.AttributeTable.Count, d.AttributeTable.Count > 0 && d.AttributeTable[0].CalculateSize() == 0),
            ("stack_table", d.StackTable.Count, d.StackTable.Count > 0 && d.StackTable[0].CalculateSize() == 0),
        };
        foreach (var (name, count, zeroFirst) in tables)
        {
            if (count == 0)
            {
                return $"dictionary.{name} is empty: index 0 must hold the zero value";
            }

            if (!zeroFirst)
            {
                return $"dictionary.{name}[0] is not the zero value";
            }
        }

        var validation = ProfilesValidator.Validate(request);
        if (!validation.IsValid)
        {
            return $"invalid request: {validation.Summary}";
        }

        var view = new DictionaryView(d);
        for (var r = 0; r < request.ResourceProfiles.Count; r++)
        {
            var resourceProfiles = request.ResourceProfiles[r];
            if (ServiceNameProblem(resourceProfiles.Resource?.Attributes, view) is { } problem)
            {
                return $"resource_profiles[{r}]: {problem}";
            }

            foreach (var scope in resourceProfiles.ScopeProfiles)
            {
                foreach (var profile in scope.Profiles)
                {
                    var type = view.ProfileType(profile);
                    // Pyroscope names the type from the period type only when the period is not 0.
                    if (type.IsCpu && profile.Period == 0)
                    {
                        return $"resource_profiles[{r}]: CPU profile with period 0";
                    }

                    foreach (var sample in profile.Samples)
                    {
                        if (sample.Values.Count > 1)
                        {
                            return $"resource_profiles[{r}]: a sample has {sample.Values.Count} values; one value per sample is supported";
                        }
                    }
                }
            }
        }

        return null;
    }

    private static string? ServiceNameProblem(IEnumerable<KeyValue>? attributes, DictionaryView view)
    {
        var strindexForm = false;
        foreach (var attribute in attributes ?? [])
        {
            if (attribute.Key == "service.name" && attribute.KeyStrindex == 0)
            {
                if (attribute.Value?.ValueCase == AnyValue.ValueOneofCase.StringValue && attribute.Value.StringValue.Length > 0)
                {
                    return null;
                }

                strindexForm |= attribute.Value?.ValueCase == AnyValue.ValueOneofCase.StringValueStrindex;
            }
            else if (attribute.Key.Length == 0 && (uint)attribute.KeyStrindex < (uint)view.Dictionary.StringTable.Count && view.String(attribute.KeyStrindex) == "service.name")
            {
                strindexForm = true;
            }
        }

        return strindexForm
            ? "service.name is only in the key_strindex / string_value_strindex form; it must be a plain KeyValue (key + string_value)"
            : "service.name is missing";
    }

    private async Task ListenAsync(int port, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(options =>
        {
            options.Listen(IPAddress.Loopback, port);
            options.Limits.MaxRequestBodySize = 64 << 20;
        });
        var app = builder.Build();
        app.Run(HandleAsync);
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Port = new Uri(address).Port;
        lock (_lock)
        {
            _app = app;
        }
    }

    private async Task HandleAsync(HttpContext context)
    {
        Interlocked.Increment(ref _requests);
        var request = context.Request;
        var headers = request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        (int Status, string? Body, TimeSpan? RetryAfter)? scripted = null;
        lock (_lock)
        {
            if (_script.Count > 0)
            {
                scripted = _script.Dequeue();
            }
        }

        if (scripted is { } script)
        {
            if (script.RetryAfter is { } retryAfter)
            {
                context.Response.Headers.RetryAfter = ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            await RejectAsync(context, script.Status, script.Body ?? $"scripted {script.Status}", headers).ConfigureAwait(false);
            return;
        }

        if (request.Path != ProfilesPath)
        {
            await RejectAsync(context, StatusCodes.Status404NotFound, "404 page not found", headers).ConfigureAwait(false);
            return;
        }

        if (!HttpMethods.IsPost(request.Method))
        {
            await RejectAsync(context, StatusCodes.Status405MethodNotAllowed, "method not allowed", headers).ConfigureAwait(false);
            return;
        }

        var contentType = request.Headers.ContentType.ToString();
        if (contentType != ProtobufContentType)
        {
            await RejectAsync(context, StatusCodes.Status415UnsupportedMediaType, $"unsupported content type '{contentType}'", headers).ConfigureAwait(false);
            return;
        }

        var encoding = request.Headers.ContentEncoding.ToString();
        var gzip = encoding.Equals("gzip", StringComparison.OrdinalIgnoreCase);
        if (!gzip && encoding.Length > 0 && !encoding.Equals("identity", StringComparison.OrdinalIgnoreCase))
        {
            await RejectAsync(context, StatusCodes.Status415UnsupportedMediaType, $"unsupported content encoding '{encoding}'", headers).ConfigureAwait(false);
            return;
        }

        using var raw = new MemoryStream();
        await request.Body.CopyToAsync(raw, context.RequestAborted).ConfigureAwait(false);
        var bodyBytes = raw.Length;
        ExportProfilesServiceRequest decoded;
        byte[] protobuf;
        try
        {
            raw.Position = 0;
            if (gzip)
            {
                using var unzip = new GZipStream(raw, CompressionMode.Decompress);
                using var plain = new MemoryStream();
                await unzip.CopyToAsync(plain, context.RequestAborted).ConfigureAwait(false);
                protobuf = plain.ToArray();
            }
            else
            {
                protobuf = raw.ToArray();
            }

            decoded = ExportProfilesServiceRequest.Parser.ParseFrom(protobuf);
        }
        catch (Exception e) when (e is InvalidProtocolBufferException or InvalidDataException)
        {
            await RejectAsync(context, StatusCodes.Status400BadRequest, $"failed to decode the request: {e.Message}", headers).ConfigureAwait(false);
            return;
        }

        var validation = ProfilesValidator.Validate(decoded);
        if ((_pyroscopeRules ? Check(decoded) : validation.IsValid ? null : $"invalid request: {validation.Summary}") is { } reason)
        {
            await RejectAsync(context, StatusCodes.Status400BadRequest, reason, headers).ConfigureAwait(false);
            return;
        }

        var services = decoded.ResourceProfiles
            .Select(r => r.Resource?.Attributes.FirstOrDefault(a => a.Key == "service.name")?.Value?.StringValue ?? "")
            .ToList();
        var profiles = decoded.ResourceProfiles.SelectMany(r => r.ScopeProfiles).SelectMany(s => s.Profiles).ToList();
        var total = profiles.SelectMany(p => p.Samples).Sum(DictionaryView.SampleValue);
        lock (_lock)
        {
            _accepted.Add(new FakePyroscopeRequest(decoded, services, total, profiles.Count, headers, gzip, bodyBytes, protobuf));
        }

        context.Response.StatusCode = StatusCodes.Status200OK;
    }

    private async Task RejectAsync(HttpContext context, int status, string reason, IReadOnlyDictionary<string, string> headers)
    {
        lock (_lock)
        {
            _rejected.Add(new FakePyroscopeRejection(status, reason, headers));
        }

        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        await context.Response.WriteAsync(reason + "\n", context.RequestAborted).ConfigureAwait(false);
    }

    private static async Task WaitUntilAsync(Func<bool> condition, TimeSpan? timeout, Func<string> what)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out waiting for {what()}");
            }

            await Task.Delay(10).ConfigureAwait(false);
        }
    }
}
