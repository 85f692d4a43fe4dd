using OdigosUi.Pipeline.Exporters;
using OdigosUi.Profiles.Otlp.Collector;
using OdigosUi.TestSupport;

namespace OdigosUi.Pipeline.Tests.Exporters;

/// <summary>Options and helpers that keep exporter tests fast: millisecond retries, short timeouts.</summary>
internal static class ExporterTestSupport
{
    public static ExporterOptions Fast(
        long queueMaxBytes = ExporterOptions.DefaultQueueMaxBytes,
        TimeSpan? maxElapsed = null,
        TimeSpan? initial = null,
        TimeSpan? timeout = null) => new()
    {
        QueueMaxBytes = queueMaxBytes,
        Timeout = timeout ?? TimeSpan.FromSeconds(10),
        ShutdownFlushTimeout = TimeSpan.FromMilliseconds(500),
        RemovalFlushTimeout = TimeSpan.FromMilliseconds(500),
        Retry = new RetryOptions
        {
            InitialInterval = initial ?? TimeSpan.FromMilliseconds(20),
            MaxInterval = TimeSpan.FromMilliseconds(60),
            MaxElapsedTime = maxElapsed ?? TimeSpan.FromSeconds(20),
        },
    };

    public static DestinationConfig Pyroscope(string hostPort, string id = "pyro", IReadOnlyDictionary<string, string>? extra = null)
    {
        var fields = new Dictionary<string, string>
        {
            [DestinationFields.PyroscopeUrl] = hostPort,
            [DestinationFields.PyroscopeTlsEnabled] = "false",
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string>())
        {
            fields[key] = value;
        }

        return new DestinationConfig(id, DestinationTypes.Pyroscope, "Pyroscope " + id, fields, ["PROFILES"]);
    }

    public static DestinationConfig OtlpHttp(string endpoint, string id = "otlphttp", IReadOnlyDictionary<string, string>? extra = null)
    {
        var fields = new Dictionary<string, string> { [DestinationFields.OtlpHttpEndpoint] = endpoint };
        foreach (var (key, value) in extra ?? new Dictionary<string, string>())
        {
            fields[key] = value;
        }

        return new DestinationConfig(id, DestinationTypes.OtlpHttp, "OTLP " + id, fields, ["TRACES", "PROFILES"]);
    }

    public static ExportProfilesServiceRequest Small(int seed = 1) => SyntheticPayloads.Small(seed);

    public static async Task EventuallyAsync(Func<bool> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("Timed out waiting for " + what);
            }

            await Task.Delay(10);
        }
    }
}

/// <summary>A clock the test moves by hand, monotonic timestamps included.</summary>
internal sealed class SteppingTimeProvider(DateTimeOffset start) : TimeProvider
{
    private long _ticks;

    public override DateTimeOffset GetUtcNow() => start + TimeSpan.FromTicks(Interlocked.Read(ref _ticks));

    public override long GetTimestamp() => Interlocked.Read(ref _ticks);

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
}
