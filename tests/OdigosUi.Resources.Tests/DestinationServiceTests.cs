using OdigosUi.Resources.Destinations;
using OdigosUi.Resources.Model;
using OdigosUi.Resources.Stores;

namespace OdigosUi.Resources.Tests;

public sealed class DestinationServiceTests : IDisposable
{
    private const string Ns = ResourceOptions.DefaultNamespace;
    private readonly EmbeddedResourceStore _store = new(null);
    private readonly DestinationService _service;

    public DestinationServiceTests() => _service = TestServices.Destinations(_store);

    public void Dispose() => _store.Dispose();

    private static DestinationRequest Request(string type, string[] signals, params (string Key, string? Value)[] fields) => new()
    {
        Type = type,
        Name = "n",
        Signals = [.. signals],
        Fields = fields.ToDictionary(f => f.Key, f => f.Value),
    };

    private IReadOnlyDictionary<string, string[]> Errors(DestinationRequest request) => _service.Validate(request);

    [Fact]
    public void A_valid_request_has_no_errors() => Assert.Empty(Errors(TestServices.Pyroscope(password: "pw")));

    [Fact]
    public void Type_is_required_and_must_be_known()
    {
        Assert.Equal(["The type is required."], Errors(new DestinationRequest { Signals = ["PROFILES"] })["type"]);
        var unknown = Errors(Request("jaeger", ["TRACES"]));
        Assert.Equal(["Unknown destination type 'jaeger'. Known types: otlp, otlphttp, pyroscope."], unknown["type"]);
        Assert.Single(unknown); // fields cannot be checked without a type
    }

    [Fact]
    public void Signals_must_be_given_known_and_supported()
    {
        Assert.Equal(["At least one signal is required."], Errors(Request("pyroscope", [], ("PYROSCOPE_URL", "p:4040")))["signals"]);
        Assert.Equal(["At least one signal is required."], Errors(new DestinationRequest { Type = "pyroscope", Fields = new() { ["PYROSCOPE_URL"] = "p:4040" } })["signals"]);
        Assert.Equal(
            ["Unknown signal 'SPANS'. Signals are TRACES, METRICS, LOGS and PROFILES.", "Pyroscope does not support TRACES (supported: PROFILES)."],
            Errors(Request("pyroscope", ["SPANS", "TRACES", "profiles"], ("PYROSCOPE_URL", "p:4040")))["signals"]);
        Assert.Empty(Errors(Request("otlphttp", ["traces", "METRICS", "Logs", "PROFILES"], ("OTLP_HTTP_ENDPOINT", "http://c:4318"))));
    }

    [Fact]
    public void Required_field_missing_or_blank()
    {
        Assert.Equal(["Pyroscope Endpoint is required."], Errors(Request("pyroscope", ["PROFILES"]))["fields.PYROSCOPE_URL"]);
        Assert.Equal(["Pyroscope Endpoint is required."], Errors(Request("pyroscope", ["PROFILES"], ("PYROSCOPE_URL", "  ")))["fields.PYROSCOPE_URL"]);
        Assert.Equal(["OTLP gRPC Endpoint is required."], Errors(Request("otlp", ["PROFILES"]))["fields.OTLP_GRPC_ENDPOINT"]);
    }

    [Fact]
    public void Unknown_field()
    {
        var errors = Errors(Request("pyroscope", ["PROFILES"], ("PYROSCOPE_URL", "p:4040"), ("PYROSCOPE_TOKEN", "x")));
        Assert.Equal(
            ["Unknown field for Pyroscope. Its fields are PYROSCOPE_URL, PYROSCOPE_TLS_ENABLED, PYROSCOPE_BASIC_AUTH_USERNAME, PYROSCOPE_BASIC_AUTH_PASSWORD, PYROSCOPE_TENANT_ID."],
            errors["fields.PYROSCOPE_TOKEN"]);
    }

    [Fact]
    public void Checkbox_dropdown_and_keyValuePairs_values()
    {
        Assert.Equal([FieldValueRules.CheckboxError], Errors(Request("pyroscope", ["PROFILES"], ("PYROSCOPE_URL", "p:4040"), ("PYROSCOPE_TLS_ENABLED", "yes")))["fields.PYROSCOPE_TLS_ENABLED"]);
        Assert.Empty(Errors(Request("pyroscope", ["PROFILES"], ("PYROSCOPE_URL", "p:4040"), ("PYROSCOPE_TLS_ENABLED", "TRUE"))));

        Assert.Equal(["Must be one of: gzip, none."], Errors(Request("otlphttp", ["PROFILES"], ("OTLP_HTTP_ENDPOINT", "http://c:4318"), ("OTLP_HTTP_COMPRESSION", "zstd")))["fields.OTLP_HTTP_COMPRESSION"]);

        foreach (string bad in (string[])["not json", "[1,2]", "[{\"key\":\"\",\"value\":\"v\"}]", "[{\"value\":\"v\"}]", "\"text\"", "{\"k\": 1}"])
        {
            Assert.Equal([FieldValueRules.KeyValuePairsError], Errors(Request("otlp", ["TRACES"], ("OTLP_GRPC_ENDPOINT", "c:4317"), ("OTLP_GRPC_HEADERS", bad)))["fields.OTLP_GRPC_HEADERS"]);
        }

        Assert.Empty(Errors(Request("otlp", ["TRACES"], ("OTLP_GRPC_ENDPOINT", "c:4317"), ("OTLP_GRPC_HEADERS", "[{\"key\":\"a\",\"value\":\"b\"}]"))));
        Assert.Empty(Errors(Request("otlp", ["TRACES"], ("OTLP_GRPC_ENDPOINT", "c:4317"), ("OTLP_GRPC_HEADERS", "{\"a\":\"b\"}"))));
    }

    [Fact]
    public void Endpoint_values()
    {
        Assert.Equal(["A port is required: host:port, e.g. pyroscope:4040."], Errors(Request("pyroscope", ["PROFILES"], ("PYROSCOPE_URL", "pyroscope")))["fields.PYROSCOPE_URL"]);
        Assert.Equal(["The port must be between 1 and 65535."], Errors(Request("pyroscope", ["PROFILES"], ("PYROSCOPE_URL", "p:70000")))["fields.PYROSCOPE_URL"]);
        Assert.Equal(["Must not have a path: give host:port, e.g. collector:4317."], Errors(Request("otlp", ["TRACES"], ("OTLP_GRPC_ENDPOINT", "c:4317/x")))["fields.OTLP_GRPC_ENDPOINT"]);
        Assert.Empty(Errors(Request("otlphttp", ["TRACES"], ("OTLP_HTTP_ENDPOINT", "https://c/otlp"), ("OTLP_HTTP_PROFILES_ENDPOINT", "https://c:4318/v1development/profiles"))));
    }

    [Fact]
    public void Number_multiInput_and_renderCondition_follow_the_catalog()
    {
        var catalog = Catalog.DestinationCatalog.FromYaml([
            """
            metadata: {type: custom, displayName: Custom, category: managed}
            spec:
              signals: {profiles: {supported: true}}
              fields:
                - {name: PORT, displayName: Port, componentType: input, componentProps: {type: number}}
                - {name: TAGS, displayName: Tags, componentType: multiInput}
                - {name: AUTH, displayName: Auth, componentType: checkbox, initialValue: false}
                - {name: TOKEN, displayName: Token, componentType: input, secret: true, componentProps: {type: password, required: true}, renderCondition: [AUTH, "==", "true"]}
            """,
        ]);
        var service = new DestinationService(_store, catalog, Microsoft.Extensions.Options.Options.Create(new ResourceOptions()));
        Assert.Equal([FieldValueRules.NumberError], service.Validate(Request("custom", ["PROFILES"], ("PORT", "80a")))["fields.PORT"]);
        Assert.Empty(service.Validate(Request("custom", ["PROFILES"], ("PORT", "8080"))));
        Assert.Equal([FieldValueRules.MultiInputError], service.Validate(Request("custom", ["PROFILES"], ("TAGS", "[1]")))["fields.TAGS"]);
        Assert.Empty(service.Validate(Request("custom", ["PROFILES"], ("TAGS", "[\"a\",\"b\"]"))));
        // TOKEN is required only when AUTH is true.
        Assert.Empty(service.Validate(Request("custom", ["PROFILES"])));
        Assert.Equal(["Token is required."], service.Validate(Request("custom", ["PROFILES"], ("AUTH", "true")))["fields.TOKEN"]);
        Assert.Empty(service.Validate(Request("custom", ["PROFILES"], ("AUTH", "true"), ("TOKEN", "t"))));
        // ... and a stored value satisfies it on update.
        Assert.Empty(service.Validate(Request("custom", ["PROFILES"], ("AUTH", "true")), ["TOKEN"]));
    }

    [Fact]
    public void Every_error_is_reported_at_once()
    {
        var errors = Errors(new DestinationRequest
        {
            Type = "pyroscope",
            Name = new string('x', 300),
            Signals = ["LOGS"],
            Fields = new() { ["PYROSCOPE_TLS_ENABLED"] = "maybe", ["NOPE"] = "1" },
        });
        Assert.Equal(["fields.NOPE", "fields.PYROSCOPE_TLS_ENABLED", "fields.PYROSCOPE_URL", "name", "signals"], errors.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Create_writes_a_Destination_and_an_owned_Secret_and_never_returns_secret_values()
    {
        var dto = await _service.CreateAsync(TestServices.Pyroscope("http://pyroscope:4040", password: "hunter2"));

        Assert.Matches("^odigos\\.io\\.dest\\.pyroscope-[a-z0-9]{5}$", dto.Id);
        Assert.Equal("pyroscope", dto.Type);
        Assert.Equal("My Pyroscope", dto.Name);
        Assert.Equal(["PROFILES"], dto.Signals);
        Assert.Equal(new Dictionary<string, string> { ["PYROSCOPE_BASIC_AUTH_USERNAME"] = "admin", ["PYROSCOPE_TLS_ENABLED"] = "false", ["PYROSCOPE_URL"] = "http://pyroscope:4040" }, dto.Fields);
        Assert.Equal(["PYROSCOPE_BASIC_AUTH_PASSWORD"], dto.SecretFields);
        Assert.False(dto.Disabled);
        Assert.DoesNotContain("hunter2", System.Text.Json.JsonSerializer.Serialize(dto, Serialization.ResourceJson.Options));

        var destination = (await _store.GetAsync<Destination>(Ns, dto.Id))!;
        Assert.Equal("My Pyroscope", destination.Spec.DestinationName);
        Assert.False(destination.Spec.Data.ContainsKey("PYROSCOPE_BASIC_AUTH_PASSWORD"));
        var secret = (await _store.GetAsync<Secret>(Ns, destination.Spec.SecretRef!.Name))!;
        Assert.StartsWith("odigos.io.dest.pyroscope-", secret.Metadata.Name);
        Assert.Equal("hunter2", secret.GetString("PYROSCOPE_BASIC_AUTH_PASSWORD"));
        var owner = Assert.Single(secret.Metadata.OwnerReferences!);
        Assert.Equal((destination.Metadata.Uid, "Destination", dto.Id), (owner.Uid, owner.Kind, owner.Name));

        foreach (var listed in await _service.ListAsync())
        {
            Assert.DoesNotContain("hunter2", System.Text.Json.JsonSerializer.Serialize(listed, Serialization.ResourceJson.Options));
        }

        // Deleting the Destination deletes its Secret.
        Assert.True(await _service.DeleteAsync(dto.Id));
        Assert.Empty(await _store.ListAsync<Secret>());
        Assert.False(await _service.DeleteAsync(dto.Id));
    }

    [Fact]
    public async Task Without_secret_fields_there_is_no_Secret_and_defaults_apply()
    {
        var dto = await _service.CreateAsync(new DestinationRequest { Type = "pyroscope", Signals = ["profiles"], Fields = new() { ["PYROSCOPE_URL"] = " p:4040 " } });
        Assert.Equal("Pyroscope", dto.Name); // the type's display name
        Assert.Equal("p:4040", dto.Fields["PYROSCOPE_URL"]);
        Assert.Equal("false", dto.Fields["PYROSCOPE_TLS_ENABLED"]); // initial value
        Assert.Empty(dto.SecretFields);
        Assert.Empty(await _store.ListAsync<Secret>());
        Assert.Null((await _store.GetAsync<Destination>(Ns, dto.Id))!.Spec.SecretRef);
    }

    [Fact]
    public async Task Create_with_an_invalid_request_writes_nothing()
    {
        var ex = await Assert.ThrowsAsync<DestinationValidationException>(() => _service.CreateAsync(TestServices.Pyroscope("nope", password: "pw")));
        Assert.True(ex.Errors.ContainsKey("fields.PYROSCOPE_URL"));
        Assert.Empty(await _store.ListAsync<Destination>());
        Assert.Empty(await _store.ListAsync<Secret>());
    }

    [Fact]
    public async Task Update_keeps_an_omitted_secret_replaces_a_given_one_and_clears_an_empty_one()
    {
        var created = await _service.CreateAsync(TestServices.Pyroscope(password: "first"));
        string secretName = (await _store.GetAsync<Destination>(Ns, created.Id))!.Spec.SecretRef!.Name;

        // Omitted while the connection fields stay: kept.
        var request = TestServices.Pyroscope(name: "Renamed");
        request.Fields!["PYROSCOPE_BASIC_AUTH_USERNAME"] = "admin";
        var updated = await _service.UpdateAsync(created.Id, request);
        Assert.Equal("Renamed", updated.Name);
        Assert.Equal("pyroscope:4040", updated.Fields["PYROSCOPE_URL"]);
        Assert.Equal(["PYROSCOPE_BASIC_AUTH_PASSWORD"], updated.SecretFields);
        Assert.Equal("first", (await _store.GetAsync<Secret>(Ns, secretName))!.GetString("PYROSCOPE_BASIC_AUTH_PASSWORD"));

        // Omitted while the URL changes: the stored secret must be entered again.
        request.Fields["PYROSCOPE_URL"] = "other:4040";
        var stale = await Assert.ThrowsAsync<DestinationValidationException>(() => _service.UpdateAsync(created.Id, request));
        Assert.Contains("again", Assert.Single(stale.Errors["fields.PYROSCOPE_BASIC_AUTH_PASSWORD"]), StringComparison.Ordinal);
        Assert.Equal("pyroscope:4040", (await _store.GetAsync<Destination>(Ns, created.Id))!.Spec.Data["PYROSCOPE_URL"]);

        // Given: replaced, in the same Secret, and the Destination changes with it (watchers see it).
        string before = (await _store.GetAsync<Destination>(Ns, created.Id))!.Metadata.ResourceVersion!;
        request.Fields["PYROSCOPE_BASIC_AUTH_PASSWORD"] = "second";
        await _service.UpdateAsync(created.Id, request);
        Assert.Equal("second", (await _store.GetAsync<Secret>(Ns, secretName))!.GetString("PYROSCOPE_BASIC_AUTH_PASSWORD"));
        Assert.NotEqual(before, (await _store.GetAsync<Destination>(Ns, created.Id))!.Metadata.ResourceVersion);
        Assert.Equal("second", (await _service.ResolveForExportAsync()).Single().Fields["PYROSCOPE_BASIC_AUTH_PASSWORD"]);

        // Empty: cleared, and the Secret goes away with its last value.
        request.Fields["PYROSCOPE_BASIC_AUTH_PASSWORD"] = "";
        var cleared = await _service.UpdateAsync(created.Id, request);
        Assert.Empty(cleared.SecretFields);
        Assert.Null((await _store.GetAsync<Destination>(Ns, created.Id))!.Spec.SecretRef);
        Assert.Empty(await _store.ListAsync<Secret>());

        // Given again: a new Secret owned by the Destination.
        request.Fields["PYROSCOPE_BASIC_AUTH_PASSWORD"] = "third";
        var again = await _service.UpdateAsync(created.Id, request);
        Assert.Equal(["PYROSCOPE_BASIC_AUTH_PASSWORD"], again.SecretFields);
        var secret = Assert.Single(await _store.ListAsync<Secret>());
        Assert.Equal(created.Id, secret.Metadata.OwnerReferences!.Single().Name);
    }

    [Fact]
    public async Task Update_errors_not_found_conflict_and_type_change()
    {
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => _service.UpdateAsync("missing", TestServices.Pyroscope()));

        var created = await _service.CreateAsync(TestServices.Pyroscope());
        var stale = TestServices.Pyroscope(name: "A");
        stale.ResourceVersion = created.ResourceVersion;
        var fresh = await _service.UpdateAsync(created.Id, stale);
        Assert.Equal("A", fresh.Name);
        var conflict = await Assert.ThrowsAsync<ResourceConflictException>(() => _service.UpdateAsync(created.Id, stale));
        Assert.Equal(409, conflict.StatusCode);

        var typeChange = await Assert.ThrowsAsync<DestinationValidationException>(() => _service.UpdateAsync(created.Id, Request("otlp", ["TRACES"], ("OTLP_GRPC_ENDPOINT", "c:4317"))));
        Assert.Equal(["The type of a destination cannot be changed (this one is pyroscope)."], typeChange.Errors["type"]);

        // The type may be left out on update.
        var untyped = TestServices.Pyroscope(name: "B");
        untyped.Type = null;
        Assert.Equal("B", (await _service.UpdateAsync(created.Id, untyped)).Name);
    }

    [Fact]
    public async Task Disabled_flag_round_trips()
    {
        var request = TestServices.Pyroscope();
        request.Disabled = true;
        var created = await _service.CreateAsync(request);
        Assert.True(created.Disabled);
        Assert.True((await _store.GetAsync<Destination>(Ns, created.Id))!.Spec.Disabled);
        request.Disabled = null; // left out: kept
        Assert.True((await _service.UpdateAsync(created.Id, request)).Disabled);
        request.Disabled = false;
        Assert.False((await _service.UpdateAsync(created.Id, request)).Disabled);
        Assert.True((await _service.ResolveForExportAsync()).Single() is { Disabled: false });
    }

    [Fact]
    public async Task ResolveForExport_includes_secrets_and_a_version_that_ignores_status()
    {
        var created = await _service.CreateAsync(TestServices.Pyroscope(password: "pw-Secret_1"));
        await _service.CreateAsync(Request("otlphttp", ["TRACES", "PROFILES"], ("OTLP_HTTP_ENDPOINT", "http://c:4318")));

        var resolved = await _service.ResolveForExportAsync();
        Assert.Equal(2, resolved.Count);
        var pyroscope = resolved.Single(r => r.Type == "pyroscope");
        Assert.Equal(created.Id, pyroscope.Id);
        Assert.Equal("pw-Secret_1", pyroscope.Fields["PYROSCOPE_BASIC_AUTH_PASSWORD"]);
        Assert.Equal("pyroscope:4040", pyroscope.Fields["PYROSCOPE_URL"]);
        Assert.True(pyroscope.Exports(ObservabilitySignal.Profiles));
        // Not "pw": the generated name may hold those letters.
        Assert.DoesNotContain("pw-Secret_1", pyroscope.ToString());
        Assert.Equal(["TRACES", "PROFILES"], resolved.Single(r => r.Type == "otlphttp").Signals);

        Assert.True(await _service.SetConfiguredConditionAsync(created.Id, true, DestinationConditions.TransformedToOtelcolConfig, ""));
        Assert.Equal(pyroscope.ConfigVersion, (await _service.ResolveForExportAsync()).Single(r => r.Id == created.Id).ConfigVersion);
    }

    [Fact]
    public async Task Configured_condition_is_written_once_per_change()
    {
        var created = await _service.CreateAsync(TestServices.Pyroscope());
        Assert.False(await _service.SetConfiguredConditionAsync("missing", true, DestinationConditions.TransformedToOtelcolConfig, ""));

        Assert.True(await _service.SetConfiguredConditionAsync(created.Id, false, DestinationConditions.ErrConfigDestination, "connection refused"));
        var failed = (await _service.GetAsync(created.Id))!;
        var condition = Assert.Single(failed.Conditions);
        Assert.Equal((DestinationConditions.Configured, "False", "ErrConfigDestination", "connection refused", 1L), (condition.Type, condition.Status, condition.Reason, condition.Message, condition.ObservedGeneration));

        // The same again: no write.
        await _service.SetConfiguredConditionAsync(created.Id, false, DestinationConditions.ErrConfigDestination, "connection refused");
        Assert.Equal(failed.ResourceVersion, (await _service.GetAsync(created.Id))!.ResourceVersion);

        Assert.True(await _service.SetConfiguredConditionAsync(created.Id, true, DestinationConditions.TransformedToOtelcolConfig, ""));
        var ok = Assert.Single((await _service.GetAsync(created.Id))!.Conditions);
        Assert.Equal(("True", "TransformedToOtelcolConfig"), (ok.Status, ok.Reason));
    }

    [Fact]
    public async Task Secret_values_in_data_of_a_foreign_Destination_are_not_shown()
    {
        // A Destination written by hand with a secret field in spec.data.
        await _store.CreateAsync(new Destination
        {
            Metadata = { Name = "manual", Namespace = Ns },
            Spec = { Type = "pyroscope", DestinationName = "m", Signals = ["PROFILES"], Data = new() { ["PYROSCOPE_URL"] = "p:1", ["PYROSCOPE_BASIC_AUTH_PASSWORD"] = "leak" } },
        });
        var dto = (await _service.GetAsync("manual"))!;
        Assert.False(dto.Fields.ContainsKey("PYROSCOPE_BASIC_AUTH_PASSWORD"));
        Assert.Equal(["PYROSCOPE_BASIC_AUTH_PASSWORD"], dto.SecretFields);
    }

    [Fact]
    public async Task ResolveRequest_merges_stored_secrets_for_a_connection_test()
    {
        var created = await _service.CreateAsync(TestServices.Pyroscope(password: "stored"));
        var same = TestServices.Pyroscope();
        same.Fields!["PYROSCOPE_BASIC_AUTH_USERNAME"] = "admin";
        var resolved = await _service.ResolveRequestAsync(same, created.Id);
        Assert.Equal(("pyroscope:4040", "stored"), (resolved.Fields["PYROSCOPE_URL"], resolved.Fields["PYROSCOPE_BASIC_AUTH_PASSWORD"]));
        var moved = await Assert.ThrowsAsync<DestinationValidationException>(() => _service.ResolveRequestAsync(TestServices.Pyroscope("new:1"), created.Id));
        Assert.Contains("fields.PYROSCOPE_BASIC_AUTH_PASSWORD", moved.Errors.Keys);
        var retyped = await _service.ResolveRequestAsync(TestServices.Pyroscope("new:1", password: "typed again"), created.Id);
        Assert.Equal(("new:1", "typed again"), (retyped.Fields["PYROSCOPE_URL"], retyped.Fields["PYROSCOPE_BASIC_AUTH_PASSWORD"]));
        var fresh = await _service.ResolveRequestAsync(TestServices.Pyroscope(password: "typed"));
        Assert.Equal("typed", fresh.Fields["PYROSCOPE_BASIC_AUTH_PASSWORD"]);
        await Assert.ThrowsAsync<DestinationValidationException>(() => _service.ResolveRequestAsync(TestServices.Pyroscope("bad")));
    }
}
