using System.Net.Http.Headers;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using OdigosUi.Hosting;
using OdigosUi.Pipeline.Receivers;
using OdigosUi.Tests.Infrastructure;
using OdigosUi.TestSupport;

namespace OdigosUi.Tests.Security;

/// <summary>
/// The security tests start many hosts: they run one at a time, after the parallel tests, so they do not add to the
/// other tests' load (process-wide meters are shared between the hosts of one test process).
/// </summary>
[CollectionDefinition(nameof(SecurityHost), DisableParallelization = true)]
public sealed class SecurityHostCollection;

/// <summary>The real app (<see cref="OdigosUiHost.Build"/>) on Kestrel loopback port 0, with clients of its UI and OTLP/HTTP ports.</summary>
internal sealed class SecurityHost : IAsyncDisposable
{
    private SecurityHost(WebApplication app)
    {
        App = app;
        var addresses = app.Services.GetRequiredService<ReceiverEndpointAddresses>();
        UiUri = addresses.Ui.Single();
        OtlpHttpUri = addresses.Http!;
        Ui = new HttpClient { BaseAddress = UiUri, Timeout = TimeSpan.FromSeconds(30) };
        Otlp = new HttpClient { BaseAddress = OtlpHttpUri, Timeout = TimeSpan.FromSeconds(30) };
    }

    public WebApplication App { get; }

    public Uri UiUri { get; }

    public Uri OtlpHttpUri { get; }

    /// <summary>The app's own origin as a browser on its page writes it.</summary>
    public string Origin => UiUri.GetLeftPart(UriPartial.Authority);

    public HttpClient Ui { get; }

    public HttpClient Otlp { get; }

    public static async Task<SecurityHost> StartAsync(params string[] args)
    {
        var app = OdigosUiHost.Build(TestArgs.With(["--Ui:Url=http://127.0.0.1:0", .. args]));
        await app.StartAsync();
        return new SecurityHost(app);
    }

    public static ByteArrayContent OtlpProfile()
    {
        var content = new ByteArrayContent(SyntheticPayloads.Small(3).ToByteArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
        return content;
    }

    public async ValueTask DisposeAsync()
    {
        Ui.Dispose();
        Otlp.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }
}
