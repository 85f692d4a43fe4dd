using OdigosUi.Resources.Model;
using OdigosUi.Resources.Sources;
using OdigosUi.Resources.Stores;

namespace OdigosUi.Resources.Tests;

public sealed class SourceRegistryTests : IAsyncLifetime
{
    private readonly EmbeddedResourceStore _store = new(null);
    private readonly SourceService _sources;
    private readonly SourceRegistry _registry;

    public SourceRegistryTests()
    {
        _sources = new SourceService(_store);
        _registry = new SourceRegistry(_store);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _registry.StopAsync(CancellationToken.None);
        _registry.Dispose();
        _store.Dispose();
    }

    private Task<Source> CreateAsync(string ns, string kind, string name, bool disabled = false) =>
        _store.CreateAsync(new Source
        {
            Metadata = { GenerateName = Source.GenerateNamePrefix, Namespace = ns },
            Spec = { Workload = { Namespace = ns, Kind = kind, Name = name }, DisableInstrumentation = disabled },
        });

    [Fact]
    public async Task Existing_sources_are_known_when_start_returns()
    {
        await CreateAsync("default", "Deployment", "a");
        await CreateAsync("default", "StatefulSet", "b", disabled: true);
        await _registry.StartAsync(CancellationToken.None);

        Assert.True(_registry.IsSynced);
        Assert.True(_registry.IsEnabled("default", "Deployment", "a"));
        Assert.False(_registry.IsEnabled("default", "StatefulSet", "b"));
        Assert.False(_registry.IsEnabled("default", "Deployment", "c"));
        Assert.False(_registry.IsEnabled("other", "Deployment", "a"));
    }

    [Fact]
    public async Task Changes_are_followed_live_with_a_Changed_event()
    {
        await _registry.StartAsync(CancellationToken.None);
        var changed = new SemaphoreSlim(0);
        _registry.Changed += (_, _) => changed.Release();

        var (dto, created) = await _sources.EnsureAsync(new WorkloadRef("shop", "deployment", "cart"));
        Assert.True(created);
        Assert.Equal("Deployment", dto.Kind);
        Assert.True(await changed.WaitAsync(5000));
        Assert.True(_registry.IsEnabled("shop", "Deployment", "cart"));

        // disableInstrumentation: true disables; PUT again re-enables the same Source.
        var source = (await _sources.FindAsync(new WorkloadRef("shop", "Deployment", "cart"))).Single();
        source.Spec.DisableInstrumentation = true;
        await _store.UpdateAsync(source);
        Assert.True(await changed.WaitAsync(5000));
        Assert.False(_registry.IsEnabled("shop", "Deployment", "cart"));
        var (again, createdAgain) = await _sources.EnsureAsync(new WorkloadRef("shop", "Deployment", "cart"));
        Assert.False(createdAgain);
        Assert.Equal(source.Metadata.Name, again.ResourceName);
        Assert.True(await changed.WaitAsync(5000));
        Assert.True(_registry.IsEnabled("shop", "Deployment", "cart"));

        Assert.True(await _sources.RemoveAsync(new WorkloadRef("shop", "Deployment", "cart")));
        Assert.True(await changed.WaitAsync(5000));
        Assert.False(_registry.IsEnabled("shop", "Deployment", "cart"));
        Assert.False(await _sources.RemoveAsync(new WorkloadRef("shop", "Deployment", "cart")));
    }

    [Fact]
    public async Task A_namespace_source_enables_its_workloads_unless_one_opts_out()
    {
        await CreateAsync("shop", WorkloadKinds.Namespace, "shop");
        await CreateAsync("shop", "Deployment", "legacy", disabled: true);
        await _registry.StartAsync(CancellationToken.None);

        Assert.True(_registry.IsEnabled("shop", "Deployment", "cart"));
        Assert.True(_registry.IsEnabled("shop", "DaemonSet", "agent"));
        Assert.False(_registry.IsEnabled("shop", "Deployment", "legacy"));
        Assert.False(_registry.IsEnabled("default", "Deployment", "cart"));
    }

    [Fact]
    public async Task Source_labels_and_spec_follow_Odigos()
    {
        var (dto, _) = await _sources.EnsureAsync(new WorkloadRef("shop", "statefulset", "db"), otelServiceName: "database");
        var source = (await _store.GetAsync<Source>("shop", dto.ResourceName))!;
        Assert.Equal("db", source.Metadata.Labels![SourceLabels.WorkloadName]);
        Assert.Equal("shop", source.Metadata.Labels[SourceLabels.WorkloadNamespace]);
        Assert.Equal("StatefulSet", source.Metadata.Labels[SourceLabels.WorkloadKind]);
        Assert.Equal(("db", "shop", "StatefulSet"), (source.Spec.Workload.Name, source.Spec.Workload.Namespace, source.Spec.Workload.Kind));
        Assert.Equal("database", source.Spec.OtelServiceName);
        Assert.False(source.Spec.DisableInstrumentation);
    }
}
