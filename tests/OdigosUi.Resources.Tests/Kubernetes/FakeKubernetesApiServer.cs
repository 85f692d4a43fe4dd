using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace OdigosUi.Resources.Tests.Kubernetes;

/// <summary>
/// A fake Kubernetes API server on Kestrel (127.0.0.1, port 0) that speaks enough REST for KubernetesClient:
/// <c>/apis/odigos.io/v1alpha1/[namespaces/{ns}/]{destinations|sources}[/{name}[/status]]</c>,
/// <c>/apis/apps/v1/.../{deployments|statefulsets|daemonsets}</c>, <c>/apis/batch/v1/.../cronjobs</c> and
/// <c>/apis/apps/v1/.../replicasets</c>, <c>/apis/batch/v1/.../jobs</c>, <c>/api/v1/[namespaces/{ns}/]pods</c>,
/// <c>/api/v1/[namespaces/{ns}/]secrets[/{name}]</c> with GET (object, list, <c>?watch=true</c>, <c>fieldSelector</c> with
/// <c>path=value</c> / <c>path!=value</c> terms on lists and watches), POST, PUT and
/// DELETE, with the API server's rules: generateName, uid, creationTimestamp, a global resourceVersion counter,
/// optimistic concurrency (409 Conflict), the status subresource (status ignored on the main resource, spec ignored on
/// /status), generation bumped on spec changes, no-op updates, owner garbage collection, and errors as <c>Status</c>
/// objects. Watches stream JSON lines for changes after the given resourceVersion; a resourceVersion older than the
/// kept history gets an <c>ERROR</c> event with a 410 Status (as the real server does).
/// </summary>
internal sealed class FakeKubernetesApiServer : IAsyncDisposable
{
    private const string SuffixAlphabet = "bcdfghjklmnpqrstvwxz2456789";

    private static readonly Dictionary<string, (string Group, string Version, string Kind, bool StatusSubresource)> Kinds = new()
    {
        ["destinations"] = ("odigos.io", "v1alpha1", "Destination", true),
        ["sources"] = ("odigos.io", "v1alpha1", "Source", true),
        ["secrets"] = ("", "v1", "Secret", false),
        ["deployments"] = ("apps", "v1", "Deployment", true),
        ["statefulsets"] = ("apps", "v1", "StatefulSet", true),
        ["daemonsets"] = ("apps", "v1", "DaemonSet", true),
        ["cronjobs"] = ("batch", "v1", "CronJob", true),
        ["jobs"] = ("batch", "v1", "Job", true),
        ["replicasets"] = ("apps", "v1", "ReplicaSet", true),
        ["pods"] = ("", "v1", "Pod", true),
    };

    private readonly object _lock = new();
    private readonly SortedDictionary<(string Plural, string Namespace, string Name), JsonObject> _objects = [];
    private readonly List<(long Version, string Plural, string Namespace, string Type, JsonObject Object)> _history = [];
    private readonly List<WatchConnection> _watches = [];
    private readonly Queue<int> _failures = new();
    private readonly List<string> _requests = [];
    private readonly WebApplication _app;
    private long _resourceVersion = 100;
    private long _oldestWatchable = 100;

    private FakeKubernetesApiServer(WebApplication app)
    {
        _app = app;
    }

    public string Url { get; private set; } = "";

    /// <summary>Requests seen, as <c>METHOD path?query</c>.</summary>
    public IReadOnlyList<string> Requests
    {
        get
        {
            lock (_lock)
            {
                return [.. _requests];
            }
        }
    }

    /// <summary>Watch connections currently open.</summary>
    public int OpenWatches
    {
        get
        {
            lock (_lock)
            {
                return _watches.Count;
            }
        }
    }

    public long CurrentResourceVersion
    {
        get
        {
            lock (_lock)
            {
                return _resourceVersion;
            }
        }
    }

    public static async Task<FakeKubernetesApiServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var fake = new FakeKubernetesApiServer(app);
        app.Run(fake.HandleAsync);
        await app.StartAsync();
        fake.Url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().Replace("[::1]", "127.0.0.1", StringComparison.Ordinal);
        return fake;
    }

    /// <summary>Closes every open watch connection (abruptly, as a network failure would).</summary>
    public void DropWatches()
    {
        List<WatchConnection> watches;
        lock (_lock)
        {
            watches = [.. _watches];
            _watches.Clear();
        }

        foreach (var watch in watches)
        {
            watch.Drop();
        }
    }

    /// <summary>Forgets the event history: a watch from any resourceVersion up to now gets 410 Gone.</summary>
    public void CompactHistory()
    {
        lock (_lock)
        {
            _history.Clear();
            _oldestWatchable = _resourceVersion;
        }
    }

    /// <summary>The next request (any) fails with <paramref name="statusCode"/>.</summary>
    public void FailNextRequest(int statusCode = 500)
    {
        lock (_lock)
        {
            _failures.Enqueue(statusCode);
        }
    }

    /// <summary>While true, watch requests are refused with 503 (lists and writes still work).</summary>
    public bool RejectWatches { get; set; }

    /// <summary>The stored object, as the API server holds it, or null.</summary>
    public JsonObject? GetObject(string plural, string @namespace, string name)
    {
        lock (_lock)
        {
            return _objects.TryGetValue((plural, @namespace, name), out var obj) ? (JsonObject)obj.DeepClone() : null;
        }
    }

    public IReadOnlyList<JsonObject> GetObjects(string plural)
    {
        lock (_lock)
        {
            return [.. _objects.Where(p => p.Key.Plural == plural).Select(p => (JsonObject)p.Value.DeepClone())];
        }
    }

    /// <summary>Changes an object behind the client's back (as another client would), with a MODIFIED event.</summary>
    public void Mutate(string plural, string @namespace, string name, Action<JsonObject> change)
    {
        lock (_lock)
        {
            var obj = _objects[(plural, @namespace, name)];
            change(obj);
            obj["metadata"]!["resourceVersion"] = Next();
            Record(plural, @namespace, "MODIFIED", obj);
        }
    }

    public async ValueTask DisposeAsync()
    {
        DropWatches();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    // ---- request handling ---------------------------------------------------------------------------------------

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        int failure = 0;
        lock (_lock)
        {
            _requests.Add($"{request.Method} {request.Path}{request.QueryString}");
            if (_failures.Count > 0)
            {
                failure = _failures.Dequeue();
            }
        }

        if (failure != 0)
        {
            await WriteStatus(context, failure, "InternalError", "injected failure");
            return;
        }

        if (!TryParsePath(request.Path.Value ?? "", out string plural, out string? ns, out string? name, out bool status))
        {
            await WriteStatus(context, 404, "NotFound", "the server could not find the requested resource");
            return;
        }

        JsonObject? body = null;
        if (request.Method is "POST" or "PUT")
        {
            try
            {
                body = await JsonNode.ParseAsync(request.Body) as JsonObject;
            }
            catch (JsonException)
            {
            }

            if (body is null)
            {
                await WriteStatus(context, 400, "BadRequest", "the body is not a JSON object");
                return;
            }
        }

        bool isWatch = request.Query["watch"] is { Count: > 0 } w && (w[0] == "true" || w[0] == "1");
        if (isWatch && RejectWatches)
        {
            await WriteStatus(context, 503, "ServiceUnavailable", "watches are rejected");
            return;
        }

        switch (request.Method)
        {
            case "GET" when name is null && !FieldSelector.TryParse(request.Query["fieldSelector"].FirstOrDefault(), out _, out string? selectorError):
                await WriteStatus(context, 400, "BadRequest", selectorError!);
                return;
            case "GET" when name is null && isWatch:
                await WatchAsync(context, plural, ns, request.Query["resourceVersion"].FirstOrDefault(), FieldSelector.Parse(request.Query["fieldSelector"].FirstOrDefault()));
                return;
            case "GET" when name is null:
                await WriteJson(context, 200, List(plural, ns, FieldSelector.Parse(request.Query["fieldSelector"].FirstOrDefault())));
                return;
            case "GET":
                await Respond(context, () => Get(plural, ns!, name));
                return;
            case "POST" when name is null && ns is not null:
                await Respond(context, () => Create(plural, ns, body!), 201);
                return;
            case "PUT" when name is not null && ns is not null:
                await Respond(context, () => Replace(plural, ns, name, body!, status));
                return;
            case "DELETE" when name is not null && ns is not null && !status:
                await Respond(context, () => Delete(plural, ns, name));
                return;
            default:
                await WriteStatus(context, 405, "MethodNotAllowed", $"{request.Method} is not supported on {request.Path}");
                return;
        }
    }

    private static bool TryParsePath(string path, out string plural, out string? ns, out string? name, out bool status)
    {
        plural = "";
        ns = null;
        name = null;
        status = false;
        string[] parts = path.Trim('/').Split('/');
        int i;
        if (parts.Length >= 2 && parts[0] == "api" && parts[1] == "v1")
        {
            i = 2;
        }
        else if (parts.Length >= 3 && parts[0] == "apis")
        {
            i = 3;
        }
        else
        {
            return false;
        }

        if (parts.Length > i + 1 && parts[i] == "namespaces")
        {
            ns = parts[i + 1];
            i += 2;
        }

        if (parts.Length <= i)
        {
            return false;
        }

        plural = parts[i++];
        bool core = parts[0] == "api";
        if (!Kinds.TryGetValue(plural, out var kind) || (kind.Group.Length == 0) != core || (!core && (parts[1] != kind.Group || parts[2] != kind.Version)))
        {
            return false;
        }

        if (parts.Length > i)
        {
            if (ns is null)
            {
                return false;
            }

            name = parts[i++];
        }

        if (parts.Length > i)
        {
            if (parts[i] != "status" || !kind.StatusSubresource || parts.Length > i + 1)
            {
                return false;
            }

            status = true;
        }

        return true;
    }

    private JsonObject List(string plural, string? ns, FieldSelector selector)
    {
        var kind = Kinds[plural];
        lock (_lock)
        {
            var items = new JsonArray();
            foreach (var (key, obj) in _objects)
            {
                if (key.Plural == plural && (ns is null || key.Namespace == ns) && selector.Matches(obj))
                {
                    items.Add(obj.DeepClone());
                }
            }

            return new JsonObject
            {
                ["apiVersion"] = ApiVersion(plural),
                ["kind"] = kind.Kind + "List",
                ["metadata"] = new JsonObject { ["resourceVersion"] = _resourceVersion.ToString(CultureInfo.InvariantCulture) },
                ["items"] = items,
            };
        }
    }

    private JsonObject Get(string plural, string ns, string name)
    {
        lock (_lock)
        {
            return _objects.TryGetValue((plural, ns, name), out var obj)
                ? (JsonObject)obj.DeepClone()
                : throw NotFound(plural, name);
        }
    }

    private JsonObject Create(string plural, string ns, JsonObject body)
    {
        var kind = Kinds[plural];
        var meta = body["metadata"] as JsonObject ?? new JsonObject();
        body["metadata"] = meta;
        if (meta["namespace"]?.GetValue<string>() is { Length: > 0 } bodyNs && bodyNs != ns)
        {
            throw new ApiError(400, "BadRequest", "the namespace of the provided object does not match the namespace sent on the request");
        }

        if (meta["resourceVersion"]?.GetValue<string>() is { Length: > 0 })
        {
            throw new ApiError(500, "InternalError", "resourceVersion should not be set on objects to be created");
        }

        string? name = meta["name"]?.GetValue<string>();
        string? generateName = meta["generateName"]?.GetValue<string>();
        if (string.IsNullOrEmpty(name) && string.IsNullOrEmpty(generateName))
        {
            throw Invalid(plural, "", "metadata.name: Required value: name or generateName is required");
        }

        lock (_lock)
        {
            if (string.IsNullOrEmpty(name))
            {
                name = generateName![..Math.Min(generateName!.Length, 58)] + string.Concat(Enumerable.Range(0, 5).Select(_ => SuffixAlphabet[RandomNumberGenerator.GetInt32(SuffixAlphabet.Length)]));
            }

            if (_objects.ContainsKey((plural, ns, name)))
            {
                throw new ApiError(409, "AlreadyExists", $"{QualifiedPlural(plural)} \"{name}\" already exists", name, plural);
            }

            body["apiVersion"] = ApiVersion(plural);
            body["kind"] = kind.Kind;
            meta["name"] = name;
            meta["namespace"] = ns;
            meta["uid"] = Guid.NewGuid().ToString();
            meta["creationTimestamp"] = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
            if (kind.StatusSubresource)
            {
                body.Remove("status");
                meta["generation"] = 1L;
            }

            FoldStringData(plural, body);
            meta["resourceVersion"] = Next();
            _objects[(plural, ns, name)] = body;
            Record(plural, ns, "ADDED", body);
            return (JsonObject)body.DeepClone();
        }
    }

    private JsonObject Replace(string plural, string ns, string name, JsonObject body, bool statusOnly)
    {
        var kind = Kinds[plural];
        var meta = body["metadata"] as JsonObject ?? new JsonObject();
        if (meta["name"]?.GetValue<string>() is { } bodyName && bodyName != name)
        {
            throw new ApiError(400, "BadRequest", "the name of the object does not match the name on the URL");
        }

        lock (_lock)
        {
            if (!_objects.TryGetValue((plural, ns, name), out var stored))
            {
                throw NotFound(plural, name);
            }

            string? version = meta["resourceVersion"]?.GetValue<string>();
            if (string.IsNullOrEmpty(version))
            {
                throw Invalid(plural, name, "metadata.resourceVersion: Invalid value: 0x0: must be specified for an update");
            }

            var storedMeta = (JsonObject)stored["metadata"]!;
            if (version != storedMeta["resourceVersion"]!.GetValue<string>()
                || (meta["uid"]?.GetValue<string>() is { Length: > 0 } uid && uid != storedMeta["uid"]!.GetValue<string>()))
            {
                throw new ApiError(409, "Conflict", $"Operation cannot be fulfilled on {QualifiedPlural(plural)} \"{name}\": the object has been modified; please apply your changes to the latest version and try again", name, plural);
            }

            JsonObject updated;
            if (statusOnly)
            {
                updated = (JsonObject)stored.DeepClone();
                updated["status"] = body["status"]?.DeepClone();
                if (updated["status"] is null)
                {
                    updated.Remove("status");
                }
            }
            else
            {
                updated = (JsonObject)body.DeepClone();
                updated["apiVersion"] = ApiVersion(plural);
                updated["kind"] = kind.Kind;
                var updatedMeta = (JsonObject)updated["metadata"]!;
                updatedMeta["namespace"] = ns;
                foreach (string key in (string[])["uid", "creationTimestamp", "generation", "generateName"])
                {
                    updatedMeta[key] = storedMeta[key]?.DeepClone();
                    if (updatedMeta[key] is null)
                    {
                        updatedMeta.Remove(key);
                    }
                }

                if (kind.StatusSubresource)
                {
                    updated["status"] = stored["status"]?.DeepClone();
                    if (updated["status"] is null)
                    {
                        updated.Remove("status");
                    }

                    if (plural == "sources" && !JsonNode.DeepEquals(updated["spec"]?["workload"], stored["spec"]?["workload"]))
                    {
                        throw Invalid(plural, name, "spec.workload: Invalid value: the field is immutable");
                    }
                }

                FoldStringData(plural, updated);
                if (kind.StatusSubresource && !JsonNode.DeepEquals(WithoutMetadataAndStatus(updated), WithoutMetadataAndStatus(stored)))
                {
                    updatedMeta["generation"] = (storedMeta["generation"] is { } g ? long.Parse(g.ToJsonString(), CultureInfo.InvariantCulture) : 0) + 1;
                }
            }

            if (JsonNode.DeepEquals(Canonical(updated), Canonical(stored)))
            {
                return (JsonObject)stored.DeepClone(); // no-op: no new resourceVersion, no event
            }

            updated["metadata"]!["resourceVersion"] = Next();
            _objects[(plural, ns, name)] = updated;
            Record(plural, ns, "MODIFIED", updated);
            return (JsonObject)updated.DeepClone();
        }
    }

    private JsonObject Delete(string plural, string ns, string name)
    {
        lock (_lock)
        {
            if (!_objects.Remove((plural, ns, name), out var root))
            {
                throw NotFound(plural, name);
            }

            root["metadata"]!["resourceVersion"] = Next();
            Record(plural, ns, "DELETED", root);

            // The garbage collector: dependents (same namespace) whose ownerReferences name a deleted uid.
            var uids = new Queue<string>();
            uids.Enqueue(root["metadata"]!["uid"]!.GetValue<string>());
            while (uids.TryDequeue(out string? uid))
            {
                var dependents = _objects
                    .Where(p => p.Key.Namespace == ns && p.Value["metadata"]?["ownerReferences"] is JsonArray refs && refs.Any(r => r?["uid"]?.GetValue<string>() == uid))
                    .ToList();
                foreach (var (key, dependent) in dependents)
                {
                    _objects.Remove(key);
                    dependent["metadata"]!["resourceVersion"] = Next();
                    Record(key.Plural, ns, "DELETED", dependent);
                    uids.Enqueue(dependent["metadata"]!["uid"]!.GetValue<string>());
                }
            }

            var kind = Kinds[plural];
            if (plural == "pods")
            {
                // Pods are deleted gracefully: the API server answers with the pod itself.
                return (JsonObject)root.DeepClone();
            }

            return new JsonObject
            {
                ["kind"] = "Status",
                ["apiVersion"] = "v1",
                ["metadata"] = new JsonObject(),
                ["status"] = "Success",
                ["details"] = new JsonObject { ["name"] = name, ["group"] = kind.Group, ["kind"] = plural, ["uid"] = root["metadata"]!["uid"]!.GetValue<string>() },
            };
        }
    }

    private async Task WatchAsync(HttpContext context, string plural, string? ns, string? fromText, FieldSelector selector)
    {
        var connection = new WatchConnection(plural, ns, selector, context);
        bool gone = false;
        lock (_lock)
        {
            long from = long.TryParse(fromText, NumberStyles.None, CultureInfo.InvariantCulture, out long v) ? v : _resourceVersion;
            if (from < _oldestWatchable)
            {
                gone = true;
            }
            else
            {
                foreach (var (version, p, n, type, obj) in _history)
                {
                    if (version > from && p == plural && (ns is null || n == ns) && selector.Matches(obj))
                    {
                        connection.Enqueue(type, obj);
                    }
                }

                _watches.Add(connection);
            }
        }

        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json";
        await context.Response.StartAsync();
        if (gone)
        {
            // What the API server sends for a resourceVersion it no longer has: an ERROR event with a 410 Status.
            var status = StatusObject(410, "Expired", $"too old resource version: {fromText} ({_oldestWatchable})");
            await context.Response.WriteAsync(new JsonObject { ["type"] = "ERROR", ["object"] = status }.ToJsonString() + "\n");
            await context.Response.Body.FlushAsync();
            return;
        }

        try
        {
            await connection.PumpAsync(context.RequestAborted);
        }
        catch (OperationCanceledException)
        {
        }
        catch (IOException)
        {
        }
        finally
        {
            lock (_lock)
            {
                _watches.Remove(connection);
            }
        }
    }

    // ---- helpers ------------------------------------------------------------------------------------------------

    /// <summary>Under the lock: the next resourceVersion.</summary>
    private string Next() => (++_resourceVersion).ToString(CultureInfo.InvariantCulture);

    /// <summary>Under the lock: keeps the event and sends it to matching watches.</summary>
    private void Record(string plural, string ns, string type, JsonObject obj)
    {
        long version = long.Parse(obj["metadata"]!["resourceVersion"]!.GetValue<string>(), CultureInfo.InvariantCulture);
        var copy = (JsonObject)obj.DeepClone();
        _history.Add((version, plural, ns, type, copy));
        foreach (var watch in _watches)
        {
            if (watch.Plural == plural && (watch.Namespace is null || watch.Namespace == ns) && watch.Selector.Matches(copy))
            {
                watch.Enqueue(type, copy);
            }
        }
    }

    private static void FoldStringData(string plural, JsonObject obj)
    {
        if (plural != "secrets")
        {
            return;
        }

        if (obj["stringData"] is JsonObject stringData)
        {
            var data = obj["data"] as JsonObject ?? new JsonObject();
            obj["data"] = data;
            foreach (var (key, value) in stringData)
            {
                data[key] = Convert.ToBase64String(Encoding.UTF8.GetBytes(value?.GetValue<string>() ?? ""));
            }
        }

        obj.Remove("stringData");
    }

    private static JsonObject WithoutMetadataAndStatus(JsonObject obj)
    {
        var copy = (JsonObject)obj.DeepClone();
        copy.Remove("metadata");
        copy.Remove("status");
        return copy;
    }

    private static JsonObject Canonical(JsonObject obj)
    {
        var copy = (JsonObject)obj.DeepClone();
        (copy["metadata"] as JsonObject)?.Remove("resourceVersion");
        return copy;
    }

    private static string ApiVersion(string plural) => Kinds[plural] is var k && k.Group.Length == 0 ? k.Version : $"{k.Group}/{k.Version}";

    private static string QualifiedPlural(string plural) => Kinds[plural].Group is { Length: > 0 } g ? $"{plural}.{g}" : plural;

    private static ApiError NotFound(string plural, string name) => new(404, "NotFound", $"{QualifiedPlural(plural)} \"{name}\" not found", name, plural);

    private static ApiError Invalid(string plural, string name, string message) =>
        new(422, "Invalid", $"{Kinds[plural].Kind} \"{name}\" is invalid: {message}", name, plural);

    private static JsonObject StatusObject(int code, string reason, string message, string? name = null, string? plural = null)
    {
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
        if (name is not null && plural is not null)
        {
            status["details"] = new JsonObject { ["name"] = name, ["group"] = Kinds[plural].Group, ["kind"] = plural };
        }

        return status;
    }

    private static async Task Respond(HttpContext context, Func<JsonObject> action, int successCode = 200)
    {
        JsonObject result;
        try
        {
            result = action();
        }
        catch (ApiError error)
        {
            await WriteJson(context, error.Code, StatusObject(error.Code, error.Reason, error.Message, error.Name, error.Plural));
            return;
        }
        catch (Exception ex) when (ex is InvalidOperationException or FormatException or KeyNotFoundException or NullReferenceException)
        {
            await WriteJson(context, 500, StatusObject(500, "InternalError", "fake API server bug: " + ex));
            return;
        }

        await WriteJson(context, successCode, result);
    }

    private static Task WriteStatus(HttpContext context, int code, string reason, string message) =>
        WriteJson(context, code, StatusObject(code, reason, message));

    private static async Task WriteJson(HttpContext context, int code, JsonObject body)
    {
        context.Response.StatusCode = code;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body.ToJsonString());
    }

    private sealed class ApiError(int code, string reason, string message, string? name = null, string? plural = null) : Exception(message)
    {
        public int Code { get; } = code;

        public string Reason { get; } = reason;

        public string? Name { get; } = name;

        public string? Plural { get; } = plural;
    }

    private sealed class WatchConnection(string plural, string? ns, FieldSelector selector, HttpContext context)
    {
        public FieldSelector Selector { get; } = selector;

        private readonly Channel<string> _lines = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });

        public string Plural { get; } = plural;

        public string? Namespace { get; } = ns;

        public void Enqueue(string type, JsonObject obj) =>
            _lines.Writer.TryWrite(new JsonObject { ["type"] = type, ["object"] = obj.DeepClone() }.ToJsonString() + "\n");

        public void Drop()
        {
            _lines.Writer.TryComplete();
            try
            {
                context.Abort();
            }
            catch (ObjectDisposedException)
            {
                // The watch request already ended (the client went away first): nothing left to drop.
            }
        }

        public async Task PumpAsync(CancellationToken cancellationToken)
        {
            await context.Response.Body.FlushAsync(cancellationToken);
            await foreach (string line in _lines.Reader.ReadAllAsync(cancellationToken))
            {
                await context.Response.WriteAsync(line, cancellationToken);
                await context.Response.Body.FlushAsync(cancellationToken);
            }
        }
    }

    /// <summary><c>fieldSelector</c>: comma-separated <c>dotted.path=value</c> or <c>dotted.path!=value</c> terms, all of which must hold.</summary>
    private sealed class FieldSelector
    {
        private readonly List<(string[] Path, string Value, bool Equal)> _terms = [];

        public static FieldSelector Parse(string? text) =>
            TryParse(text, out var selector, out _) ? selector : throw new ArgumentException("invalid field selector", nameof(text));

        public static bool TryParse(string? text, out FieldSelector selector, out string? error)
        {
            selector = new FieldSelector();
            error = null;
            foreach (string term in (text ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                int notEqual = term.IndexOf("!=", StringComparison.Ordinal);
                int equal = notEqual >= 0 ? notEqual : term.IndexOf('=');
                if (equal <= 0)
                {
                    error = $"invalid field selector term \"{term}\": expected field=value or field!=value";
                    return false;
                }

                string value = term[(equal + (notEqual >= 0 ? 2 : term.AsSpan(equal).StartsWith("==") ? 2 : 1))..];
                selector._terms.Add((term[..equal].Split('.'), value, notEqual < 0));
            }

            return true;
        }

        public bool Matches(JsonObject obj)
        {
            foreach (var (path, value, equal) in _terms)
            {
                JsonNode? node = obj;
                foreach (string part in path)
                {
                    node = node is JsonObject o ? o[part] : null;
                }

                string actual = node is JsonValue v && v.TryGetValue(out string? text) ? text : "";
                if ((actual == value) != equal)
                {
                    return false;
                }
            }

            return true;
        }
    }
}
