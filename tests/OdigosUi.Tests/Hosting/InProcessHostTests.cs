using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OdigosUi.Hosting;
using OdigosUi.Pipeline.Receivers;
using OdigosUi.Tests.Infrastructure;

namespace OdigosUi.Tests.Hosting;

/// <summary>The composition root built in process on a real Kestrel port 0.</summary>
public sealed class InProcessHostTests
{
    [Fact]
    public async Task Serves_health_readiness_and_root_on_a_real_port()
    {
        await using WebApplication app = OdigosUiHost.Build(TestArgs.With("--Ui:Url=http://127.0.0.1:0"));
        await app.StartAsync();
        try
        {
            string address = Assert.Single(app.Services.GetRequiredService<ReceiverEndpointAddresses>().Ui).ToString().TrimEnd('/');
            Assert.StartsWith("http://127.0.0.1:", address, StringComparison.Ordinal);
            using HttpClient client = new() { BaseAddress = new Uri(address), Timeout = TimeSpan.FromSeconds(10) };

            using HttpResponseMessage health = await client.GetAsync("/healthz");
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
            Assert.Equal("Healthy", await health.Content.ReadAsStringAsync());

            using HttpResponseMessage ready = await client.GetAsync("/readyz");
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
            Assert.Equal("Ready", await ready.Content.ReadAsStringAsync());

            using HttpResponseMessage root = await client.GetAsync("/");
            Assert.Equal(HttpStatusCode.OK, root.StatusCode);
            var html = await root.Content.ReadAsStringAsync();
            Assert.Contains("<title>OdigosUi</title>", html, StringComparison.Ordinal);
            Assert.Contains("_framework/blazor.web.js", html, StringComparison.Ordinal);
        }
        finally
        {
            await app.StopAsync();
        }
    }

    [Fact]
    public async Task Defaults_to_role_all_and_port_3000_on_loopback()
    {
        await using WebApplication app = OdigosUiHost.Build([]);
        RoleOptions role = app.Services.GetRequiredService<IOptions<RoleOptions>>().Value;
        UiOptions ui = app.Services.GetRequiredService<IOptions<UiOptions>>().Value;

        Assert.Equal(OdigosUiRole.All, role.Value);
        Assert.Equal("http://127.0.0.1:3000", ui.Url);
    }

    [Theory]
    [InlineData("node", OdigosUiRole.Node)]
    [InlineData("Gateway", OdigosUiRole.Gateway)]
    [InlineData(" ui ", OdigosUiRole.Ui)]
    [InlineData("ALL", OdigosUiRole.All)]
    public async Task Reads_the_role_from_the_command_line(string value, OdigosUiRole expected)
    {
        await using WebApplication app = OdigosUiHost.Build([$"--Role={value}"]);
        Assert.Equal(expected, app.Services.GetRequiredService<IOptions<RoleOptions>>().Value.Value);
    }

    [Fact]
    public async Task Invalid_role_fails_start_up_naming_the_allowed_values()
    {
        await using WebApplication app = OdigosUiHost.Build(["--Role=bogus", "--Ui:Url=http://127.0.0.1:0"]);

        OptionsValidationException error = await Assert.ThrowsAsync<OptionsValidationException>(
            () => app.StartAsync());

        string failure = Assert.Single(error.Failures);
        Assert.Contains("'bogus'", failure, StringComparison.Ordinal);
        Assert.Contains("all, node, gateway, ui", failure, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_lists_every_configuration_error_and_returns_1()
    {
        using StringWriter error = new();

        int exitCode = await OdigosUiHost.RunAsync(["--Role=bogus", "--Ui:Url=not-a-url"], error);

        Assert.Equal(1, exitCode);
        string text = error.ToString();
        Assert.Contains("invalid configuration", text, StringComparison.Ordinal);
        Assert.Contains("Role: 'bogus'", text, StringComparison.Ordinal);
        Assert.Contains("Ui:Url: 'not-a-url'", text, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://127.0.0.1:3000", true)]
    [InlineData("http://0.0.0.0:0", true)]
    [InlineData("http://*:8080", true)]
    [InlineData("https://localhost:8443;http://[::1]:3000", true)]
    [InlineData("", false)]
    [InlineData("localhost:3000", false)]
    [InlineData("ftp://127.0.0.1:21", false)]
    public void Validates_the_ui_url(string url, bool valid)
    {
        ValidateOptionsResult result = new UiOptionsValidator().Validate(null, new UiOptions { Url = url });
        Assert.Equal(valid, result.Succeeded);
    }

    [Fact]
    public void Roles_say_which_parts_run()
    {
        Assert.True(OdigosUiRole.All.RunsNode() && OdigosUiRole.All.RunsGateway() && OdigosUiRole.All.RunsUi());
        Assert.True(OdigosUiRole.Node.RunsNode());
        Assert.False(OdigosUiRole.Node.RunsGateway() || OdigosUiRole.Node.RunsUi());
        Assert.True(OdigosUiRole.Gateway.RunsGateway());
        Assert.False(OdigosUiRole.Gateway.RunsNode() || OdigosUiRole.Gateway.RunsUi());
        Assert.True(OdigosUiRole.Ui.RunsUi());
        Assert.False(OdigosUiRole.Ui.RunsNode() || OdigosUiRole.Ui.RunsGateway());
    }
}
