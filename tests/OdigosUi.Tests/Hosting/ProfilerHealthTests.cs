using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using OdigosUi.Hosting;
using OdigosUi.Pipeline.Receivers;
using OdigosUi.Profiler;
using OdigosUi.Tests.Infrastructure;
using OdigosUi.Workers;

namespace OdigosUi.Tests.Hosting;

// Not next to other in-process hosts: their /metrics would see this host's slot gauges (the host meter is process-wide).
[Collection(nameof(EndToEnd.ProfilerEndToEndTests))]
public sealed class ProfilerHealthTests
{
    [Fact]
    public async Task An_unavailable_profiler_is_degraded_with_its_reason_and_a_turned_off_one_is_healthy()
    {
        var status = new ProfilerStatus();
        status.Unavailable("perf_event_open failed on cpu 0: EACCES: run as root or grant CAP_PERFMON", 19);
        var degraded = await new ProfilerHealthCheck(status).CheckHealthAsync(new HealthCheckContext());
        Assert.Equal(HealthStatus.Degraded, degraded.Status);
        Assert.Equal("profiler unavailable: perf_event_open failed on cpu 0: EACCES: run as root or grant CAP_PERFMON", degraded.Description);
        Assert.Equal(ProfilerState.Unavailable, status.Snapshot.State);

        var off = new ProfilerStatus();
        off.TurnedOff();
        var healthy = await new ProfilerHealthCheck(off).CheckHealthAsync(new HealthCheckContext());
        Assert.Equal(HealthStatus.Healthy, healthy.Status);
        Assert.Equal("profiler turned off", healthy.Description);
    }

    [Fact]
    public void The_snapshot_counts_samples_and_measures_the_rate_between_updates()
    {
        var time = new ManualTime(DateTimeOffset.Parse("2025-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var status = new ProfilerStatus(time);
        var changes = new List<ProfilerStatusSnapshot>();
        status.Changed += changes.Add;

        status.Running(19);
        time.Advance(TimeSpan.FromSeconds(2));
        status.Update(new ProfilerStats(Samples: 76, LostSamples: 1, Processes: 3, EmittedRequests: 2));
        time.Advance(TimeSpan.FromSeconds(1));
        status.Update(new ProfilerStats(Samples: 114, LostSamples: 1, Processes: 4, EmittedRequests: 3));

        var snapshot = status.Snapshot;
        Assert.Equal(ProfilerState.Running, snapshot.State);
        Assert.Equal(19, snapshot.SamplesPerSecond);
        Assert.Equal((114L, 1L, 4, 3L), (snapshot.Samples, snapshot.LostSamples, snapshot.Processes, snapshot.Reports));
        Assert.Equal(38.0, snapshot.MeasuredSamplesPerSecond);
        Assert.Equal(time.GetUtcNow(), snapshot.UpdatedAt);
        Assert.Equal(3, changes.Count);
    }

    [Fact]
    public async Task The_profiler_api_serves_the_running_profilers_snapshot_with_its_state_as_text()
    {
        var builder = OdigosUiHost.CreateBuilder(TestArgs.With("--Ui:Url=http://127.0.0.1:0", "--Profiling:ProfilerEnabled=true", "--Profiling:SamplesPerSecond=99"));
        await using var app = builder.Build();
        app.MapOdigosUi();
        await app.StartAsync();
        try
        {
            using var api = new HttpClient { BaseAddress = app.Services.GetRequiredService<ReceiverEndpointAddresses>().Ui.Single() };
            JsonElement snapshot = default;
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while (DateTime.UtcNow < deadline)
            {
                snapshot = await api.GetFromJsonAsync<JsonElement>(ProfilerStatusEndpoints.Path);
                if (snapshot.GetProperty("reports").GetInt64() > 0)
                {
                    break;
                }

                await Task.Delay(200);
            }

            Assert.Equal("Running", snapshot.GetProperty("state").GetString());
            Assert.Equal(99, snapshot.GetProperty("samplesPerSecond").GetInt32());
            Assert.True(snapshot.GetProperty("samples").GetInt64() > 0, snapshot.ToString());
            Assert.True(snapshot.GetProperty("processes").GetInt32() > 0, snapshot.ToString());
            Assert.True(snapshot.GetProperty("measuredSamplesPerSecond").GetDouble() > 0, snapshot.ToString());
            var unwinding = snapshot.GetProperty("unwinding");
            Assert.True(unwinding.GetProperty("walks").GetInt64() > 0, snapshot.ToString());
            Assert.True(unwinding.GetProperty("meanDepth").GetDouble() >= 1, snapshot.ToString());
            var stopped = unwinding.GetProperty("stoppedEarly").EnumerateObject().Sum(p => p.Value.GetInt64());
            Assert.Equal(unwinding.GetProperty("walks").GetInt64(), unwinding.GetProperty("complete").GetInt64() + stopped);
        }
        finally
        {
            await app.StopAsync();
        }
    }

    [Fact]
    public async Task The_profiler_api_says_the_profiler_is_off_or_absent_in_roles_without_one()
    {
        await using var all = await StartAsync("--Profiling:ProfilerEnabled=false");
        using (var api = Client(all))
        {
            var snapshot = await api.GetFromJsonAsync<JsonElement>(ProfilerStatusEndpoints.Path);
            Assert.Equal("TurnedOff", snapshot.GetProperty("state").GetString());
        }

        await using var ui = await StartAsync("--Role=ui");
        using (var api = Client(ui))
        {
            var response = await api.GetAsync(ProfilerStatusEndpoints.Path);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Contains("runs no node profiler", await response.Content.ReadAsStringAsync());
        }
    }

    private static async Task<WebApplication> StartAsync(params string[] args)
    {
        var app = OdigosUiHost.CreateBuilder(TestArgs.With(["--Ui:Url=http://127.0.0.1:0", .. args])).Build();
        app.MapOdigosUi();
        await app.StartAsync();
        return app;
    }

    private static HttpClient Client(WebApplication app) =>
        new() { BaseAddress = app.Services.GetRequiredService<ReceiverEndpointAddresses>().Ui.Single() };

    private sealed class ManualTime(DateTimeOffset now) : TimeProvider
    {
        private DateTimeOffset _now = now;

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }
}
