using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using OdigosUi.Hosting;
using OdigosUi.Pipeline.Receivers;
using OdigosUi.Profiles.Model;
using OdigosUi.Tests.Infrastructure;
using OdigosUi.TestSupport;

namespace OdigosUi.Tests.EndToEnd;

/// <summary>The Kubernetes layout in one test: node → gateway → ui, three hosts joined over OTLP/gRPC on loopback.</summary>
public sealed class SplitRolesTests
{
    private static async Task<(WebApplication App, ReceiverEndpointAddresses Addresses)> Start(params string[] args)
    {
        var app = OdigosUiHost.Build(TestArgs.With([.. args, "--Ui:Url=http://127.0.0.1:0"]));
        await app.StartAsync();
        return (app, app.Services.GetRequiredService<ReceiverEndpointAddresses>());
    }

    [Fact]
    public async Task A_node_forwards_enabled_sources_through_the_gateway_to_the_ui_buffer()
    {
        var (ui, uiAddresses) = await Start("--Role=ui");
        var (gateway, gatewayAddresses) = await Start("--Role=gateway", $"--Gateway:UiUrl={uiAddresses.Grpc}");
        var (node, nodeAddresses) = await Start("--Role=node", $"--Collector:GatewayUrl={gatewayAddresses.Grpc}");
        try
        {
            var request = SyntheticPayloads.Small(6);
            var dictionary = new DictionaryView(request.Dictionary);
            var source = dictionary.SourceKey(request.ResourceProfiles[0].Resource);
            var only = ReferenceFolded.OnlyResource(request, 0);

            using var nodeApi = new HttpClient { BaseAddress = nodeAddresses.Ui.Single() };
            using var uiApi = new HttpClient { BaseAddress = uiAddresses.Ui.Single() };
            (await nodeApi.PutAsync($"/api/sources/{source.Namespace}/{source.Kind}/{source.Name}", null)).EnsureSuccessStatusCode();
            (await uiApi.PostAsync($"/api/profiling/{source.Namespace}/{source.Kind}/{source.Name}", null)).EnsureSuccessStatusCode();

            using var otlp = new HttpClient { BaseAddress = nodeAddresses.Http };
            using var content = new ByteArrayContent(request.ToByteArray());
            content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
            Assert.Equal(HttpStatusCode.OK, (await otlp.PostAsync("/v1development/profiles", content)).StatusCode);

            var expected = ReferenceFolded.Compute(only, "samples:count:cpu:nanoseconds");
            var folded = "";
            var deadline = DateTime.UtcNow.AddSeconds(20);
            while (folded != expected && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
                folded = await uiApi.GetStringAsync($"/api/profiling/{source.Namespace}/{source.Kind}/{source.Name}/flamegraph?format=folded");
            }

            Assert.Equal(expected, folded);
            using var gatewayUi = new HttpClient { BaseAddress = gatewayAddresses.Ui.Single() };
            using var noSlotsOnGateway = await gatewayUi.GetAsync("/api/profiling/slots");
            Assert.Equal(HttpStatusCode.NotFound, noSlotsOnGateway.StatusCode);
        }
        finally
        {
            foreach (var app in new[] { node, gateway, ui })
            {
                await app.StopAsync();
                await app.DisposeAsync();
            }
        }
    }
}
