using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;

namespace OdigosUi.Hosting.Authentication;

/// <summary>
/// Sign-in with ASP.NET Core's authentication. In <c>Auth:Mode=oidc</c> every endpoint requires a signed-in user
/// (the fallback policy) except those mapped with <c>AllowAnonymous()</c>: health, metrics, the OTLP receivers and
/// static assets. A request with <c>Authorization: Bearer</c> is checked as a JWT access token of the provider;
/// any other request by the session cookie. Without credentials a browser page gets the provider's sign-in page and
/// the API, the hubs and the Blazor circuit get 401.
/// </summary>
internal static class SignInRegistration
{
    public const string SignOutPath = "/auth/sign-out";

    /// <summary>Picks the bearer or the cookie scheme to authenticate a request.</summary>
    private const string SelectScheme = "odigos-ui";

    /// <summary>Picks the provider's sign-in page (browser pages) or a 401 (everything else) to challenge a request.</summary>
    private const string SelectChallenge = "odigos-ui-challenge";

    private const string CookieName = "odigos-ui-auth";

    public static void AddSignIn(this WebApplicationBuilder builder)
    {
        IServiceCollection services = builder.Services;
        services.AddOptions<AuthOptions>().Bind(builder.Configuration.GetSection(AuthOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<AuthOptions>, AuthOptionsValidator>();
        services.AddCascadingAuthenticationState();

        AuthOptions auth = AuthOptions.From(builder.Configuration);
        if (auth.ParsedMode != AuthMode.Oidc)
        {
            services.AddAuthorization();
            return;
        }

        OidcSettings oidc = auth.Oidc;
        services.AddAuthorizationBuilder().SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build());
        services.AddAuthentication(options =>
            {
                options.DefaultScheme = SelectScheme;
                options.DefaultChallengeScheme = SelectChallenge;
                options.DefaultForbidScheme = SelectChallenge;
                options.DefaultSignInScheme = CookieAuthenticationDefaults.AuthenticationScheme;
            })
            .AddPolicyScheme(SelectScheme, null, options => options.ForwardDefaultSelector = context =>
                HasBearerToken(context.Request) ? JwtBearerDefaults.AuthenticationScheme : CookieAuthenticationDefaults.AuthenticationScheme)
            .AddPolicyScheme(SelectChallenge, null, options =>
            {
                options.ForwardDefaultSelector = context =>
                    IsBrowserPage(context.Request) ? OpenIdConnectDefaults.AuthenticationScheme : JwtBearerDefaults.AuthenticationScheme;
                options.ForwardForbid = JwtBearerDefaults.AuthenticationScheme;
            })
            .AddCookie(options =>
            {
                options.Cookie.Name = CookieName;
                options.Cookie.HttpOnly = true;
                options.Cookie.SameSite = SameSiteMode.Lax;
                options.ExpireTimeSpan = TimeSpan.FromHours(8);
                options.SlidingExpiration = true;
            })
            .AddOpenIdConnect(options =>
            {
                options.Authority = oidc.Authority;
                options.ClientId = oidc.ClientId;
                options.ClientSecret = oidc.ClientSecret;
                options.RequireHttpsMetadata = oidc.RequireHttpsMetadata;
                options.ResponseType = "code";
                options.UsePkce = true;

                // The code comes back by a top-level GET redirect, which carries SameSite=Lax cookies from any provider's
                // site and works on plain-http loopback; form_post would need SameSite=None; Secure correlation cookies.
                options.ResponseMode = "query";
                options.CorrelationCookie.SameSite = SameSiteMode.Lax;
                options.CorrelationCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                options.NonceCookie.SameSite = SameSiteMode.Lax;
                options.NonceCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;

                options.Scope.Clear();
                foreach (string scope in oidc.ScopeList)
                {
                    options.Scope.Add(scope);
                }

                // The id token is kept for the provider's sign-out (id_token_hint).
                options.SaveTokens = true;
                options.MapInboundClaims = false;
                options.TokenValidationParameters.NameClaimType = "name";
            })
            .AddJwtBearer(options =>
            {
                options.Authority = oidc.Authority;
                options.Audience = oidc.EffectiveAudience;
                options.RequireHttpsMetadata = oidc.RequireHttpsMetadata;
                options.MapInboundClaims = false;
                options.TokenValidationParameters.NameClaimType = "name";
                options.Events = new JwtBearerEvents
                {
                    // Browsers' WebSocket API cannot set headers: SignalR clients send the token as access_token.
                    OnMessageReceived = context =>
                    {
                        if (context.Request.Path.StartsWithSegments("/hubs") && context.Request.Query["access_token"] is [{ Length: > 0 } token])
                        {
                            context.Token = token;
                        }

                        return Task.CompletedTask;
                    },
                };
            });
    }

    /// <summary>Maps <c>POST /auth/sign-out</c> (anti-forgery checked): ends the session here and at the provider.</summary>
    public static void MapSignOut(this WebApplication app)
    {
        if (app.Services.GetRequiredService<IOptions<AuthOptions>>().Value.ParsedMode != AuthMode.Oidc)
        {
            return;
        }

        app.MapPost(SignOutPath, async (HttpContext context, Microsoft.AspNetCore.Antiforgery.IAntiforgery antiforgery) =>
        {
            if (!await antiforgery.IsRequestValidAsync(context))
            {
                return Results.Problem("The sign-out form's anti-forgery token is missing or invalid; reload the page and sign out again.", statusCode: StatusCodes.Status400BadRequest);
            }

            return Results.SignOut(
                new AuthenticationProperties { RedirectUri = "/" },
                [CookieAuthenticationDefaults.AuthenticationScheme, OpenIdConnectDefaults.AuthenticationScheme]);
        });
    }

    private static bool HasBearerToken(HttpRequest request) =>
        (request.Headers.Authorization is [{ } value] && value.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        || (request.Path.StartsWithSegments("/hubs") && request.Query.ContainsKey("access_token"));

    /// <summary>A page a browser navigates to: a GET outside the API, the hubs and the Blazor circuit.</summary>
    private static bool IsBrowserPage(HttpRequest request) =>
        (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method))
        && !HasBearerToken(request)
        && !request.Path.StartsWithSegments("/api")
        && !request.Path.StartsWithSegments("/hubs")
        && !request.Path.StartsWithSegments("/_blazor");
}
