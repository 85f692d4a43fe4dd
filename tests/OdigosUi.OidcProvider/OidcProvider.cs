using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace OdigosUi.OidcProvider;

/// <summary>
/// A real OpenID Connect provider on a loopback Kestrel port 0, built on OpenIddict with an in-memory store and
/// ephemeral keys: authorization code + PKCE with a login form for one test user, client credentials for API tokens,
/// end-session for sign-out. Plain HTTP: for tests only.
/// </summary>
public sealed class OidcProvider : IAsyncDisposable
{
    public const string UserName = "alice";
    public const string UserPassword = "wonderland";
    public const string UserDisplayName = "Alice Liddell";

    /// <summary>The <c>aud</c> of every access token this provider issues (the resource "odigos-ui").</summary>
    public const string ApiAudience = "odigos-ui";

    private const string SessionScheme = "provider-session";

    private readonly WebApplication _app;

    private OidcProvider(WebApplication app, Uri issuer)
    {
        _app = app;
        Issuer = issuer;
    }

    /// <summary>The authority, e.g. <c>http://127.0.0.1:PORT/</c>.</summary>
    public Uri Issuer { get; }

    public static async Task<OidcProvider> StartAsync()
    {
        WebApplicationBuilder builder = WebApplication.CreateBuilder(new WebApplicationOptions { ApplicationName = typeof(OidcProvider).Assembly.GetName().Name });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        string database = "oidc-provider-" + Guid.NewGuid().ToString("N");
        builder.Services.AddDbContext<ProviderDbContext>(options =>
        {
            options.UseInMemoryDatabase(database);
            options.UseOpenIddict();
        });
        builder.Services.AddOpenIddict()
            .AddCore(options => options.UseEntityFrameworkCore().UseDbContext<ProviderDbContext>())
            .AddServer(options =>
            {
                options.SetAuthorizationEndpointUris("connect/authorize")
                    .SetTokenEndpointUris("connect/token")
                    .SetEndSessionEndpointUris("connect/endsession");
                options.AllowAuthorizationCodeFlow().RequireProofKeyForCodeExchange().AllowClientCredentialsFlow();
                options.RegisterScopes(Scopes.OpenId, Scopes.Profile, Scopes.Email);
                options.AddEphemeralEncryptionKey().AddEphemeralSigningKey();

                // Access tokens are plain signed JWTs, as the JWT bearer handler of the app reads them.
                options.DisableAccessTokenEncryption();
                options.UseAspNetCore()
                    .EnableAuthorizationEndpointPassthrough()
                    .EnableTokenEndpointPassthrough()
                    .EnableEndSessionEndpointPassthrough()
                    .DisableTransportSecurityRequirement();
            });
        builder.Services.AddAuthentication(SessionScheme).AddCookie(SessionScheme, options =>
        {
            // Cookies do not isolate ports: a name of its own keeps it apart from the app's cookies on 127.0.0.1.
            options.Cookie.Name = "oidc-provider-session";
            options.LoginPath = "/login";
        });

        WebApplication app = builder.Build();
        MapEndpoints(app);
        await app.StartAsync();
        string address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        return new OidcProvider(app, new Uri(address.TrimEnd('/') + "/"));
    }

    /// <summary>Registers a confidential web client for authorization code + PKCE with its redirect URIs under <paramref name="appUrl"/>.</summary>
    public async Task AddWebClientAsync(string clientId, string clientSecret, Uri appUrl)
    {
        string app = appUrl.ToString().TrimEnd('/');
        await CreateApplicationAsync(new OpenIddictApplicationDescriptor
        {
            ClientId = clientId,
            ClientSecret = clientSecret,
            ClientType = ClientTypes.Confidential,
            RedirectUris = { new Uri(app + "/signin-oidc") },
            PostLogoutRedirectUris = { new Uri(app + "/signout-callback-oidc") },
            Permissions =
            {
                Permissions.Endpoints.Authorization, Permissions.Endpoints.Token, Permissions.Endpoints.EndSession,
                Permissions.GrantTypes.AuthorizationCode, Permissions.ResponseTypes.Code,
                Permissions.Scopes.Profile, Permissions.Scopes.Email,
            },
            Requirements = { Requirements.Features.ProofKeyForCodeExchange },
        });
    }

    /// <summary>Registers a confidential client that gets API access tokens by client credentials (a CLI or script).</summary>
    public Task AddServiceClientAsync(string clientId, string clientSecret) => CreateApplicationAsync(new OpenIddictApplicationDescriptor
    {
        ClientId = clientId,
        ClientSecret = clientSecret,
        ClientType = ClientTypes.Confidential,
        Permissions = { Permissions.Endpoints.Token, Permissions.GrantTypes.ClientCredentials },
    });

    /// <summary>An access token from the token endpoint by the client credentials grant.</summary>
    public async Task<string> GetClientCredentialsTokenAsync(string clientId, string clientSecret)
    {
        using HttpClient client = new() { BaseAddress = Issuer, Timeout = TimeSpan.FromSeconds(120) };
        using HttpResponseMessage response = await client.PostAsync("connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = GrantTypes.ClientCredentials,
            ["client_id"] = clientId,
            ["client_secret"] = clientSecret,
        }));
        string body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"token endpoint answered {(int)response.StatusCode}: {body}");
        }

        using var json = System.Text.Json.JsonDocument.Parse(body);
        return json.RootElement.GetProperty("access_token").GetString()!;
    }

    /// <summary>
    /// A JWT access token shaped like this provider's (issuer, type <c>at+jwt</c>, subject, audience) but with the
    /// given audience, lifetime and key: signed by the provider's own key unless <paramref name="signingKey"/> is set.
    /// </summary>
    public string MintAccessToken(string audience, DateTime notBefore, DateTime expires, SecurityKey? signingKey = null)
    {
        SigningCredentials credentials = signingKey is null
            ? _app.Services.GetRequiredService<IOptionsMonitor<OpenIddictServerOptions>>().CurrentValue.SigningCredentials.First()
            : new SigningCredentials(signingKey, SecurityAlgorithms.RsaSha256);
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer.ToString(),
            Audience = audience,
            Subject = new ClaimsIdentity([new Claim(Claims.Subject, "minted"), new Claim(Claims.Name, "minted")]),
            IssuedAt = notBefore,
            NotBefore = notBefore,
            Expires = expires,
            TokenType = JsonWebTokenTypes.AccessToken,
            SigningCredentials = credentials,
        });
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task CreateApplicationAsync(OpenIddictApplicationDescriptor descriptor)
    {
        await using AsyncServiceScope scope = _app.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>().CreateAsync(descriptor);
    }

    private static void MapEndpoints(WebApplication app)
    {
        app.MapGet("/login", (HttpContext context) => Results.Content(LoginPage(context.Request.Query["ReturnUrl"].ToString(), error: false), "text/html; charset=utf-8"));
        app.MapPost("/login", async (HttpContext context) =>
        {
            IFormCollection form = await context.Request.ReadFormAsync();
            string returnUrl = form["ReturnUrl"].ToString();
            if (form["username"] != UserName || form["password"] != UserPassword)
            {
                return Results.Content(LoginPage(returnUrl, error: true), "text/html; charset=utf-8", statusCode: StatusCodes.Status401Unauthorized);
            }

            ClaimsIdentity identity = new([new Claim(Claims.Subject, UserName), new Claim(Claims.Name, UserDisplayName)], SessionScheme);
            await context.SignInAsync(SessionScheme, new ClaimsPrincipal(identity));
            return Results.LocalRedirect(returnUrl.StartsWith('/') ? returnUrl : "/");
        }).DisableAntiforgery();

        app.MapMethods("connect/authorize", [HttpMethods.Get, HttpMethods.Post], async (HttpContext context) =>
        {
            OpenIddictRequest request = context.GetOpenIddictServerRequest() ?? throw new InvalidOperationException("not an OpenID Connect request");
            AuthenticateResult session = await context.AuthenticateAsync(SessionScheme);
            if (!session.Succeeded)
            {
                return Results.Challenge(new AuthenticationProperties { RedirectUri = context.Request.PathBase + context.Request.Path + context.Request.QueryString }, [SessionScheme]);
            }

            ClaimsIdentity identity = new(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme, Claims.Name, Claims.Role);
            identity.AddClaim(new Claim(Claims.Subject, session.Principal!.FindFirst(Claims.Subject)!.Value));
            identity.AddClaim(new Claim(Claims.Name, session.Principal.FindFirst(Claims.Name)!.Value));
            identity.AddClaim(new Claim(Claims.Email, UserName + "@example.test"));
            identity.SetDestinations(_ => [Destinations.AccessToken, Destinations.IdentityToken]);
            ClaimsPrincipal principal = new(identity);
            principal.SetScopes(request.GetScopes());
            principal.SetResources(ApiAudience);
            return Results.SignIn(principal, authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        });

        app.MapPost("connect/token", async (HttpContext context) =>
        {
            OpenIddictRequest request = context.GetOpenIddictServerRequest() ?? throw new InvalidOperationException("not an OpenID Connect request");
            ClaimsPrincipal principal;
            if (request.IsClientCredentialsGrantType())
            {
                ClaimsIdentity identity = new(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme, Claims.Name, Claims.Role);
                identity.AddClaim(new Claim(Claims.Subject, request.ClientId!));
                identity.AddClaim(new Claim(Claims.Name, request.ClientId!));
                identity.SetDestinations(_ => [Destinations.AccessToken]);
                principal = new ClaimsPrincipal(identity);
                principal.SetScopes(request.GetScopes());
                principal.SetResources(ApiAudience);
            }
            else
            {
                // Authorization code: the principal stored with the code, validated by OpenIddict.
                principal = (await context.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme)).Principal
                    ?? throw new InvalidOperationException("the authorization code carries no principal");
            }

            return Results.SignIn(principal, authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        }).DisableAntiforgery();

        app.MapMethods("connect/endsession", [HttpMethods.Get, HttpMethods.Post], async (HttpContext context) =>
        {
            await context.SignOutAsync(SessionScheme);
            return Results.SignOut(new AuthenticationProperties { RedirectUri = "/" }, [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
        }).DisableAntiforgery();
    }

    private static string LoginPage(string returnUrl, bool error) => $"""
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>Test provider sign-in</title></head>
        <body>
        <h1>Sign in to the test provider</h1>
        {(error ? "<p id=\"error\">Wrong user name or password.</p>" : "")}
        <form method="post" action="/login">
          <input type="hidden" name="ReturnUrl" value="{HtmlEncoder.Default.Encode(returnUrl)}">
          <label>User <input id="username" name="username" autocomplete="username"></label>
          <label>Password <input id="password" name="password" type="password" autocomplete="current-password"></label>
          <button id="sign-in" type="submit">Sign in</button>
        </form>
        </body></html>
        """;

    private sealed class ProviderDbContext(DbContextOptions<ProviderDbContext> options) : DbContext(options);
}
