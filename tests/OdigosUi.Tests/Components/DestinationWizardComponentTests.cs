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
    public void Render_condition_and_secret_fields_follow_the_catalog()
    {
        var wizard = RenderWizard();
        wizard.Find("[data-testid=type-card][data-type=pyroscope]").Click();

        var password = wizard.Find("[data-testid=field-PYROSCOPE_BASIC_AUTH_PASSWORD] input");
        Assert.Equal("password", password.GetAttribute("type"));
        Assert.True(wizard.Find("[data-testid=signal-TRACES] input, input[data-testid=signal-TRACES]").HasAttribute("disabled"));
    }
}
