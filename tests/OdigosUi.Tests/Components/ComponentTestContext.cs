using Bunit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;
using OdigosUi.Resources;

namespace OdigosUi.Tests.Components;

/// <summary>bUnit with MudBlazor and the real resource layer over an in-memory embedded store.</summary>
public abstract class ComponentTestContext : BunitContext, IAsyncLifetime
{
    protected ComponentTestContext()
    {
        JSInterop.Mode = JSRuntimeMode.Loose;
        Services.AddMudServices();
        Services.AddSingleton(TimeProvider.System);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Storage:DataDir"] = "",
            ["Kubernetes:Mode"] = "embedded",
        }).Build();
        Services.AddSingleton<IConfiguration>(configuration);
        Services.AddLogging();
        Services.AddOdigosResources(configuration);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    // MudBlazor registers services that only implement IAsyncDisposable; xunit 2 would dispose the context synchronously.
    async Task IAsyncLifetime.DisposeAsync() => await base.DisposeAsync();
}
