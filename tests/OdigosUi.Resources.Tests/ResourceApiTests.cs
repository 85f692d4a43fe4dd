using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OdigosUi.Resources.Api;
using OdigosUi.Resources.Sources;

namespace OdigosUi.Resources.Tests;

/// <summary>The resource API on a real Kestrel port with an in-memory store.</summary>
internal sealed class ApiHost : IAsyncDisposable
{
    private ApiHost(WebApplication app, HttpClient client)
    {
        App = app;
        Client = client;
    }

    public WebApplication App { get; }

    public HttpClient Client { get; }

    public T Service<T>()
        where T : notnull => App.Services.GetRequiredService<T>();

    public static async Task<ApiHost> StartAsync(string? dataDir = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { [ResourceOptions.DataDirKey] = dataDir ?? ResourceOptions.InMemory });
        builder.Services.AddOdigosResources(builder.Configuration);
        var app = builder.Build();
        app.MapResourceApi();
        await app.StartAsync();
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new ApiHost(app, new HttpClient { BaseAddress = new Uri(address) });
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }
}

public sealed class ResourceApiTests : IAsyncLifetime
{
    private ApiHost _host = null!;

    private HttpClient Client => _host.Client;

    public async Task InitializeAsync() => _host = await ApiHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private const string PyroscopeBody = """
        {"type": "pyroscope", "name": "Local Pyroscope", "signals": ["PROFILES"],
         "fields": {"PYROSCOPE_URL": "localhost:4040", "PYROSCOPE_TLS_ENABLED": "false", "PYROSCOPE_BASIC_AUTH_PASSWORD": "s3cr3t-value"}, "disabled": false}
        """;

    private static async Task<JsonObject> ReadObject(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<JsonObject>())!;

    [Fact]
    public async Task Destination_types_are_the_catalog_without_envelope()
    {
        var types = (await Client.GetFromJsonAsync<JsonArray>("/api/destination-types"))!;
        Assert.Equal(["OTLP gRPC", "OTLP http", "Pyroscope"], types.Select(t => (string)t!["displayName"]!));
        var pyroscope = types.Single(t => (string?)t!["type"] == "pyroscope")!.AsObject();
        Assert.False(pyroscope.ContainsKey("apiVersion"));
        Assert.False(pyroscope.ContainsKey("metadata"));
        Assert.Equal("self hosted", (string?)pyroscope["category"]);
        Assert.Equal(["PROFILES"], pyroscope["signals"]!.AsArray().Select(s => (string)s!));
        Assert.True((bool)pyroscope["testConnectionSupported"]!);
        var url = pyroscope["fields"]!.AsArray()[0]!;
        Assert.Equal("PYROSCOPE_URL", (string?)url["name"]);
        Assert.Equal("input", (string?)url["componentType"]);
        Assert.True((bool)url["componentProps"]!["required"]!);
        Assert.Equal("host:port", (string?)url["componentProps"]!["placeholder"]);
        var tls = pyroscope["fields"]!.AsArray()[1]!;
        Assert.Equal("false", (string?)tls["initialValue"]);
    }

    [Fact]
    public async Task Create_get_list_update_delete()
    {
        var post = await Client.PostAsync("/api/destinations", Json(PyroscopeBody));
        Assert.Equal(HttpStatusCode.Created, post.StatusCode);
        string postText = await post.Content.ReadAsStringAsync();
        Assert.DoesNotContain("s3cr3t-value", postText);
        var created = JsonNode.Parse(postText)!.AsObject();
        string id = (string)created["id"]!;
        Assert.StartsWith("odigos.io.dest.pyroscope-", id);
        Assert.Equal($"/api/destinations/{id}", post.Headers.Location!.OriginalString);
        Assert.Equal("Local Pyroscope", (string?)created["name"]);
        Assert.Equal("localhost:4040", (string?)created["fields"]!["PYROSCOPE_URL"]);
        Assert.Equal(["PYROSCOPE_BASIC_AUTH_PASSWORD"], created["secretFields"]!.AsArray().Select(s => (string)s!));
        Assert.False((bool)created["disabled"]!);
        Assert.Empty(created["conditions"]!.AsArray());

        var get = await Client.GetAsync(post.Headers.Location);
        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        string getText = await get.Content.ReadAsStringAsync();
        Assert.DoesNotContain("s3cr3t-value", getText);
        Assert.Equal(id, (string?)JsonNode.Parse(getText)!["id"]);

        string listText = await Client.GetStringAsync("/api/destinations");
        Assert.DoesNotContain("s3cr3t-value", listText);
        Assert.Equal(id, (string?)JsonNode.Parse(listText)!.AsArray().Single()!["id"]);

        // Update to another URL without the secret: 400, the stored secret must be entered again.
        var moved = await Client.PutAsync($"/api/destinations/{id}", Json("""
            {"type": "pyroscope", "name": "Renamed", "signals": ["PROFILES"], "fields": {"PYROSCOPE_URL": "https://pyroscope.example:443"}}
            """));
        Assert.Equal(HttpStatusCode.BadRequest, moved.StatusCode);
        Assert.Contains("again", (string?)(await ReadObject(moved))["errors"]!["fields.PYROSCOPE_BASIC_AUTH_PASSWORD"]![0], StringComparison.Ordinal);

        // Update without the secret, same connection: kept (the exporters still get it).
        var put = await Client.PutAsync($"/api/destinations/{id}", Json("""
            {"type": "pyroscope", "name": "Renamed", "signals": ["PROFILES"], "fields": {"PYROSCOPE_URL": "localhost:4040"}}
            """));
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        string putText = await put.Content.ReadAsStringAsync();
        Assert.DoesNotContain("s3cr3t-value", putText);
        Assert.Equal("Renamed", (string?)JsonNode.Parse(putText)!["name"]);
        Assert.Equal(["PYROSCOPE_BASIC_AUTH_PASSWORD"], JsonNode.Parse(putText)!["secretFields"]!.AsArray().Select(s => (string)s!));
        var resolved = (await _host.Service<Destinations.DestinationService>().ResolveForExportAsync()).Single();
        Assert.Equal("s3cr3t-value", resolved.Fields["PYROSCOPE_BASIC_AUTH_PASSWORD"]);

        Assert.Equal(HttpStatusCode.NoContent, (await Client.DeleteAsync($"/api/destinations/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Client.DeleteAsync($"/api/destinations/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Client.GetAsync($"/api/destinations/{id}")).StatusCode);
        Assert.Equal("[]", await Client.GetStringAsync("/api/destinations"));
    }

    [Fact]
    public async Task Invalid_destination_is_a_ValidationProblem_with_messages_per_field()
    {
        var response = await Client.PostAsync("/api/destinations", Json("""
            {"type": "pyroscope", "signals": ["TRACES"], "fields": {"PYROSCOPE_URL": "pyroscope", "PYROSCOPE_TLS_ENABLED": "maybe", "EXTRA": "1"}}
            """));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        var problem = await ReadObject(response);
        Assert.Equal(400, (int)problem["status"]!);
        Assert.Equal("The destination is not valid.", (string?)problem["title"]);
        var errors = problem["errors"]!.AsObject();
        Assert.Equal(["fields.EXTRA", "fields.PYROSCOPE_TLS_ENABLED", "fields.PYROSCOPE_URL", "signals"], errors.Select(p => p.Key).Order(StringComparer.Ordinal));
        Assert.Equal("A port is required: host:port, e.g. pyroscope:4040.", (string?)errors["fields.PYROSCOPE_URL"]![0]);
        Assert.Equal("Must be \"true\" or \"false\".", (string?)errors["fields.PYROSCOPE_TLS_ENABLED"]![0]);
        Assert.Equal("Pyroscope does not support TRACES (supported: PROFILES).", (string?)errors["signals"]![0]);

        var unknownType = await ReadObject(await Client.PostAsync("/api/destinations", Json("""{"type": "zipkin", "signals": ["TRACES"]}""")));
        Assert.StartsWith("Unknown destination type 'zipkin'", (string?)unknownType["errors"]!["type"]![0]);
        Assert.Equal("[]", await Client.GetStringAsync("/api/destinations"));
    }

    [Theory]
    [InlineData("{\"type\": \"pyroscope\",", "application/json")]
    [InlineData("", "application/json")]
    [InlineData("null", "application/json")]
    [InlineData("[1, 2]", "application/json")]
    [InlineData("{\"signals\": \"PROFILES\"}", "application/json")]
    [InlineData("{\"fields\": [\"a\"]}", "application/json")]
    [InlineData("{\"disabled\": \"no\"}", "application/json")]
    [InlineData("not json at all", null)]
    public async Task Malformed_bodies_are_400_with_a_reason(string body, string? contentType)
    {
        var content = new StringContent(body, Encoding.UTF8);
        content.Headers.ContentType = contentType is null ? null : new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
        foreach (var response in new[]
        {
            await Client.PostAsync("/api/destinations", content),
            await Client.PutAsync("/api/destinations/anything", content),
        })
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            var problem = await ReadObject(response);
            Assert.False(string.IsNullOrWhiteSpace((string?)problem["detail"]));
        }
    }

    [Fact]
    public async Task A_body_that_is_not_JSON_is_415()
    {
        var response = await Client.PostAsync("/api/destinations", new StringContent(PyroscopeBody, Encoding.UTF8, "text/plain"));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
    }

    [Fact]
    public async Task Put_unknown_is_404_and_a_stale_resourceVersion_is_409()
    {
        var missing = await Client.PutAsync("/api/destinations/odigos.io.dest.pyroscope-zzzzz", Json(PyroscopeBody));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("application/problem+json", missing.Content.Headers.ContentType!.MediaType);

        var created = await ReadObject(await Client.PostAsync("/api/destinations", Json(PyroscopeBody)));
        string id = (string)created["id"]!;
        string version = (string)created["resourceVersion"]!;
        var body = JsonNode.Parse(PyroscopeBody)!.AsObject();
        body["resourceVersion"] = version;
        body["name"] = "first";
        Assert.Equal(HttpStatusCode.OK, (await Client.PutAsync($"/api/destinations/{id}", Json(body.ToJsonString()))).StatusCode);
        body["name"] = "second";
        var conflict = await Client.PutAsync($"/api/destinations/{id}", Json(body.ToJsonString()));
        Assert.Equal(HttpStatusCode.Conflict, conflict.StatusCode);
        Assert.Contains("has been modified", (string?)(await ReadObject(conflict))["detail"]);
        Assert.Equal("first", (string?)(await Client.GetFromJsonAsync<JsonObject>($"/api/destinations/{id}"))!["name"]);
    }

    [Fact]
    public async Task Sources_put_is_idempotent_and_delete_removes_and_the_registry_follows_live()
    {
        var registry = _host.Service<SourceRegistry>();
        Assert.True(registry.IsSynced);
        int changes = 0;
        registry.Changed += (_, _) => Interlocked.Increment(ref changes);
        Assert.False(registry.IsEnabled("default", "Deployment", "checkout"));

        var first = await Client.PutAsync("/api/sources/default/deployment/checkout", null);
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        var source = await ReadObject(first);
        Assert.Equal(("default", "Deployment", "checkout"), ((string)source["namespace"]!, (string)source["kind"]!, (string)source["name"]!));
        Assert.StartsWith("source-", (string?)source["resourceName"]);
        await TestServices.WaitUntilAsync(() => registry.IsEnabled("default", "Deployment", "checkout"));
        Assert.True(registry.IsEnabled("default", "deployment", "checkout"));
        Assert.False(registry.IsEnabled("default", "Deployment", "cart"));
        await TestServices.WaitUntilAsync(() => Volatile.Read(ref changes) >= 1); // raised just after the snapshot changed

        var again = await Client.PutAsync("/api/sources/default/Deployment/checkout", null);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal((string?)source["resourceName"], (string?)(await ReadObject(again))["resourceName"]);
        Assert.Single(await _host.Service<Stores.IResourceStore>().ListAsync<Model.Source>("default"));

        // A process in embedded mode, with a service.name that is no valid label value, and a body.
        var process = await Client.PutAsync("/api/sources/local/Process/my%20service", Json("""{"otelServiceName": "my service"}"""));
        Assert.Equal(HttpStatusCode.Created, process.StatusCode);
        await TestServices.WaitUntilAsync(() => registry.IsEnabled("local", "Process", "my service"));

        Assert.Equal(HttpStatusCode.NoContent, (await Client.DeleteAsync("/api/sources/default/Deployment/checkout")).StatusCode);
        await TestServices.WaitUntilAsync(() => !registry.IsEnabled("default", "Deployment", "checkout"));
        Assert.Equal(HttpStatusCode.NotFound, (await Client.DeleteAsync("/api/sources/default/Deployment/checkout")).StatusCode);
        Assert.True(registry.IsEnabled("local", "Process", "my service"));
        Assert.Equal([new WorkloadRef("local", "Process", "my service")], registry.EnabledWorkloads);
    }

    [Theory]
    [InlineData("/api/sources/Not_A_Namespace/Deployment/x", "namespace")]
    [InlineData("/api/sources/default/Deploy-ment/x", "kind")]
    public async Task Invalid_source_references_are_400(string path, string field)
    {
        var response = await Client.PutAsync(path, null);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await ReadObject(response))["errors"]!.AsObject().ContainsKey(field));
    }

    [Fact]
    public async Task Persisted_destinations_are_served_after_a_restart()
    {
        using var dir = new TempDirectory();
        string id;
        await using (var host = await ApiHost.StartAsync(dir.Path))
        {
            id = (string)(await ReadObject(await host.Client.PostAsync("/api/destinations", Json(PyroscopeBody))))["id"]!;
            Assert.Equal(HttpStatusCode.Created, (await host.Client.PutAsync("/api/sources/local/Process/api", null)).StatusCode);
        }

        await using (var host = await ApiHost.StartAsync(dir.Path))
        {
            Assert.Equal("Local Pyroscope", (string?)(await host.Client.GetFromJsonAsync<JsonObject>($"/api/destinations/{id}"))!["name"]);
            Assert.True(host.Service<SourceRegistry>().IsEnabled("local", "Process", "api"));
        }
    }
}
