using Microsoft.Extensions.Options;
using OdigosUi.Pipeline.Slots;

namespace OdigosUi.Workers;

/// <summary>Closes idle profiling slots and applies changed <c>Profiling:Ui</c> limits while running.</summary>
public sealed class SlotExpiryWorker(ProfilingSlots slots, IOptionsMonitor<SlotOptions> options, TimeProvider time, ILogger<SlotExpiryWorker> logger)
    : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var subscription = options.OnChange(changed =>
        {
            slots.Reconfigure(changed);
            logger.LogInformation("Profiling slot limits changed: {MaxSlots} slots, {SlotMaxBytes} bytes each, {Ttl} s idle TTL", changed.MaxSlots, changed.SlotMaxBytes, changed.SlotTtlSeconds);
        });

        using var timer = new PeriodicTimer(Interval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            var expired = slots.ExpireIdle();
            if (expired > 0)
            {
                logger.LogInformation("Closed {Count} idle profiling slot(s)", expired);
            }
        }
    }
}
