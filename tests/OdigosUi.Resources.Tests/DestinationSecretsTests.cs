using OdigosUi.Resources.Destinations;
using OdigosUi.Resources.Model;
using OdigosUi.Resources.Stores;

namespace OdigosUi.Resources.Tests;

/// <summary>Secrets stay home: a stored secret is only used where it was entered, and OTLP headers are secrets.</summary>
public sealed class DestinationSecretsTests : IDisposable
{
    private const string Ns = ResourceOptions.DefaultNamespace;
    private const string Password = "PYROSCOPE_BASIC_AUTH_PASSWORD";
    private const string HeaderValue = "Bearer header-secret-7f3a";
    private readonly TempDirectory _dir = new();
    private readonly EmbeddedResourceStore _store;
    private readonly DestinationService _service;

    public DestinationSecretsTests()
    {
        _store = new EmbeddedResourceStore(_dir.Path);
        _service = TestServices.Destinations(_store);
    }

    public void Dispose()
    {
        _store.Dispose();
        _dir.Dispose();
    }

    private static DestinationRequest StoredPyroscope()
    {
        var request = TestServices.Pyroscope(password: "s3cret");
        request.Fields!["PYROSCOPE_TENANT_ID"] = "team-a";
        return request;
    }

    private static DestinationRequest WithoutPassword(Action<Dictionary<string, string?>> change)
    {
        var request = StoredPyroscope();
        request.Fields!.Remove(Password);
        change(request.Fields);
        return request;
    }

    private static DestinationRequest OtlpHttp(string endpoint, string? headers) => new()
    {
        Type = "otlphttp",
        Name = "collector",
        Signals = ["PROFILES"],
        Fields = headers is null
            ? new Dictionary<string, string?> { ["OTLP_HTTP_ENDPOINT"] = endpoint }
            : new Dictionary<string, string?> { ["OTLP_HTTP_ENDPOINT"] = endpoint, ["OTLP_HTTP_HEADERS"] = headers },
    };

    private static string Headers(string value) => $"[{{\"key\":\"Authorization\",\"value\":\"{value}\"}}]";

    public static TheoryData<string, string> ConnectionChanges => new()
    {
        { "PYROSCOPE_URL", "elsewhere:4040" },
        { "PYROSCOPE_TLS_ENABLED", "true" },
        { "PYROSCOPE_TENANT_ID", "team-b" },
        { "PYROSCOPE_BASIC_AUTH_USERNAME", "root" },
    };

    [Theory]
    [MemberData(nameof(ConnectionChanges))]
    public async Task A_changed_connection_field_with_the_stored_password_left_out_is_refused_in_update_and_test(string field, string value)
    {
        var created = await _service.CreateAsync(StoredPyroscope());
        var request = WithoutPassword(f => f[field] = value);

        var update = await Assert.ThrowsAsync<DestinationValidationException>(() => _service.UpdateAsync(created.Id, request));
        var message = Assert.Single(update.Errors["fields." + Password]);
        Assert.Contains("Basic Auth Password", message, StringComparison.Ordinal);
        Assert.Contains("again", message, StringComparison.Ordinal);
        var test = await Assert.ThrowsAsync<DestinationValidationException>(() => _service.ResolveRequestAsync(request, created.Id));
        Assert.Equal(update.Errors.Keys, test.Errors.Keys);

        // The wizard's check before it sends anything says the same.
        Assert.Equal(update.Errors.Keys, _service.Validate(request, (await _service.GetAsync(created.Id))!).Keys);

        // Nothing was written.
        var stored = (await _store.GetAsync<Destination>(Ns, created.Id))!;
        Assert.Equal(created.ResourceVersion, stored.Metadata.ResourceVersion);
    }

    [Fact]
    public async Task Unchanged_connection_fields_keep_the_stored_password_and_a_typed_or_cleared_one_is_fine()
    {
        var created = await _service.CreateAsync(StoredPyroscope());

        // Name, signals, or a checkbox written differently ("False") change nothing that matters.
        var renamed = WithoutPassword(f => f["PYROSCOPE_TLS_ENABLED"] = "False");
        renamed.Name = "renamed";
        Assert.Equal("s3cret", (await _service.ResolveRequestAsync(renamed, created.Id)).Fields[Password]);
        Assert.Equal([Password], (await _service.UpdateAsync(created.Id, renamed)).SecretFields);
        Assert.Equal("s3cret", (await _service.ResolveForExportAsync()).Single().Fields[Password]);

        // Moved and typed again: fine, the new one is used.
        var moved = WithoutPassword(f => { f["PYROSCOPE_URL"] = "elsewhere:4040"; f[Password] = "new-pass"; });
        Assert.Equal("new-pass", (await _service.ResolveRequestAsync(moved, created.Id)).Fields[Password]);
        await _service.UpdateAsync(created.Id, moved);
        Assert.Equal("new-pass", (await _service.ResolveForExportAsync()).Single().Fields[Password]);

        // Moved and cleared: fine, nothing is sent.
        var cleared = WithoutPassword(f => { f["PYROSCOPE_URL"] = "third:4040"; f[Password] = ""; });
        Assert.False((await _service.ResolveRequestAsync(cleared, created.Id)).Fields.ContainsKey(Password));
        Assert.Empty((await _service.UpdateAsync(created.Id, cleared)).SecretFields);
    }

    [Fact]
    public async Task A_test_with_the_id_of_another_type_is_refused()
    {
        var created = await _service.CreateAsync(StoredPyroscope());
        var error = await Assert.ThrowsAsync<DestinationValidationException>(() => _service.ResolveRequestAsync(OtlpHttp("http://c:4318", null), created.Id));
        Assert.Contains("type", error.Errors.Keys);
    }

    [Theory]
    [InlineData("otlphttp", "OTLP_HTTP_HEADERS", "OTLP_HTTP_ENDPOINT", "http://collector:4318")]
    [InlineData("otlp", "OTLP_GRPC_HEADERS", "OTLP_GRPC_ENDPOINT", "collector:4317")]
    public async Task OTLP_headers_live_in_the_Secret_only(string type, string headersField, string endpointField, string endpoint)
    {
        var created = await _service.CreateAsync(new DestinationRequest
        {
            Type = type,
            Signals = ["PROFILES"],
            Fields = new Dictionary<string, string?> { [endpointField] = endpoint, [headersField] = Headers(HeaderValue) },
        });

        Assert.False(created.Fields.ContainsKey(headersField));
        Assert.Equal([headersField], created.SecretFields);
        Assert.DoesNotContain(HeaderValue, System.Text.Json.JsonSerializer.Serialize(await _service.ListAsync()), StringComparison.Ordinal);

        var destination = (await _store.GetAsync<Destination>(Ns, created.Id))!;
        Assert.False(destination.Spec.Data.ContainsKey(headersField));
        var files = Directory.GetFiles(_dir.Path, "*.yaml", SearchOption.AllDirectories);
        var destinationFile = Assert.Single(files, f => f.Contains("destinations", StringComparison.OrdinalIgnoreCase));
        var secretFile = Assert.Single(files, f => f.Contains("secrets", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(HeaderValue, await File.ReadAllTextAsync(destinationFile), StringComparison.Ordinal);
        Assert.Contains("header-secret", DecodedSecret(await File.ReadAllTextAsync(secretFile)), StringComparison.Ordinal);

        var resolved = (await _service.ResolveForExportAsync()).Single();
        Assert.Equal(Headers(HeaderValue), resolved.Fields[headersField]);
    }

    [Fact]
    public async Task Headers_kept_in_spec_data_by_an_older_writer_are_read_hidden_and_moved_to_the_Secret_on_the_next_write()
    {
        await _store.CreateAsync(new Destination
        {
            Metadata = { Name = "legacy", Namespace = Ns },
            Spec = new DestinationSpec
            {
                Type = "otlphttp",
                DestinationName = "legacy",
                Signals = ["PROFILES"],
                Data = new() { ["OTLP_HTTP_ENDPOINT"] = "http://collector:4318", ["OTLP_HTTP_HEADERS"] = Headers(HeaderValue) },
            },
        });

        var dto = (await _service.GetAsync("legacy"))!;
        Assert.False(dto.Fields.ContainsKey("OTLP_HTTP_HEADERS"));
        Assert.Equal(["OTLP_HTTP_HEADERS"], dto.SecretFields);
        Assert.Equal(Headers(HeaderValue), (await _service.ResolveForExportAsync()).Single().Fields["OTLP_HTTP_HEADERS"]);

        // Moving it elsewhere without the headers: asked for again, like any stored secret.
        var moved = await Assert.ThrowsAsync<DestinationValidationException>(() => _service.UpdateAsync("legacy", OtlpHttp("http://evil:4318", null)));
        Assert.Contains("fields.OTLP_HTTP_HEADERS", moved.Errors.Keys);
        await Assert.ThrowsAsync<DestinationValidationException>(() => _service.ResolveRequestAsync(OtlpHttp("http://evil:4318", null), "legacy"));

        // The next write keeps them, in the Secret.
        var updated = await _service.UpdateAsync("legacy", OtlpHttp("http://collector:4318", null));
        Assert.Equal(["OTLP_HTTP_HEADERS"], updated.SecretFields);
        var destination = (await _store.GetAsync<Destination>(Ns, "legacy"))!;
        Assert.False(destination.Spec.Data.ContainsKey("OTLP_HTTP_HEADERS"));
        var secret = (await _store.GetAsync<Secret>(Ns, destination.Spec.SecretRef!.Name))!;
        Assert.Equal(Headers(HeaderValue), secret.GetString("OTLP_HTTP_HEADERS"));
        Assert.Equal(Headers(HeaderValue), (await _service.ResolveForExportAsync()).Single().Fields["OTLP_HTTP_HEADERS"]);
    }

    /// <summary>The Secret file's text with its base64 data values decoded.</summary>
    private static string DecodedSecret(string yaml) => string.Join('\n', yaml.Split('\n').Select(line =>
    {
        var colon = line.LastIndexOf(": ", StringComparison.Ordinal);
        if (colon < 0)
        {
            return line;
        }

        try
        {
            return line + " " + System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(line[(colon + 2)..].Trim().Trim('"')));
        }
        catch (FormatException)
        {
            return line;
        }
    }));
}
