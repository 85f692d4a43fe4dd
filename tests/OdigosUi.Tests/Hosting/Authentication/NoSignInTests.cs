using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using OdigosUi.Hosting;
using OdigosUi.Hosting.Authentication;
using OdigosUi.Tests.Infrastructure;

namespace OdigosUi.Tests.Hosting.Authentication;

/// <summary><c>Auth:Mode=none</c> (the default) is allowed only while the UI and API listen on loopback.</summary>
public sealed class NoSignInTests
{
    [Fact]
    public async Task No_sign_in_on_a_wildcard_address_fails_start_up_with_one_clear_line()
    {
        using StringWriter error = new();

        int exitCode = await OdigosUiHost.RunAsync(TestArgs.With("--Ui:Url=http://0.0.0.0:0"), error);

        Assert.Equal(1, exitCode);
        string text = error.ToString();
        Assert.Contains("Auth:Mode: 'none' (no sign-in) is allowed only when Ui:Url listens on loopback addresses, and 'http://0.0.0.0:0' is not", text, StringComparison.Ordinal);
        Assert.Contains("set Auth:Mode=oidc", text, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_real_executable_exits_1_naming_auth_mode_oidc()
    {
        using OdigosUiProcess app = OdigosUiProcess.Start(TestArgs.With("--Ui:Url=http://*:0"));

        Assert.True(await app.WaitForExitAsync(TimeSpan.FromSeconds(60)), "odigos-ui kept running");
        Assert.Equal(1, app.ExitCode);
        Assert.Contains("set Auth:Mode=oidc", app.StandardError, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("all", "http://127.0.0.1:3000", true)]
    [InlineData("all", "http://localhost:0;http://[::1]:0", true)]
    [InlineData("ui", "http://127.0.0.2:3000", true)]
    [InlineData("all", "http://0.0.0.0:3000", false)]
    [InlineData("ui", "http://*:3000", false)]
    [InlineData("ui", "http://[::]:3000", false)]
    [InlineData("all", "http://127.0.0.1:3000;http://10.0.0.5:3000", false)]
    [InlineData("all", "http://odigos.example.com:3000", false)]
    [InlineData("node", "http://*:3000", true)]
    [InlineData("gateway", "http://0.0.0.0:3000", true)]
    public void Only_loopback_addresses_allow_no_sign_in_in_the_roles_that_serve_the_ui(string role, string url, bool valid)
    {
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Role"] = role,
            ["Ui:Url"] = url,
        }).Build();

        ValidateOptionsResult result = new AuthOptionsValidator(configuration).Validate(null, new AuthOptions());

        Assert.Equal(valid, result.Succeeded);
    }

    [Theory]
    [InlineData("oidc", "https://login.example.com/realms/odigos", "odigos-ui", "secret", true, null)]
    [InlineData("OIDC", "http://keycloak.internal/realms/odigos", "odigos-ui", "secret", false, null)]
    [InlineData("oidc", "http://keycloak.internal/realms/odigos", "odigos-ui", "secret", true, "Auth:Oidc:Authority")]
    [InlineData("oidc", "", "odigos-ui", "secret", true, "Auth:Oidc:Authority")]
    [InlineData("oidc", "https://login.example.com", "", "secret", true, "Auth:Oidc:ClientId")]
    [InlineData("oidc", "https://login.example.com", "odigos-ui", "", true, "Auth:Oidc:ClientSecret")]
    [InlineData("saml", "https://login.example.com", "odigos-ui", "secret", true, "Auth:Mode: 'saml'")]
    public void Oidc_needs_an_authority_a_client_id_and_a_secret(string mode, string authority, string clientId, string secret, bool requireHttps, string? error)
    {
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Ui:Url"] = "http://0.0.0.0:3000" }).Build();
        AuthOptions options = new() { Mode = mode, Oidc = new OidcSettings { Authority = authority, ClientId = clientId, ClientSecret = secret, RequireHttpsMetadata = requireHttps } };

        ValidateOptionsResult result = new AuthOptionsValidator(configuration).Validate(null, options);

        Assert.Equal(error is null, result.Succeeded);
        if (error is not null)
        {
            Assert.Contains(error, result.FailureMessage, StringComparison.Ordinal);
        }
    }
}
