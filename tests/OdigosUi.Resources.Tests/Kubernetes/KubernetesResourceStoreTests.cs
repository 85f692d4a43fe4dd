using System.Text.Json.Nodes;
using k8s;
using OdigosUi.Resources.Model;
using OdigosUi.Resources.Sources;
using OdigosUi.Resources.Stores;
using OdigosUi.Resources.Stores.Kubernetes;
using Secret = OdigosUi.Resources.Model.Secret;
using WatchEventType = OdigosUi.Resources.Stores.WatchEventType;

namespace OdigosUi.Resources.Tests.Kubernetes;

/// <summary>The real <see cref="KubernetesResourceStore"/> and KubernetesClient against <see cref="FakeKubernetesApiServer"/>.</summary>
public sealed class KubernetesResourceStoreTests : IAsyncLifetime
{
    private const string Ns = "odigos-system";
    private FakeKubernetesApiServer _fake = null!;
    private KubernetesResourceStore _store = null!;

    public async Task InitializeAsync()
    {
        _fake = await FakeKubernetesApiServer.StartAsync();
        _store = new KubernetesResourceStore(new KubernetesClientConfiguration { Host = _fake.Url })
        {
            InitialWatchBackoff = TimeSpan.FromMilliseconds(20),
            MaxWatchBackoff = TimeSpan.FromMilliseconds(200),
        };
    }

    public async Task DisposeAsync()
    {
        _store.Dispose();
        await _fake.DisposeAsync();
    }

    private static Destination NewDestination(string? name = null) => new()
    {
        Metadata = { Name = name, GenerateName = name is null ? "odigos.io.dest.pyroscope-" : null, Namespace = Ns },
        Spec = new DestinationSpec
        {
            Type = "pyroscope",
            DestinationName = "Pyroscope",
            Data = new() { ["PYROSCOPE_URL"] = "pyroscope:4040", ["PYROSCOPE_TLS_ENABLED"] = "false" },
            Signals = [ObservabilitySignal.Profiles],
        },
    };

    [Fact]
    public async Task A_write_the_cluster_forbids_is_reported_as_forbidden_with_the_servers_message()
    {
        _fake.FailNextRequest(403);

        var ex = await Assert.ThrowsAsync<ResourceForbiddenException>(() => _store.CreateAsync(NewDestination()));

        Assert.Equal(403, ex.StatusCode);
        Assert.Contains("injected failure", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_with_generateName_then_get_and_list()
    {
        var created = await _store.CreateAsync(NewDestination());

        Assert.Matches("^odigos\\.io\\.dest\\.pyroscope-[a-z0-9]{5}$", created.Metadata.Name);
        Assert.True(Guid.TryParse(created.Metadata.Uid, out _));
        Assert.False(string.IsNullOrEmpty(created.Metadata.ResourceVersion));
        Assert.Equal(1, created.Metadata.Generation);
        Assert.NotNull(created.Metadata.CreationTimestamp);
        Assert.Equal(("odigos.io/v1alpha1", "Destination"), (created.ApiVersion, created.Kind));

        var read = await _store.GetAsync<Destination>(Ns, created.Metadata.Name!);
        Assert.Equal("pyroscope:4040", read!.Spec.Data["PYROSCOPE_URL"]);
        Assert.Null(await _store.GetAsync<Destination>(Ns, "nope"));

        await _store.CreateAsync(NewDestination("a-first"));
        var listed = await _store.ListAsync<Destination>(Ns);
        Assert.Equal(["a-first", created.Metadata.Name], listed.Select(d => d.Metadata.Name));
        Assert.Equal(2, (await _store.ListAsync<Destination>()).Count);
        Assert.Empty(await _store.ListAsync<Destination>("other"));

        // What the API server holds is the Odigos schema in Kubernetes camelCase.
        var stored = _fake.GetObject("destinations", Ns, "a-first")!;
        Assert.Equal("pyroscope", stored["spec"]!["type"]!.GetValue<string>());
        Assert.Equal("Pyroscope", stored["spec"]!["destinationName"]!.GetValue<string>());
        Assert.Equal("PROFILES", stored["spec"]!["signals"]![0]!.GetValue<string>());
    }

    [Fact]
    public async Task Create_with_an_existing_name_is_a_conflict()
    {
        await _store.CreateAsync(NewDestination("dest-a"));
        var ex = await Assert.ThrowsAsync<ResourceConflictException>(() => _store.CreateAsync(NewDestination("dest-a")));
        Assert.Contains("already exists", ex.Message);
    }

    [Fact]
    public async Task Update_with_a_stale_resourceVersion_is_a_conflict_and_generation_follows_spec()
    {
        var created = await _store.CreateAsync(NewDestination("d"));
        created.Spec.DestinationName = "Renamed";
        var updated = await _store.UpdateAsync(created);
        Assert.Equal("Renamed", updated.Spec.DestinationName);
        Assert.Equal(2, updated.Metadata.Generation);
        Assert.NotEqual(created.Metadata.ResourceVersion, updated.Metadata.ResourceVersion);

        created.Spec.DestinationName = "Stale";
        await Assert.ThrowsAsync<ResourceConflictException>(() => _store.UpdateAsync(created));

        // Same content: no new resourceVersion.
        var again = await _store.UpdateAsync(updated);
        Assert.Equal(updated.Metadata.ResourceVersion, again.Metadata.ResourceVersion);

        var missing = NewDestination("missing");
        missing.Metadata.ResourceVersion = "1";
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => _store.UpdateAsync(missing));
        updated.Metadata.ResourceVersion = null;
        await Assert.ThrowsAsync<ResourceInvalidException>(() => _store.UpdateAsync(updated));
    }

    [Fact]
    public async Task Status_goes_through_the_status_subresource_only()
    {
        var created = await _store.CreateAsync(NewDestination("d"));
        created.Status = new DestinationStatus
        {
            Conditions = [new Condition { Type = DestinationConditions.Configured, Status = ConditionStatus.True, Reason = DestinationConditions.TransformedToOtelcolConfig, LastTransitionTime = DateTimeOffset.UtcNow }],
        };
        created.Spec.DestinationName = "ignored on /status";

        var withStatus = await _store.UpdateStatusAsync(created);
        Assert.Equal(DestinationConditions.TransformedToOtelcolConfig, withStatus.FindCondition(DestinationConditions.Configured)!.Reason);
        Assert.Equal("Pyroscope", withStatus.Spec.DestinationName);
        Assert.Equal(1, withStatus.Metadata.Generation);
        Assert.Contains(_fake.Requests, r => r.StartsWith("PUT /apis/odigos.io/v1alpha1/namespaces/odigos-system/destinations/d/status", StringComparison.Ordinal));

        // A main-resource update keeps the stored status.
        withStatus.Status = null;
        withStatus.Spec.DestinationName = "Renamed";
        var updated = await _store.UpdateAsync(withStatus);
        Assert.Equal("Renamed", updated.Spec.DestinationName);
        Assert.NotNull(updated.FindCondition(DestinationConditions.Configured));
    }

    [Fact]
    public async Task Delete_removes_the_object_and_its_owned_secrets()
    {
        var destination = await _store.CreateAsync(NewDestination("d"));
        var secret = new Secret { Metadata = { Name = "d-secret", Namespace = Ns, OwnerReferences = [OwnerReference.To(destination)] } };
        secret.SetString("PASSWORD", "hunter2");
        var createdSecret = await _store.CreateAsync(secret);
        Assert.Equal("hunter2", createdSecret.GetString("PASSWORD"));
        Assert.Equal("hunter2", (await _store.GetAsync<Secret>(Ns, "d-secret"))!.GetString("PASSWORD"));

        Assert.True(await _store.DeleteAsync<Destination>(Ns, "d"));
        Assert.Null(await _store.GetAsync<Destination>(Ns, "d"));
        Assert.Null(await _store.GetAsync<Secret>(Ns, "d-secret"));
        Assert.False(await _store.DeleteAsync<Destination>(Ns, "d"));
    }

    [Fact]
    public async Task Server_errors_surface_and_the_next_call_works()
    {
        _fake.FailNextRequest(500);
        await Assert.ThrowsAnyAsync<Exception>(() => _store.ListAsync<Destination>(Ns));
        Assert.Empty(await _store.ListAsync<Destination>(Ns));
    }

    [Fact]
    public async Task Watch_sends_initial_objects_then_changes_in_order()
    {
        await _store.CreateAsync(NewDestination("a"));
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await using var watch = _store.WatchAsync<Destination>(Ns, new WatchOptions { SendInitialEventsEndBookmark = true }, cts.Token).GetAsyncEnumerator(cts.Token);

        var first = await watch.NextAsync();
        Assert.Equal((WatchEventType.Added, "a"), (first.Type, first.Object.Metadata.Name));
        var bookmark = await watch.NextAsync();
        Assert.Equal(WatchEventType.Bookmark, bookmark.Type);
        Assert.Equal("true", bookmark.Object.Metadata.Annotations![WatchAnnotations.InitialEventsEnd]);
        await TestServices.WaitUntilAsync(() => _fake.OpenWatches == 1, 10000);

        var b = await _store.CreateAsync(NewDestination("b"));
        b.Spec.DestinationName = "B";
        await _store.UpdateAsync(b);
        await _store.DeleteAsync<Destination>(Ns, "a");

        var events = new List<(WatchEventType, string?, string?)>();
        for (int i = 0; i < 3; i++)
        {
            var e = await watch.NextAsync();
            events.Add((e.Type, e.Object.Metadata.Name, e.Object.Spec.DestinationName));
        }

        Assert.Equal(
            [(WatchEventType.Added, "b", "Pyroscope"), (WatchEventType.Modified, "b", "B"), (WatchEventType.Deleted, "a", "Pyroscope")],
            events);
    }

    [Fact]
    public async Task Watch_reconnects_after_a_dropped_connection_without_duplicates_or_losses()
    {
        await _store.CreateAsync(NewDestination("a"));
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await using var watch = _store.WatchAsync<Destination>(Ns, null, cts.Token).GetAsyncEnumerator(cts.Token);
        Assert.Equal("a", (await watch.NextAsync()).Object.Metadata.Name);
        await TestServices.WaitUntilAsync(() => _fake.OpenWatches == 1, 10000);

        await _store.CreateAsync(NewDestination("b"));
        Assert.Equal((WatchEventType.Added, "b"), await NextAsync(watch));

        // Drop the connection and change things while the watch cannot reconnect (its attempts get 503).
        _fake.RejectWatches = true;
        _fake.DropWatches();
        await _store.CreateAsync(NewDestination("c"));
        await _store.DeleteAsync<Destination>(Ns, "b");
        await TestServices.WaitUntilAsync(() => _fake.Requests.Count(r => r.Contains("watch=true", StringComparison.Ordinal)) >= 2, 10000);
        _fake.RejectWatches = false;

        Assert.Equal((WatchEventType.Added, "c"), await NextAsync(watch));
        Assert.Equal((WatchEventType.Deleted, "b"), await NextAsync(watch));
        await TestServices.WaitUntilAsync(() => _fake.OpenWatches == 1, 10000);

        await _store.CreateAsync(NewDestination("d"));
        Assert.Equal((WatchEventType.Added, "d"), await NextAsync(watch));

        // The reconnect resumed from the last resourceVersion seen, never from scratch.
        var watchRequests = _fake.Requests.Where(r => r.Contains("watch=true", StringComparison.Ordinal)).ToList();
        Assert.True(watchRequests.Count >= 2);
        Assert.All(watchRequests, r => Assert.Contains("resourceVersion=", r));
    }

    [Fact]
    public async Task Watch_relists_on_410_Gone_and_emits_only_the_differences()
    {
        var a = await _store.CreateAsync(NewDestination("a"));
        await _store.CreateAsync(NewDestination("b"));
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await using var watch = _store.WatchAsync<Destination>(Ns, null, cts.Token).GetAsyncEnumerator(cts.Token);
        Assert.Equal((WatchEventType.Added, "a"), await NextAsync(watch));
        Assert.Equal((WatchEventType.Added, "b"), await NextAsync(watch));
        await TestServices.WaitUntilAsync(() => _fake.OpenWatches == 1, 10000);

        // Stop the watch, change things, and forget the history: the reconnect gets 410 and must list again.
        _fake.RejectWatches = true;
        _fake.DropWatches();
        a.Spec.DestinationName = "A";
        await _store.UpdateAsync(a);
        await _store.DeleteAsync<Destination>(Ns, "b");
        await _store.CreateAsync(NewDestination("c"));
        _fake.CompactHistory();
        _fake.RejectWatches = false;

        var events = new List<(WatchEventType, string?)> { await NextAsync(watch), await NextAsync(watch), await NextAsync(watch) };
        Assert.Equal(
            new HashSet<(WatchEventType, string?)> { (WatchEventType.Modified, "a"), (WatchEventType.Deleted, "b"), (WatchEventType.Added, "c") },
            events.ToHashSet());
        Assert.Contains(_fake.Requests, r => r.StartsWith("GET /apis/odigos.io/v1alpha1/namespaces/odigos-system/destinations", StringComparison.Ordinal) && !r.Contains("watch=true", StringComparison.Ordinal));
        await TestServices.WaitUntilAsync(() => _fake.OpenWatches == 1, 10000);

        // And it keeps following changes after the relist, with nothing repeated.
        await _store.CreateAsync(NewDestination("e"));
        Assert.Equal((WatchEventType.Added, "e"), await NextAsync(watch));
    }

    [Fact]
    public async Task Secrets_go_through_the_core_API_and_can_be_watched()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await using var watch = _store.WatchAsync<Secret>(Ns, new WatchOptions { SendInitialEventsEndBookmark = true }, cts.Token).GetAsyncEnumerator(cts.Token);
        Assert.Equal(WatchEventType.Bookmark, (await watch.NextAsync(10000)).Type);
        await TestServices.WaitUntilAsync(() => _fake.OpenWatches == 1, 10000);

        var secret = new Secret { Metadata = { GenerateName = "odigos.io.dest.pyroscope-", Namespace = Ns }, StringData = new() { ["TOKEN"] = "t1" } };
        var created = await _store.CreateAsync(secret);
        Assert.Contains(_fake.Requests, r => r.StartsWith("POST /api/v1/namespaces/odigos-system/secrets", StringComparison.Ordinal));
        Assert.Equal("t1", created.GetString("TOKEN"));
        created.SetString("TOKEN", "t2");
        var updated = await _store.UpdateAsync(created);
        Assert.Equal("t2", updated.GetString("TOKEN"));
        await Assert.ThrowsAsync<ResourceInvalidException>(() => _store.UpdateStatusAsync(updated));
        Assert.True(await _store.DeleteAsync<Secret>(Ns, created.Metadata.Name!));

        var events = new List<(WatchEventType, string?)>();
        for (int i = 0; i < 3; i++)
        {
            var e = await watch.NextAsync(10000);
            events.Add((e.Type, e.Object.GetString("TOKEN")));
        }

        Assert.Equal([(WatchEventType.Added, "t1"), (WatchEventType.Modified, "t2"), (WatchEventType.Deleted, "t2")], events);
    }

    [Fact]
    public async Task Invalid_updates_from_the_API_server_are_ResourceInvalidException()
    {
        var source = await _store.CreateAsync(new Source
        {
            Metadata = { GenerateName = Source.GenerateNamePrefix, Namespace = "shop" },
            Spec = { Workload = { Namespace = "shop", Kind = "Deployment", Name = "cart" } },
        });
        source.Spec.Workload.Name = "other";
        var ex = await Assert.ThrowsAsync<ResourceInvalidException>(() => _store.UpdateAsync(source));
        Assert.Contains("immutable", ex.Message);
        await Assert.ThrowsAsync<ResourceInvalidException>(() => _store.CreateAsync(new Destination { Metadata = { Namespace = Ns } }));
    }

    [Fact]
    public async Task Watch_ends_when_the_store_is_disposed()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await using var watch = _store.WatchAsync<Source>(null, null, cts.Token).GetAsyncEnumerator(cts.Token);
        var move = watch.MoveNextAsync().AsTask();
        await TestServices.WaitUntilAsync(() => _fake.OpenWatches == 1, 10000);
        _store.Dispose();
        Assert.False(await move.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task DestinationService_writes_an_Odigos_Destination_and_its_Secret_to_the_API_server()
    {
        var service = TestServices.Destinations(_store);
        var dto = await service.CreateAsync(TestServices.Pyroscope("http://pyroscope:4040", password: "hunter2"));
        Assert.Matches("^odigos\\.io\\.dest\\.pyroscope-[a-z0-9]{5}$", dto.Id);

        JsonObject destination = _fake.GetObject("destinations", Ns, dto.Id)!;
        Assert.Equal("odigos.io/v1alpha1", destination["apiVersion"]!.GetValue<string>());
        JsonObject spec = destination["spec"]!.AsObject();
        Assert.Equal("pyroscope", spec["type"]!.GetValue<string>());
        Assert.Equal("My Pyroscope", spec["destinationName"]!.GetValue<string>());
        Assert.Equal("http://pyroscope:4040", spec["data"]!["PYROSCOPE_URL"]!.GetValue<string>());
        Assert.Null(spec["data"]!["PYROSCOPE_BASIC_AUTH_PASSWORD"]);
        Assert.Equal(["PROFILES"], spec["signals"]!.AsArray().Select(s => s!.GetValue<string>()));
        string secretName = spec["secretRef"]!["name"]!.GetValue<string>();

        JsonObject secret = _fake.GetObject("secrets", Ns, secretName)!;
        Assert.Equal("hunter2", System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(secret["data"]!["PYROSCOPE_BASIC_AUTH_PASSWORD"]!.GetValue<string>())));
        var owner = secret["metadata"]!["ownerReferences"]![0]!;
        Assert.Equal(destination["metadata"]!["uid"]!.GetValue<string>(), owner["uid"]!.GetValue<string>());
        Assert.Equal("Destination", owner["kind"]!.GetValue<string>());

        var listed = Assert.Single(await service.ListAsync());
        Assert.Equal("My Pyroscope", listed.Name);

        Assert.True(await service.DeleteAsync(dto.Id));
        Assert.Empty(_fake.GetObjects("destinations"));
        Assert.Empty(_fake.GetObjects("secrets"));
    }

    [Fact]
    public async Task SourceRegistry_follows_Sources_in_the_API_server()
    {
        var sources = new SourceService(_store);
        using var registry = new SourceRegistry(_store);
        await sources.EnsureAsync(new WorkloadRef("shop", "Deployment", "cart"));
        await registry.StartAsync(CancellationToken.None);
        try
        {
            Assert.True(registry.IsEnabled("shop", "Deployment", "cart"));
            await sources.EnsureAsync(new WorkloadRef("shop", "Deployment", "checkout"));
            await TestServices.WaitUntilAsync(() => registry.IsEnabled("shop", "Deployment", "checkout"), 10000);

            JsonObject stored = Assert.Single(_fake.GetObjects("sources"), s => s["spec"]!["workload"]!["name"]!.GetValue<string>() == "checkout");
            Assert.StartsWith(Source.GenerateNamePrefix, stored["metadata"]!["name"]!.GetValue<string>());
            Assert.Equal("Deployment", stored["spec"]!["workload"]!["kind"]!.GetValue<string>());

            Assert.True(await sources.RemoveAsync(new WorkloadRef("shop", "Deployment", "cart")));
            await TestServices.WaitUntilAsync(() => !registry.IsEnabled("shop", "Deployment", "cart"), 10000);
        }
        finally
        {
            await registry.StopAsync(CancellationToken.None);
        }
    }

    private static async Task<(WatchEventType, string?)> NextAsync(IAsyncEnumerator<WatchEvent<Destination>> watch)
    {
        var e = await watch.NextAsync(10000);
        return (e.Type, e.Object.Metadata.Name);
    }
}
