using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MudBlazor;
using OdigosUi.Components.Pages;
using OdigosUi.Destinations;
using OdigosUi.Resources.Destinations;

namespace OdigosUi.Tests.Components;

public sealed class DestinationWizardComponentTests : ComponentTestContext
{
    public DestinationWizardComponentTests()
    {
        Services.AddSingleton(Options.Create(new ConnectionTestOptions()));
        Services.AddSingleton<ConnectionTester>();
    }

    private IRenderedComponent<DestinationWizard> RenderWizard()
    {
        Render<MudPopoverProvider>();
        Render<MudSnackbarProvider>();
        return Render<DestinationWizard>();
    }

    [Fact]
    public void Type_search_and_signal_filter_narrow_the_catalog()
    {
        var wizard = RenderWizard();
        Assert.Equal(3, wizard.FindAll("[data-testid=type-card]").Count);

        wizard.Find("[data-testid=type-search] input, input[data-testid=type-search]").Input("otlp");
        wizard.WaitForAssertion(() => Assert.Equal(["otlp", "otlphttp"], wizard.FindAll("[data-testid=type-card]").Select(c => c.GetAttribute("data-type")!).Order()));
    }

    [Fact]
    public async Task Saving_a_bad_address_shows_the_service_message_on_the_field_and_creates_nothing()
    {
        var wizard = RenderWizard();
        wizard.Find("[data-testid=type-card][data-type=pyroscope]").Click();
        wizard.Find("[data-testid=wizard-save]").Click();
        wizard.WaitForAssertion(() => Assert.Contains("required", wizard.Find("[data-testid=field-PYROSCOPE_URL]").TextContent, StringComparison.Ordinal));
        wizard.Find("[data-testid=field-PYROSCOPE_URL] input").Input("http://");
        wizard.Find("[data-testid=wizard-save]").Click();

        wizard.WaitForAssertion(() => Assert.Contains("A host is required", wizard.Find("[data-testid=field-PYROSCOPE_URL]").TextContent, StringComparison.Ordinal));
        Assert.Empty(await Services.GetRequiredService<DestinationService>().ListAsync());
    }

    [Fact]
    public async Task Editing_the_URL_of_a_Destination_with_a_stored_password_asks_for_the_password_again()
    {
        var service = Services.GetRequiredService<DestinationService>();
        var created = await service.CreateAsync(new DestinationRequest
        {
            Type = "pyroscope",
            Name = "with password",
            Signals = ["PROFILES"],
            Fields = new Dictionary<string, string?> { ["PYROSCOPE_URL"] = "pyroscope:4040", ["PYROSCOPE_BASIC_AUTH_USERNAME"] = "admin", ["PYROSCOPE_BASIC_AUTH_PASSWORD"] = "stored-pass" },
        });
        Render<MudPopoverProvider>();
        Render<MudSnackbarProvider>();
        var wizard = Render<DestinationWizard>(p => p.Add(w => w.Id, created.Id));
        wizard.WaitForAssertion(() => Assert.Equal("stored: leave empty to keep", wizard.Find("[data-testid=field-PYROSCOPE_BASIC_AUTH_PASSWORD] input").GetAttribute("placeholder")));

        wizard.Find("[data-testid=field-PYROSCOPE_URL] input").Input("elsewhere:4040");
        wizard.WaitForAssertion(() => Assert.Equal("enter again: the connection changed", wizard.Find("[data-testid=field-PYROSCOPE_BASIC_AUTH_PASSWORD] input").GetAttribute("placeholder")));
        wizard.Find("[data-testid=wizard-save]").Click();
        wizard.WaitForAssertion(() => Assert.Contains("again", wizard.Find("[data-testid=field-PYROSCOPE_BASIC_AUTH_PASSWORD]").TextContent, StringComparison.Ordinal));
        wizard.Find("[data-testid=test-connection]").Click();
        wizard.WaitForAssertion(() => Assert.Contains("again", wizard.Find("[data-testid=field-PYROSCOPE_BASIC_AUTH_PASSWORD]").TextContent, StringComparison.Ordinal));
        Assert.Empty(wizard.FindAll("[data-testid=test-result]"));
        Assert.Equal("pyroscope:4040", (await service.GetAsync(created.Id))!.Fields["PYROSCOPE_URL"]);

        wizard.Find("[data-testid=field-PYROSCOPE_BASIC_AUTH_PASSWORD] input").Input("typed-again");
        wizard.Find("[data-testid=wizard-save]").Click();
        await TestWait.UntilAsync(async () => (await service.GetAsync(created.Id))!.Fields["PYROSCOPE_URL"] == "elsewhere:4040");
        Assert.Equal("typed-again", (await service.ResolveForExportAsync()).Single().Fields["PYROSCOPE_BASIC_AUTH_PASSWORD"]);
    }

    [Fact]
    public void Render_condition_and_secret_fields_follow_the_catalog()
    {
        var wizard = RenderWizard();
        wizard.Find("[data-testid=type-card][data-type=pyroscope]").Click();

        var password = wizard.Find("[data-testid=field-PYROSCOPE_BASIC_AUTH_PASSWORD] input");
        Assert.Equal("password", password.GetAttribute("type"));
        Assert.True(wizard.Find("[data-testid=signal-TRACES] input, input[data-testid=signal-TRACES]").HasAttribute("disabled"));
    }
}

internal static class TestWait
{
    public static async Task UntilAsync(Func<Task<bool>> condition, int timeoutMs = 10_000)
    {
        var deadline = DateTime.UtcNow.AddMilliseconds(timeoutMs);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "The condition did not become true in time.");
            await Task.Delay(20);
        }
    }
}
