using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using OdigosUi.Hosting;
using OdigosUi.Pipeline.Receivers;
using OdigosUi.Profiles.Model;
using OdigosUi.Resources.Sources;
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

            using var uiApi = new HttpClient { BaseAddress = uiAddresses.Ui.Single() };
            await EnableSourceOnNodeAsync(node, source.Namespace, source.Kind, source.Name);
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

    [Fact]
    public async Task Split_roles_and_all_in_one_show_the_same_totals_for_multi_value_and_timestamped_samples()
    {
        var (ui, uiAddresses) = await Start("--Role=ui");
        var (gateway, gatewayAddresses) = await Start("--Role=gateway", $"--Gateway:UiUrl={uiAddresses.Grpc}");
        var (node, nodeAddresses) = await Start("--Role=node", $"--Collector:GatewayUrl={gatewayAddresses.Grpc}");
        var (all, allAddresses) = await Start("--Role=all");
        try
        {
            var request = MixedValuePayload.Create(
                new Dictionary<string, string> { ["service.name"] = "checkout" },
                (ulong)DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000);
            const string source = "local/Process/checkout";

            using var uiApi = new HttpClient { BaseAddress = uiAddresses.Ui.Single() };
            using var allApi = new HttpClient { BaseAddress = allAddresses.Ui.Single() };
            await EnableSourceOnNodeAsync(node, "local", "Process", "checkout");
            (await uiApi.PostAsync($"/api/profiling/{source}", null)).EnsureSuccessStatusCode();
            (await allApi.PutAsync($"/api/sources/{source}", null)).EnsureSuccessStatusCode();
            (await allApi.PostAsync($"/api/profiling/{source}", null)).EnsureSuccessStatusCode();

            await PostOtlpAsync(nodeAddresses.Http, request);
            await PostOtlpAsync(allAddresses.Http, request);

            foreach (var (type, expected) in MixedValuePayload.ExpectedFolded)
            {
                var path = $"/api/profiling/{source}/flamegraph?format=folded&window=all&profileType={Uri.EscapeDataString(type)}";
                var split = await EventuallyFoldedAsync(uiApi, path, expected);
                var inOne = await EventuallyFoldedAsync(allApi, path, expected);
                Assert.Equal(expected, split);
                Assert.Equal(split, inOne);
                Assert.Equal(MixedValuePayload.ExpectedTotals[type], FoldedTotal(split));
            }
        }
        finally
        {
            foreach (var app in new[] { node, gateway, ui, all })
            {
                await app.StopAsync();
                await app.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// The Source as the node sees it once the ui wrote it to the cluster: each host of this test keeps its own embedded
    /// store, and the node serves no API, so the Source goes into the node's store directly.
    /// </summary>
    private static async Task EnableSourceOnNodeAsync(WebApplication node, string @namespace, string kind, string name) =>
        await node.Services.GetRequiredService<SourceService>().EnsureAsync(new WorkloadRef(@namespace, kind, name));

    private static async Task PostOtlpAsync(Uri? otlpHttp, IMessage request)
    {
        using var otlp = new HttpClient { BaseAddress = otlpHttp };
        using var content = new ByteArrayContent(request.ToByteArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
        using var response = await otlp.PostAsync("/v1development/profiles", content);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
    }

    /// <summary>The folded text once it equals <paramref name="expected"/>, or the last one read at the deadline.</summary>
    private static async Task<string> EventuallyFoldedAsync(HttpClient api, string path, string expected)
    {
        var folded = "";
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            using var response = await api.GetAsync(path);
            folded = await response.Content.ReadAsStringAsync();
            if (response.IsSuccessStatusCode && folded == expected)
            {
                break;
            }

            await Task.Delay(100);
        }

        return folded;
    }

    private static long FoldedTotal(string folded) =>
        folded.Split('\n', StringSplitOptions.RemoveEmptyEntries).Sum(line => long.Parse(line[(line.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture));
}
