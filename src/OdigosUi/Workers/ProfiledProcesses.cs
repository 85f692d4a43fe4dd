using System.Collections.Concurrent;
using OdigosUi.Profiles.Otlp.Resource;

namespace OdigosUi.Workers;

/// <summary>
/// The processes of this node someone profiles: those whose samples the node collector forwarded lately (their Source
/// is enabled or a slot is open on it). The profiler asks only their runtimes for names. Thread-safe.
/// </summary>
public sealed class ProfiledProcesses(TimeProvider time)
{
    private const string PidAttribute = "process.pid";
    private static readonly TimeSpan Forgotten = TimeSpan.FromMinutes(1);
    private const int MaxProcesses = 100_000;

    private readonly ConcurrentDictionary<int, DateTimeOffset> _forwardedAt = new();

    public void Forwarded(Resource resource)
    {
        foreach (var attribute in resource.Attributes)
        {
            if (attribute.Key == PidAttribute && attribute.Value?.IntValue is > 0 and <= int.MaxValue and var pid)
            {
                if (_forwardedAt.Count >= MaxProcesses)
                {
                    _forwardedAt.Clear();
                }

                _forwardedAt[(int)pid] = time.GetUtcNow();
                return;
            }
        }
    }

    public bool Contains(int pid) => _forwardedAt.TryGetValue(pid, out var at) && time.GetUtcNow() - at < Forgotten;
}
