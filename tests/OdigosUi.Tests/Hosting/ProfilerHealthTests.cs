using Microsoft.Extensions.Diagnostics.HealthChecks;
using OdigosUi.Workers;

namespace OdigosUi.Tests.Hosting;

public sealed class ProfilerHealthTests
{
    [Fact]
    public async Task An_unavailable_profiler_is_degraded_with_its_reason_and_a_turned_off_one_is_healthy()
    {
        var status = new ProfilerStatus { UnavailableReason = "perf_event_open: EACCES (run as root or grant CAP_PERFMON)" };
        var degraded = await new ProfilerHealthCheck(status).CheckHealthAsync(new HealthCheckContext());
        Assert.Equal(HealthStatus.Degraded, degraded.Status);
        Assert.Equal("profiler unavailable: perf_event_open: EACCES (run as root or grant CAP_PERFMON)", degraded.Description);

        var off = await new ProfilerHealthCheck(new ProfilerStatus { TurnedOff = true }).CheckHealthAsync(new HealthCheckContext());
        Assert.Equal(HealthStatus.Healthy, off.Status);
    }
}
