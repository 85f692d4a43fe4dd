using System.Text.Json.Nodes;
using OdigosUi.Resources.Model;
using OdigosUi.Resources.Serialization;
using OdigosUi.Resources.Stores;

namespace OdigosUi.Resources.Tests;

public sealed class EmbeddedResourceStoreTests : IDisposable
{
    private const string Ns = "odigos-system";
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

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
    public async Task Create_with_generateName_sets_name_uid_version_timestamp_and_generation()
    {
        using var store = new EmbeddedResourceStore(null);
        var created = await store.CreateAsync(NewDestination());

        Assert.Matches("^odigos\\.io\\.dest\\.pyroscope-[a-z0-9]{5}$", created.Metadata.Name);
        Assert.True(Guid.TryParse(created.Metadata.Uid, out _));
        Assert.Equal("1", created.Metadata.ResourceVersion);
        Assert.Equal(1, created.Metadata.Generation);
        Assert.NotNull(created.Metadata.CreationTimestamp);
        Assert.Equal("odigos.io/v1alpha1", created.ApiVersion);
        Assert.Equal("Destination", created.Kind);

        var read = await store.GetAsync<Destination>(Ns, created.Metadata.Name!);
        Assert.NotNull(read);
        Assert.Equal("pyroscope:4040", read.Spec.Data["PYROSCOPE_URL"]);
        Assert.Null(await store.GetAsync<Destination>(Ns, "nope"));
        Assert.Null(await store.GetAsync<Destination>("other", created.Metadata.Name!));
    }

    [Fact]
    public async Task Returned_objects_are_copies()
    {
        using var store = new EmbeddedResourceStore(null);
        var created = await store.CreateAsync(NewDestination("a"));
        created.Spec.Data["PYROSCOPE_URL"] = "changed:1";
        var read = await store.GetAsync<Destination>(Ns, "a");
        Assert.Equal("pyroscope:4040", read!.Spec.Data["PYROSCOPE_URL"]);
    }

    [Fact]
    public async Task Create_with_an_existing_name_is_a_conflict()
    {
        using var store = new EmbeddedResourceStore(null);
        await store.CreateAsync(NewDestination("dest-a"));
        var ex = await Assert.ThrowsAsync<ResourceConflictException>(() => store.CreateAsync(NewDestination("dest-a")));
        Assert.Equal(409, ex.StatusCode);
        Assert.Contains("already exists", ex.Message);

        // Same name in another namespace is fine.
        var other = NewDestination("dest-a");
        other.Metadata.Namespace = "other";
        await store.CreateAsync(other);
    }

    [Theory]
    [InlineData(null, null, Ns)]
    [InlineData("Bad_Name", null, Ns)]
    [InlineData("../escape", null, Ns)]
    [InlineData("ok", null, "")]
    [InlineData("ok", null, "Bad/Namespace")]
    [InlineData(null, "BAD_", Ns)]
    public async Task Create_refuses_invalid_names_and_namespaces(string? name, string? generateName, string ns)
    {
        using var store = new EmbeddedResourceStore(null);
        var destination = NewDestination(name);
        destination.Metadata.GenerateName = generateName;
        destination.Metadata.Namespace = ns;
        await Assert.ThrowsAsync<ResourceInvalidException>(() => store.CreateAsync(destination));
    }

    [Fact]
    public async Task Create_refuses_a_resourceVersion_and_drops_the_status()
    {
        using var store = new EmbeddedResourceStore(null);
        var withVersion = NewDestination("a");
        withVersion.Metadata.ResourceVersion = "5";
        await Assert.ThrowsAsync<ResourceInvalidException>(() => store.CreateAsync(withVersion));

        var withStatus = NewDestination("b");
        withStatus.Status = new DestinationStatus { Conditions = [new Condition { Type = "X", Status = "True" }] };
        Assert.Null((await store.CreateAsync(withStatus)).Status);
    }

    [Fact]
    public async Task Update_needs_the_current_resourceVersion_and_bumps_generation_on_spec_change()
    {
        using var store = new EmbeddedResourceStore(null);
        var created = await store.CreateAsync(NewDestination("a"));

        var first = await store.GetAsync<Destination>(Ns, "a");
        var second = await store.GetAsync<Destination>(Ns, "a");
        first!.Spec.Data["PYROSCOPE_URL"] = "first:1";
        var updated = await store.UpdateAsync(first);
        Assert.Equal(2, updated.Metadata.Generation);
        Assert.NotEqual(created.Metadata.ResourceVersion, updated.Metadata.ResourceVersion);
        Assert.Equal(created.Metadata.Uid, updated.Metadata.Uid);
        Assert.Equal(created.Metadata.CreationTimestamp, updated.Metadata.CreationTimestamp);

        // The stale copy loses.
        second!.Spec.Data["PYROSCOPE_URL"] = "second:2";
        var conflict = await Assert.ThrowsAsync<ResourceConflictException>(() => store.UpdateAsync(second));
        Assert.Contains("the object has been modified", conflict.Message);

        // A metadata-only change does not bump the generation.
        updated.Metadata.Labels = new() { ["team"] = "a" };
        var relabelled = await store.UpdateAsync(updated);
        Assert.Equal(2, relabelled.Metadata.Generation);
        Assert.NotEqual(updated.Metadata.ResourceVersion, relabelled.Metadata.ResourceVersion);

        // Writing what is stored changes nothing.
        var same = await store.UpdateAsync(relabelled);
        Assert.Equal(relabelled.Metadata.ResourceVersion, same.Metadata.ResourceVersion);

        // No resourceVersion, unknown object.
        relabelled.Metadata.ResourceVersion = null;
        await Assert.ThrowsAsync<ResourceInvalidException>(() => store.UpdateAsync(relabelled));
        var missing = NewDestination("missing");
        missing.Metadata.ResourceVersion = "1";
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => store.UpdateAsync(missing));
    }

    [Fact]
    public async Task Update_keeps_status_and_UpdateStatus_changes_only_status()
    {
        using var store = new EmbeddedResourceStore(null);
        var created = await store.CreateAsync(NewDestination("a"));
        created.Status = new DestinationStatus { Conditions = [new Condition { Type = DestinationConditions.Configured, Status = "True", Reason = "R" }] };
        created.Spec.Data["PYROSCOPE_URL"] = "ignored:1";
        var withStatus = await store.UpdateStatusAsync(created);
        Assert.Equal("pyroscope:4040", withStatus.Spec.Data["PYROSCOPE_URL"]);
        Assert.Equal(1, withStatus.Metadata.Generation);
        Assert.Equal("R", withStatus.FindCondition(DestinationConditions.Configured)!.Reason);

        withStatus.Status = null;
        withStatus.Spec.DestinationName = "renamed";
        var updated = await store.UpdateAsync(withStatus);
        Assert.Equal("renamed", updated.Spec.DestinationName);
        Assert.NotNull(updated.FindCondition(DestinationConditions.Configured));
    }

    [Fact]
    public async Task Source_workload_is_immutable()
    {
        using var store = new EmbeddedResourceStore(null);
        var source = await store.CreateAsync(new Source
        {
            Metadata = { GenerateName = "source-", Namespace = "default" },
            Spec = { Workload = { Name = "app", Namespace = "default", Kind = "Deployment" } },
        });
        Assert.StartsWith("source-", source.Metadata.Name);
        source.Spec.Workload.Name = "other";
        var ex = await Assert.ThrowsAsync<ResourceInvalidException>(() => store.UpdateAsync(source));
        Assert.Contains("immutable", ex.Message);
    }

    [Fact]
    public async Task Delete_cascades_to_owned_secrets_transitively_only()
    {
        using var store = new EmbeddedResourceStore(_dir.Path);
        var destination = await store.CreateAsync(NewDestination("a"));
        var owned = new Secret { Metadata = { Name = "a-secret", Namespace = Ns, OwnerReferences = [OwnerReference.To(destination)] } };
        owned.SetString("PASSWORD", "hunter2");
        owned = await store.CreateAsync(owned);
        var grandChild = await store.CreateAsync(new Secret { Metadata = { Name = "a-secret-child", Namespace = Ns, OwnerReferences = [OwnerReference.To(owned)] } });
        await store.CreateAsync(new Secret { Metadata = { Name = "unrelated", Namespace = Ns } });

        Assert.True(await store.DeleteAsync<Destination>(Ns, "a"));
        Assert.False(await store.DeleteAsync<Destination>(Ns, "a"));
        Assert.Null(await store.GetAsync<Secret>(Ns, "a-secret"));
        Assert.Null(await store.GetAsync<Secret>(Ns, grandChild.Metadata.Name!));
        Assert.NotNull(await store.GetAsync<Secret>(Ns, "unrelated"));
        Assert.False(File.Exists(EmbeddedResourceStore.GetFilePath(_dir.Path, Secret.ResourceType, Ns, "a-secret")));
        Assert.False(File.Exists(EmbeddedResourceStore.GetFilePath(_dir.Path, Destination.ResourceType, Ns, "a")));
    }

    [Fact]
    public async Task Watch_starts_with_current_objects_then_reports_changes_in_order()
    {
        using var store = new EmbeddedResourceStore(null);
        await store.CreateAsync(NewDestination("a"));
        await store.CreateAsync(NewDestination("b"));
        var other = NewDestination("c");
        other.Metadata.Namespace = "elsewhere";
        await store.CreateAsync(other);

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await using var all = store.WatchAsync<Destination>(null, new WatchOptions { SendInitialEventsEndBookmark = true }, cts.Token).GetAsyncEnumerator();
        await using var scoped = store.WatchAsync<Destination>(Ns, null, cts.Token).GetAsyncEnumerator();

        var e1 = await all.NextAsync();
        var e2 = await all.NextAsync();
        var e3 = await all.NextAsync();
        Assert.Equal([WatchEventType.Added, WatchEventType.Added, WatchEventType.Added], [e1.Type, e2.Type, e3.Type]);
        // Ordered by namespace, then name.
        Assert.Equal(["c", "a", "b"], [e1.Object.Metadata.Name!, e2.Object.Metadata.Name!, e3.Object.Metadata.Name!]);
        var bookmark = await all.NextAsync();
        Assert.Equal(WatchEventType.Bookmark, bookmark.Type);
        Assert.Equal("true", bookmark.Object.Metadata.Annotations![WatchAnnotations.InitialEventsEnd]);

        Assert.Equal("a", (await scoped.NextAsync()).Object.Metadata.Name);
        Assert.Equal("b", (await scoped.NextAsync()).Object.Metadata.Name);

        // Changes after the watch started (the scoped watch is at its live part now too).
        var d = await store.CreateAsync(NewDestination("d"));
        d.Spec.DestinationName = "D";
        var modified = await store.UpdateAsync(d);
        await store.DeleteAsync<Destination>(Ns, "a");
        var elsewhere = NewDestination("e");
        elsewhere.Metadata.Namespace = "elsewhere";
        await store.CreateAsync(elsewhere);

        var added = await all.NextAsync();
        Assert.Equal((WatchEventType.Added, "d"), (added.Type, added.Object.Metadata.Name));
        var changed = await all.NextAsync();
        Assert.Equal((WatchEventType.Modified, "D"), (changed.Type, changed.Object.Spec.DestinationName));
        Assert.Equal(modified.Metadata.ResourceVersion, changed.Object.Metadata.ResourceVersion);
        var deleted = await all.NextAsync();
        Assert.Equal((WatchEventType.Deleted, "a"), (deleted.Type, deleted.Object.Metadata.Name));
        Assert.True(long.Parse(deleted.Object.Metadata.ResourceVersion!) > long.Parse(modified.Metadata.ResourceVersion!));
        Assert.Equal("e", (await all.NextAsync()).Object.Metadata.Name);

        Assert.Equal(["d", "d", "a"], [(await scoped.NextAsync()).Object.Metadata.Name!, (await scoped.NextAsync()).Object.Metadata.Name!, (await scoped.NextAsync()).Object.Metadata.Name!]);

        // Secrets deleted by garbage collection reach Secret watchers.
        await using var secrets = store.WatchAsync<Secret>(Ns, null, cts.Token).GetAsyncEnumerator();
        var owner = await store.CreateAsync(NewDestination("owner"));
        await store.CreateAsync(new Secret { Metadata = { Name = "owned", Namespace = Ns, OwnerReferences = [OwnerReference.To(owner)] } });
        Assert.Equal(WatchEventType.Added, (await secrets.NextAsync()).Type);
        await store.DeleteAsync<Destination>(Ns, "owner");
        var gone = await secrets.NextAsync();
        Assert.Equal((WatchEventType.Deleted, "owned"), (gone.Type, gone.Object.Metadata.Name));
    }

    [Fact]
    public async Task Watch_ends_on_cancellation_and_on_dispose()
    {
        var store = new EmbeddedResourceStore(null);
        using var cts = new CancellationTokenSource();
        var enumerator = store.WatchAsync<Source>(null, null, cts.Token).GetAsyncEnumerator();
        var pending = enumerator.MoveNextAsync().AsTask();
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending);
        await enumerator.DisposeAsync();

        var second = store.WatchAsync<Source>().GetAsyncEnumerator();
        var next = second.MoveNextAsync().AsTask();
        store.Dispose();
        Assert.False(await next);
        await second.DisposeAsync();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => store.CreateAsync(NewDestination("x")));
    }

    [Fact]
    public async Task Objects_and_resourceVersion_survive_a_new_store_on_the_same_directory()
    {
        string name;
        string lastVersion;
        string uid;
        using (var store = new EmbeddedResourceStore(_dir.Path))
        {
            var created = await store.CreateAsync(NewDestination());
            name = created.Metadata.Name!;
            uid = created.Metadata.Uid!;
            created.Spec.DestinationName = "renamed";
            var updated = await store.UpdateAsync(created);
            updated.Status = new DestinationStatus { Conditions = [new Condition { Type = DestinationConditions.Configured, Status = "True", Reason = DestinationConditions.TransformedToOtelcolConfig, LastTransitionTime = DateTimeOffset.Parse("2025-01-02T03:04:05Z") }] };
            updated = await store.UpdateStatusAsync(updated);
            var secret = new Secret { Metadata = { Name = "s", Namespace = Ns } };
            secret.SetString("PASSWORD", "p@ss: word");
            await store.CreateAsync(secret);
            var doomed = await store.CreateAsync(NewDestination("doomed"));
            await store.DeleteAsync<Destination>(Ns, "doomed");
            lastVersion = (await store.ListAsync<Destination>()).Max(d => long.Parse(d.Metadata.ResourceVersion!)).ToString();
            Assert.True(store.CurrentResourceVersion > long.Parse(doomed.Metadata.ResourceVersion!));
        }

        using var reopened = new EmbeddedResourceStore(_dir.Path);
        var loaded = await reopened.GetAsync<Destination>(Ns, name);
        Assert.NotNull(loaded);
        Assert.Equal("renamed", loaded.Spec.DestinationName);
        Assert.Equal(uid, loaded.Metadata.Uid);
        Assert.Equal(2, loaded.Metadata.Generation);
        Assert.Equal(lastVersion, loaded.Metadata.ResourceVersion);
        Assert.Equal(DateTimeOffset.Parse("2025-01-02T03:04:05Z"), loaded.FindCondition(DestinationConditions.Configured)!.LastTransitionTime);
        Assert.Equal("p@ss: word", (await reopened.GetAsync<Secret>(Ns, "s"))!.GetString("PASSWORD"));
        Assert.Null(await reopened.GetAsync<Destination>(Ns, "doomed"));

        // resourceVersion keeps increasing past everything handed out before (the deleted object's included).
        var next = await reopened.CreateAsync(NewDestination("next"));
        Assert.True(long.Parse(next.Metadata.ResourceVersion!) > long.Parse(lastVersion) + 1);

        // A stale update from before the restart still conflicts; a fresh one works.
        loaded.Metadata.ResourceVersion = "1";
        await Assert.ThrowsAsync<ResourceConflictException>(() => reopened.UpdateAsync(loaded));
    }

    [Fact]
    public async Task Writes_leave_no_temporary_files_and_stray_ones_are_removed_at_load()
    {
        using (var store = new EmbeddedResourceStore(_dir.Path))
        {
            for (int i = 0; i < 5; i++)
            {
                var d = await store.CreateAsync(NewDestination($"d{i}"));
                d.Spec.DestinationName = "x";
                await store.UpdateAsync(d);
            }

            var secret = new Secret { Metadata = { Name = "s", Namespace = Ns } };
            secret.SetString("k", "v");
            await store.CreateAsync(secret);
            await store.DeleteAsync<Destination>(Ns, "d0");
        }

        var files = Directory.GetFiles(_dir.Path, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(_dir.Path, f)).Order().ToArray();
        Assert.DoesNotContain(files, f => f.Contains(".tmp-"));
        Assert.Equal(
            [
                DataDirectoryLock.FileName,
                Path.Combine("resources", ".resource-version"),
                Path.Combine("resources", "destinations", Ns, "d1.yaml"),
                Path.Combine("resources", "destinations", Ns, "d2.yaml"),
                Path.Combine("resources", "destinations", Ns, "d3.yaml"),
                Path.Combine("resources", "destinations", Ns, "d4.yaml"),
                Path.Combine("resources", "secrets", Ns, "s.yaml"),
            ],
            files);

        // A write interrupted before its rename leaves a temp file: the next start removes it and ignores it.
        string stray = Path.Combine(_dir.Path, "resources", "destinations", Ns, ".d1.yaml.tmp-0123");
        File.WriteAllText(stray, "half a fi");
        using var reopened = new EmbeddedResourceStore(_dir.Path);
        Assert.False(File.Exists(stray));
        Assert.Equal(4, (await reopened.ListAsync<Destination>()).Count);
    }

    [Fact]
    public async Task Secret_files_are_readable_by_the_owner_only()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // Unix file modes
        }

        using var store = new EmbeddedResourceStore(_dir.Path);
        var secret = new Secret { Metadata = { Name = "s", Namespace = Ns }, StringData = new() { ["PASSWORD"] = "hunter2" } };
        await store.CreateAsync(secret);
        string path = EmbeddedResourceStore.GetFilePath(_dir.Path, Secret.ResourceType, Ns, "s");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.GetDirectoryName(path)!));

        // Rewritten (update): still 0600. stringData was folded into base64 data.
        var stored = await store.GetAsync<Secret>(Ns, "s");
        Assert.Null(stored!.StringData);
        Assert.Equal("aHVudGVyMg==", stored.Data!["PASSWORD"]);
        stored.SetString("PASSWORD", "changed");
        await store.UpdateAsync(stored);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.DoesNotContain("changed", File.ReadAllText(path));
    }

    [Fact]
    public async Task Files_are_Kubernetes_manifests()
    {
        using var store = new EmbeddedResourceStore(_dir.Path);
        var destination = NewDestination();
        destination.Spec.Data["PORT_LIKE"] = "4040";
        destination.Spec.Data["BOOL_LIKE"] = "yes";
        destination.Spec.Data["EMPTY"] = "";
        destination.Spec.Data["PEM"] = "-----BEGIN CERTIFICATE-----\nabc\n-----END CERTIFICATE-----\n";
        var created = await store.CreateAsync(destination);
        var secret = new Secret { Metadata = { Name = "s", Namespace = Ns, OwnerReferences = [OwnerReference.To(created)] } };
        secret.SetString("PASSWORD", "x");
        await store.CreateAsync(secret);

        string text = File.ReadAllText(EmbeddedResourceStore.GetFilePath(_dir.Path, Destination.ResourceType, Ns, created.Metadata.Name!));
        var manifest = Assert.IsType<JsonObject>(YamlJson.FromYaml(text));
        Assert.Equal("odigos.io/v1alpha1", (string?)manifest["apiVersion"]);
        Assert.Equal("Destination", (string?)manifest["kind"]);
        var metadata = manifest["metadata"]!.AsObject();
        Assert.Equal(created.Metadata.Name, (string?)metadata["name"]);
        Assert.Equal(Ns, (string?)metadata["namespace"]);
        // What the API server sets itself (and refuses in a create) is not in the manifest.
        Assert.False(metadata.ContainsKey("resourceVersion"));
        Assert.False(metadata.ContainsKey("uid"));
        Assert.False(metadata.ContainsKey("creationTimestamp"));
        Assert.DoesNotContain("uid: ''", text);
        var spec = manifest["spec"]!.AsObject();
        Assert.Equal("pyroscope", (string?)spec["type"]);
        Assert.Equal("PROFILES", (string?)spec["signals"]![0]);
        // Values stay strings for any YAML reader.
        Assert.Equal("4040", (string?)spec["data"]!["PORT_LIKE"]);
        Assert.Equal("yes", (string?)spec["data"]!["BOOL_LIKE"]);
        Assert.Equal("false", (string?)spec["data"]!["PYROSCOPE_TLS_ENABLED"]);
        Assert.Equal("", (string?)spec["data"]!["EMPTY"]);
        Assert.Equal(destination.Spec.Data["PEM"], (string?)spec["data"]!["PEM"]);
        Assert.Contains("PORT_LIKE: \"4040\"", text);
        Assert.Contains("PYROSCOPE_TLS_ENABLED: \"false\"", text);
        Assert.StartsWith("# ", text);
        Assert.Contains(EmbeddedResourceStore.HeaderPrefix, text);

        string secretText = File.ReadAllText(EmbeddedResourceStore.GetFilePath(_dir.Path, Secret.ResourceType, Ns, "s"));
        var secretManifest = Assert.IsType<JsonObject>(YamlJson.FromYaml(secretText));
        Assert.Equal("v1", (string?)secretManifest["apiVersion"]);
        Assert.Equal("Secret", (string?)secretManifest["kind"]);
        Assert.Equal("Opaque", (string?)secretManifest["type"]);
        Assert.Equal("eA==", (string?)secretManifest["data"]!["PASSWORD"]);
        var ownerReference = secretManifest["metadata"]!["ownerReferences"]![0]!;
        Assert.Equal("Destination", (string?)ownerReference["kind"]);
        Assert.Equal(created.Metadata.Uid, (string?)ownerReference["uid"]);
    }

    [Fact]
    public async Task A_manifest_written_by_hand_is_adopted_at_start()
    {
        string dir = Path.Combine(_dir.Path, "resources", "sources", "default");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "my-app.yaml"), """
            apiVersion: odigos.io/v1alpha1
            kind: Source
            metadata:
              name: my-app
              namespace: default
            spec:
              workload:
                name: my-app
                namespace: default
                kind: Deployment
              useRegex: false
            """);
        File.WriteAllText(Path.Combine(dir, "broken.yaml"), "apiVersion: [unclosed");
        File.WriteAllText(Path.Combine(dir, "misplaced.yaml"), "apiVersion: odigos.io/v1alpha1\nkind: Source\nmetadata:\n  name: elsewhere\n");

        using var store = new EmbeddedResourceStore(_dir.Path);
        var sources = await store.ListAsync<Source>();
        var source = Assert.Single(sources);
        Assert.Equal("my-app", source.Metadata.Name);
        Assert.NotNull(source.Metadata.Uid);
        Assert.Equal("1", source.Metadata.ResourceVersion);
        Assert.Equal("Deployment", source.Spec.Workload.Kind);
        Assert.True(source.Spec.AdditionalProperties!.ContainsKey("useRegex"));
        Assert.Contains(EmbeddedResourceStore.HeaderPrefix, File.ReadAllText(Path.Combine(dir, "my-app.yaml")));
    }
}
