using OdigosUi.Profiles.Model;

namespace OdigosUi.Pipeline.Collector;

/// <summary>A workload the node collector has seen data for.</summary>
public sealed record SeenWorkload(SourceKey Source, DateTimeOffset FirstSeen, DateTimeOffset LastSeen, long Samples, bool Forwarded);

/// <summary>
/// Every workload the collector has seen profiles of, whether forwarded or not, so the UI can list what could be
/// enabled. Bounded: past <see cref="MaxEntries"/> the least recently seen workload is forgotten.
/// </summary>
public sealed class WorkloadDirectory(TimeProvider? time = null)
{
    public const int MaxEntries = 10_000;

    private readonly Lock _lock = new();
    private readonly Dictionary<SourceKey, SeenWorkload> _seen = [];
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public void Record(SourceKey source, long samples, bool forwarded)
    {
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            _seen[source] = _seen.TryGetValue(source, out var known)
                ? known with { LastSeen = now, Samples = known.Samples + samples, Forwarded = forwarded }
                : new SeenWorkload(source, now, now, samples, forwarded);
            if (_seen.Count > MaxEntries)
            {
                _seen.Remove(_seen.Values.MinBy(w => w.LastSeen)!.Source);
            }
        }
    }

    public IReadOnlyList<SeenWorkload> List()
    {
        lock (_lock)
        {
            return [.. _seen.Values.OrderBy(w => w.Source.ToString(), StringComparer.Ordinal)];
        }
    }
}
