using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using OdigosUi.Hosting;
using OdigosUi.Pipeline.Receivers;
using OdigosUi.Tests.Infrastructure;
using OdigosUi.TestSupport;
using Xunit.Abstractions;

namespace OdigosUi.Tests.Destinations;

/// <summary>
/// The secret redirect attacks of issue 15 against the real composition root on a real port, with real listeners as
/// the Destination's host (A) and the attacker's (B).
/// </summary>
public sealed class SecretsStayHomeTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Password = "s3cret-pass-91c2";
    private const string HeaderValue = "Bearer hdr-token-5be1";
    private readonly TempDirectory _data = new("odigos-secrets-");
    private WebApplication _app = null!;
    private HttpClient _api = null!;
    private RecordingListener _a = null!;
    private RecordingListener _b = null!;

    public async Task InitializeAsync()
    {
        _a = await RecordingListener.StartAsync();
        _b = await RecordingListener.StartAsync();
        _app = OdigosUiHost.Build(TestArgs.With("--Ui:Url=http://127.0.0.1:0", $"--Storage:DataDir={_data.Path}"));
        await _app.StartAsync();
        var ui = Assert.Single(_app.Services.GetRequiredService<ReceiverEndpointAddresses>().Ui);
        _api = new HttpClient { BaseAddress = ui, Timeout = TimeSpan.FromSeconds(30) };
    }

    public async Task DisposeAsync()
    {
        _api.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        await _a.DisposeAsync();
        await _b.DisposeAsync();
        _data.Dispose();
    }

    private static object Pyroscope(string hostPort, string? password, string? tenant = null)
    {
        var fields = new Dictionary<string, string> { ["PYROSCOPE_URL"] = hostPort, ["PYROSCOPE_TLS_ENABLED"] = "false", ["PYROSCOPE_BASIC_AUTH_USERNAME"] = "admin" };
        if (password is not null)
        {
            fields["PYROSCOPE_BASIC_AUTH_PASSWORD"] = password;
        }

        if (tenant is not null)
        {
            fields["PYROSCOPE_TENANT_ID"] = tenant;
        }

        // Not enabled for export: only the connection test and update may reach the listeners.
        return new { type = "pyroscope", name = "p", signals = new[] { "PROFILES" }, disabled = true, fields };
    }

    private static object OtlpHttp(Uri endpoint, string? headerValue)
    {
        var fields = new Dictionary<string, string> { ["OTLP_HTTP_ENDPOINT"] = endpoint.ToString().TrimEnd('/') };
        if (headerValue is not null)
        {
            fields["OTLP_HTTP_HEADERS"] = $"[{{\"key\":\"Authorization\",\"value\":\"{headerValue}\"}}]";
        }

        return new { type = "otlphttp", name = "o", signals = new[] { "PROFILES" }, disabled = true, fields };
    }

    private async Task<string> CreateAsync(object body)
    {
        using var response = await _api.PostAsJsonAsync("/api/destinations", body);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (string)(await response.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;
    }

    private static async Task<JsonObject> ProblemAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!;
    }

    [Fact]
    public async Task A_stored_password_never_goes_to_a_new_host_in_a_connection_test_or_an_update()
    {
        string id = await CreateAsync(Pyroscope(_a.HostPort, Password));

        // The same host, password left out: the stored one is used, at A.
        using (var same = await _api.PostAsJsonAsync($"/api/destinations/test-connection?id={id}", Pyroscope(_a.HostPort, null)))
        {
            Assert.Equal(HttpStatusCode.OK, same.StatusCode);
            Assert.True((bool)(await same.Content.ReadFromJsonAsync<JsonObject>())!["succeeded"]!);
        }

        var atA = Assert.Single(_a.Requests);
        Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("admin:" + Password)), atA.Headers["Authorization"]);

        // Host B (or B as the tenant's host with the same URL) with the password left out: 400 asking for it again.
        foreach (var body in new[] { Pyroscope(_b.HostPort, null), Pyroscope(_b.HostPort, null, tenant: "other") })
        {
            using var test = await _api.PostAsJsonAsync($"/api/destinations/test-connection?id={id}", body);
            var problem = await ProblemAsync(test);
            Assert.Contains("again", (string?)problem["errors"]!["fields.PYROSCOPE_BASIC_AUTH_PASSWORD"]![0], StringComparison.Ordinal);

            using var put = await _api.PutAsJsonAsync($"/api/destinations/{id}", body);
            Assert.Contains("again", (string?)(await ProblemAsync(put))["errors"]!["fields.PYROSCOPE_BASIC_AUTH_PASSWORD"]![0], StringComparison.Ordinal);
        }

        // The Destination is unchanged and B never heard of anyone.
        var stored = (await _api.GetFromJsonAsync<JsonObject>($"/api/destinations/{id}"))!;
        Assert.Equal(_a.HostPort, (string?)stored["fields"]!["PYROSCOPE_URL"]);
        Assert.Empty(_b.Requests);

        // Typed again, B may be tested and saved: it gets what the user typed, never the stored password.
        using (var typed = await _api.PostAsJsonAsync($"/api/destinations/test-connection?id={id}", Pyroscope(_b.HostPort, "typed-for-b")))
        {
            Assert.Equal(HttpStatusCode.OK, typed.StatusCode);
        }

        Assert.DoesNotContain(_b.Requests, r => r.Headers.TryGetValue("Authorization", out var auth) && auth.Contains(Convert.ToBase64String(Encoding.UTF8.GetBytes("admin:" + Password)), StringComparison.Ordinal));
        Assert.Single(_b.Requests);
        Assert.Single(_a.Requests);
    }

    [Fact]
    public async Task OTLP_headers_are_secret_never_listed_never_in_the_Destination_file_and_never_sent_to_a_new_host()
    {
        string id = await CreateAsync(OtlpHttp(_a.Url, HeaderValue));

        string list = await _api.GetStringAsync("/api/destinations");
        string one = await _api.GetStringAsync($"/api/destinations/{id}");
        Assert.DoesNotContain("hdr-token", list, StringComparison.Ordinal);
        Assert.DoesNotContain("hdr-token", one, StringComparison.Ordinal);
        Assert.Contains("OTLP_HTTP_HEADERS", (await _api.GetFromJsonAsync<JsonObject>($"/api/destinations/{id}"))!["secretFields"]!.ToJsonString(), StringComparison.Ordinal);

        var files = Directory.GetFiles(_data.Path, "*.yaml", SearchOption.AllDirectories);
        var destinationFile = Assert.Single(files, f => f.Contains($"{Path.DirectorySeparatorChar}destinations{Path.DirectorySeparatorChar}", StringComparison.Ordinal));
        Assert.DoesNotContain("hdr-token", await File.ReadAllTextAsync(destinationFile), StringComparison.Ordinal);
        Assert.DoesNotContain("OTLP_HTTP_HEADERS", await File.ReadAllTextAsync(destinationFile), StringComparison.Ordinal);
        var secretFile = Assert.Single(files, f => f.Contains($"{Path.DirectorySeparatorChar}secrets{Path.DirectorySeparatorChar}", StringComparison.Ordinal));
        Assert.Contains("OTLP_HTTP_HEADERS", await File.ReadAllTextAsync(secretFile), StringComparison.Ordinal);

        // Same endpoint, headers left out: the stored headers are sent, to A.
        using (var same = await _api.PostAsJsonAsync($"/api/destinations/test-connection?id={id}", OtlpHttp(_a.Url, null)))
        {
            Assert.Equal(HttpStatusCode.OK, same.StatusCode);
        }

        Assert.Equal(HeaderValue, Assert.Single(_a.Requests).Headers["Authorization"]);

        // B with the headers left out: 400, nothing reaches B.
        using var test = await _api.PostAsJsonAsync($"/api/destinations/test-connection?id={id}", OtlpHttp(_b.Url, null));
        Assert.Contains("fields.OTLP_HTTP_HEADERS", (await ProblemAsync(test))["errors"]!.AsObject().Select(p => p.Key));
        using var put = await _api.PutAsJsonAsync($"/api/destinations/{id}", OtlpHttp(_b.Url, null));
        Assert.Contains("fields.OTLP_HTTP_HEADERS", (await ProblemAsync(put))["errors"]!.AsObject().Select(p => p.Key));
        Assert.Empty(_b.Requests);
    }

    [Fact]
    public async Task A_redirect_is_a_failed_test_and_its_target_gets_nothing()
    {
        await using var redirecting = await RecordingListener.StartAsync(context =>
        {
            context.Response.StatusCode = StatusCodes.Status307TemporaryRedirect;
            context.Response.Headers.Location = new Uri(_b.Url, "/v1development/profiles").ToString();
            return Task.CompletedTask;
        });

        foreach (var body in new[] { Pyroscope(redirecting.HostPort, Password), OtlpHttp(redirecting.Url, HeaderValue) })
        {
            using var response = await _api.PostAsJsonAsync("/api/destinations/test-connection", body);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var result = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
            Assert.False((bool)result["succeeded"]!);
            Assert.Equal("Rejected", (string?)result["verdict"]);
            Assert.Contains("redirect", (string?)result["reason"], StringComparison.OrdinalIgnoreCase);
            Assert.Contains("not followed", (string?)result["reason"], StringComparison.Ordinal);
        }

        Assert.Equal(2, redirecting.Requests.Count);
        Assert.Empty(_b.Requests);
    }

    [Theory]
    [InlineData(200, "text/plain")]
    [InlineData(200, "application/x-protobuf")]
    [InlineData(400, "text/plain")]
    public async Task A_64_MB_answer_is_read_only_up_to_the_cap(int status, string contentType)
    {
        // More than 10 MB: loopback socket buffers can take ~10 MB before a write blocks, whoever reads.
        const int Total = 64 << 20;
        var written = 0L;
        var finished = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var huge = await RecordingListener.StartAsync(async context =>
        {
            context.Response.StatusCode = status;
            context.Response.ContentType = contentType;
            context.Response.ContentLength = Total;
            var chunk = new byte[16 << 10];
            chunk.AsSpan().Fill((byte)'x');
            try
            {
                while (Interlocked.Read(ref written) < Total)
                {
                    // Kestrel's output pipe applies back-pressure (64 KiB) and completes once the peer is gone, after
                    // which writes would be silent no-ops: stop counting there.
                    var flushed = await context.Response.BodyWriter.WriteAsync(chunk, context.RequestAborted);
                    if (flushed.IsCompleted || flushed.IsCanceled || context.RequestAborted.IsCancellationRequested)
                    {
                        finished.TrySetResult(false);
                        return;
                    }

                    Interlocked.Add(ref written, chunk.Length);
                }

                finished.TrySetResult(true);
            }
            catch (Exception e) when (e is OperationCanceledException or IOException)
            {
                finished.TrySetResult(false);
            }
        });

        using var response = await _api.PostAsJsonAsync("/api/destinations/test-connection", Pyroscope(huge.HostPort, null));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var result = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.NotNull((string?)result["reason"]);
        if (status == 400)
        {
            Assert.True(((string?)result["reason"])!.Length < 1000);
        }

        // The test closed the connection after the cap: the listener could not write the whole body.
        var completed = await finished.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.False(completed, $"the listener wrote all {Total} bytes: the client read them");
        output.WriteLine($"{status} {contentType}: the listener wrote {Interlocked.Read(ref written)} of {Total} bytes before the connection closed");
        // What the kernel's socket buffers took (tens of KB to a few MB on loopback); far from the body.
        Assert.True(Interlocked.Read(ref written) < 16 << 20, $"{Interlocked.Read(ref written)} bytes written");
    }
}
