using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using MudBlazor;
using OdigosUi.Components.Pages;
using OdigosUi.Pipeline.Collector;
using OdigosUi.Profiles.Model;
using OdigosUi.Resources.Destinations;
using OdigosUi.Ui;

namespace OdigosUi.Tests.Components;

/// <summary>
/// The Sources and Destinations tables refresh themselves every few seconds. A refreshed row must stay the same row
/// (component and elements) with new values: a replaced row loses a click whose mouse-down landed before the refresh
/// and its mouse-up after, and it drops the keyboard focus of whoever was on its switch or buttons.
/// </summary>
public sealed class LiveTableRowTests : ComponentTestContext
{
    private static readonly SourceKey Demo = new("local", "Process", "demo-shop");
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly WorkloadDirectory _directory;

    public LiveTableRowTests()
    {
        _directory = new WorkloadDirectory(_time);
        Services.AddSingleton<TimeProvider>(_time);
        Services.AddSingleton(_directory);
        Services.AddSingleton<WorkloadListing>();
        Render<MudPopoverProvider>();
    }

    [Fact]
    public void A_sources_row_whose_samples_grow_stays_the_same_row()
    {
        _directory.Record(Demo, 10, forwarded: false);
        var page = Render<SourcesPage>();
        var row = Assert.Single(page.FindComponents<MudTr>()).Instance;

        _directory.Record(Demo, 25, forwarded: false);
        _time.Advance(TimeSpan.FromSeconds(3));
        page.WaitForAssertion(() => Assert.Contains(page.FindAll("td"), cell => cell.TextContent.Trim() == "35"), TimeSpan.FromSeconds(30));

        Assert.Same(row, Assert.Single(page.FindComponents<MudTr>()).Instance);
    }

    [Fact]
    public async Task A_destination_row_whose_status_changes_stays_the_same_row()
    {
        var destinations = Services.GetRequiredService<DestinationService>();
        var created = await destinations.CreateAsync(new DestinationRequest
        {
            Type = "pyroscope", Name = "Pyroscope", Signals = ["PROFILES"],
            Fields = new Dictionary<string, string?> { ["PYROSCOPE_URL"] = "pyroscope:4040", ["PYROSCOPE_TLS_ENABLED"] = "false" },
        });
        var page = Render<DestinationsPage>();
        page.WaitForState(() => page.FindComponents<MudTr>().Count == 1, TimeSpan.FromSeconds(30));
        var row = page.FindComponents<MudTr>()[0].Instance;

        await destinations.SetConfiguredConditionAsync(created.Id, true, "Configured", "ready");
        _time.Advance(TimeSpan.FromSeconds(2));
        page.WaitForAssertion(() => Assert.Equal("True", page.Find("[data-testid=condition-DestinationConfigured]").GetAttribute("data-status")), TimeSpan.FromSeconds(30));

        Assert.Same(row, Assert.Single(page.FindComponents<MudTr>()).Instance);
    }
}
