namespace OdigosUi.Pipeline.Exporters;

/// <summary>
/// The Collector's <c>retry_on_failure</c> with the defaults Odigos keeps: first retry after 5 s, intervals growing by
/// 1.5x up to 30 s, each randomized by ±50 %, and the request dropped once 300 s have gone by since its first attempt.
/// </summary>
public sealed record RetryOptions
{
    public bool Enabled { get; init; } = true;

    public TimeSpan InitialInterval { get; init; } = TimeSpan.FromSeconds(5);

    public TimeSpan MaxInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Give up (drop) when the next attempt would start later than this after the first; zero retries forever.</summary>
    public TimeSpan MaxElapsedTime { get; init; } = TimeSpan.FromSeconds(300);

    public double Multiplier { get; init; } = 1.5;

    /// <summary>Each delay is drawn uniformly from [interval × (1 − f), interval × (1 + f)].</summary>
    public double RandomizationFactor { get; init; } = 0.5;

    public void Validate()
    {
        if (InitialInterval <= TimeSpan.Zero)
        {
            throw new ArgumentException("InitialInterval must be positive", nameof(InitialInterval));
        }

        if (MaxInterval < InitialInterval)
        {
            throw new ArgumentException("MaxInterval must be at least InitialInterval", nameof(MaxInterval));
        }

        if (MaxElapsedTime < TimeSpan.Zero)
        {
            throw new ArgumentException("MaxElapsedTime must not be negative", nameof(MaxElapsedTime));
        }

        if (Multiplier < 1)
        {
            throw new ArgumentException("Multiplier must be at least 1", nameof(Multiplier));
        }

        if (RandomizationFactor is < 0 or > 1)
        {
            throw new ArgumentException("RandomizationFactor must be within [0, 1]", nameof(RandomizationFactor));
        }
    }
}

/// <summary>Exponential backoff with jitter, on a <see cref="TimeProvider"/> so tests can run it fast.</summary>
public sealed class RetryPolicy
{
    private readonly TimeProvider _time;
    private readonly Func<double> _random;

    /// <param name="random">Uniform in [0, 1); <see cref="Random.Shared"/> by default.</param>
    public RetryPolicy(RetryOptions options, TimeProvider? time = null, Func<double>? random = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Options = options;
        _time = time ?? TimeProvider.System;
        _random = random ?? Random.Shared.NextDouble;
    }

    public RetryOptions Options { get; }

    /// <summary>Starts the retry schedule of one request, at its first attempt.</summary>
    public RetrySchedule Begin() => new(this, _time.GetTimestamp());

    /// <summary>The retry schedule of one request.</summary>
    public sealed class RetrySchedule
    {
        private readonly RetryPolicy _policy;
        private readonly long _started;
        private TimeSpan _interval;

        internal RetrySchedule(RetryPolicy policy, long started)
        {
            _policy = policy;
            _started = started;
            _interval = policy.Options.InitialInterval;
        }

        public int Retries { get; private set; }

        public TimeSpan Elapsed => _policy._time.GetElapsedTime(_started);

        /// <summary>
        /// The wait before the next attempt: the backoff interval randomized, or the server's Retry-After when longer.
        /// False when retries are disabled or the next attempt would start after <see cref="RetryOptions.MaxElapsedTime"/>.
        /// </summary>
        public bool TryNext(TimeSpan? retryAfter, out TimeSpan delay)
        {
            var options = _policy.Options;
            delay = TimeSpan.Zero;
            if (!options.Enabled)
            {
                return false;
            }

            var factor = options.RandomizationFactor;
            var randomized = _interval.TotalMilliseconds * (1 - factor + (2 * factor * _policy._random()));
            delay = TimeSpan.FromMilliseconds(Math.Max(0, randomized));
            if (retryAfter is { } serverDelay && serverDelay > delay)
            {
                delay = serverDelay;
            }

            var next = _interval.TotalMilliseconds * options.Multiplier;
            _interval = next >= options.MaxInterval.TotalMilliseconds ? options.MaxInterval : TimeSpan.FromMilliseconds(next);
            if (options.MaxElapsedTime > TimeSpan.Zero && Elapsed + delay > options.MaxElapsedTime)
            {
                return false;
            }

            Retries++;
            return true;
        }
    }
}
