using OdigosUi.Deploy.Tests.Helm;
using OdigosUi.Deploy.Tests.Templating;
using OdigosUi.Hosting.Authentication;

namespace OdigosUi.Deploy.Tests.Chart;

/// <summary>The chart's <c>auth.*</c> values reach the ui container as <c>Auth__*</c>, the client secret by reference only.</summary>
public sealed class AuthValuesTests
{
    [Fact]
    public void Oidc_values_become_the_ui_environment_with_the_secret_from_the_existing_Secret()
    {
        var chart = ChartRenders.Render("oidc");
        var container = chart.Component("ui")!.SingleContainer();
        var env = container.Env();

        Assert.Equal("oidc", env["Auth__Mode"]);
        Assert.Equal("https://login.example.com/realms/odigos", env["Auth__Oidc__Authority"]);
        Assert.Equal("odigos-ui", env["Auth__Oidc__ClientId"]);
        Assert.Equal(new OidcSettings().Scopes, env["Auth__Oidc__Scopes"]);
        Assert.Equal("odigos-api", env["Auth__Oidc__Audience"]);
        Assert.Equal("true", env["Auth__Oidc__RequireHttpsMetadata"]);

        // The secret is a reference to the Secret's key, never a literal value in the Deployment.
        Assert.Null(env["Auth__Oidc__ClientSecret"]);
        var secret = container["env"]!.AsArray().Single(e => (string?)e!["name"] == "Auth__Oidc__ClientSecret")!;
        Assert.Null(secret["value"]);
        Assert.Equal("odigos-ui-oidc", (string?)secret["valueFrom"]!["secretKeyRef"]!["name"]);
        Assert.Equal("client-secret", (string?)secret["valueFrom"]!["secretKeyRef"]!["key"]);

        // Sign-in settings go only to the ui.
        Assert.DoesNotContain(chart.Workloads().Where(w => w.Name != chart.Component("ui")!.Name).SelectMany(w => w.SingleContainer().Env().Keys), k => k.StartsWith("Auth__", StringComparison.Ordinal));
    }

    [Fact]
    public void By_default_the_ui_runs_without_sign_in_and_carries_no_provider_settings()
    {
        var env = ChartRenders.Render("default").Component("ui")!.SingleContainer().Env();

        Assert.Equal("none", env["Auth__Mode"]);
        Assert.DoesNotContain(env.Keys, k => k.StartsWith("Auth__Oidc__", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("auth.oidc.tenantUrl", "auth.oidc.tenantUrl (the provider's issuer URL) is required")]
    [InlineData("auth.oidc.clientId", "auth.oidc.clientId is required")]
    [InlineData("auth.oidc.existingSecret", "auth.oidc.existingSecret (a Secret holding the client secret) is required")]
    public void Oidc_without_a_required_value_fails_the_render_naming_it(string missing, string message)
    {
        string[] set = [.. ChartRenders.ValueSets["oidc"].Set.Where(s => !s.StartsWith(missing + "=", StringComparison.Ordinal))];

        var error = Assert.Throws<TemplateException>(() => ChartRenders.Chart.Render(new HelmRelease(), set));

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("*")]
    [InlineData("0.0.0.0")]
    public void A_ui_listening_beyond_its_pod_without_sign_in_fails_the_render(string host)
    {
        var error = Assert.Throws<TemplateException>(() => ChartRenders.Chart.Render(new HelmRelease(), [$"ui.listenHost={host}"]));

        Assert.Contains($"ui.listenHost={host} exposes the UI beyond its pod: set auth.mode=oidc", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_ui_listening_beyond_its_pod_with_sign_in_renders()
    {
        string[] set = [.. ChartRenders.ValueSets["oidc"].Set, "ui.listenHost=*"];

        var env = ChartRenders.Chart.Render(new HelmRelease(), set).Component("ui")!.SingleContainer().Env();

        Assert.Equal("http://*:3000", env["Ui__Url"]);
    }
}
