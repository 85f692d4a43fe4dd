using System.Text.Json.Serialization;
using OdigosUi.Profiler;

namespace OdigosUi.Workers;

[JsonConverter(typeof(JsonStringEnumConverter<ProfilerState>))]
public enum ProfilerState
{
    /// <summary>The worker has not opened the perf events yet.</summary>
    Starting,

    /// <summary>Sampling every CPU.</summary>
    Running,

    /// <summary>perf_event_open cannot be used here (no root or CAP_PERFMON, perf_event_paranoid, seccomp, no perf events); see the reason.</summary>
    Unavailable,

    /// <summary>Configuration turned it off (<c>Profiling:ProfilerEnabled=false</c> or <c>Profiling:Enabled=false</c>).</summary>
    TurnedOff,

    /// <summary>It ran and has stopped (the app is shutting down).</summary>
    Stopped,
}

/// <summary>
/// What the node profiler is doing, as the UI and <c>GET /api/profiler</c> show it. <see cref="MeasuredSamplesPerSecond"/>
/// is the rate over the last report interval (every CPU and process together); <see cref="SamplesPerSecond"/> the
/// configured rate per CPU.
/// </summary>
public sealed record ProfilerStatusSnapshot(
    ProfilerState State,
    string? Reason,
    int SamplesPerSecond,
    long Samples,
    long LostSamples,
    int Processes,
    long Reports,
    double MeasuredSamplesPerSecond,
    DateTimeOffset? StartedAt,
    DateTimeOffset UpdatedAt)
{
    /// <summary>How the user stacks were walked (DWARF CFI with frame-pointer steps) and why walks stopped early.</summary>
    public UnwindStats Unwinding { get; init; } = UnwindStats.None;

    /// <summary>Per runtime, how many of the processes profiled have named frames, and for the others why not and what would fix it.</summary>
    public IReadOnlyList<OdigosUi.Profiler.Runtimes.RuntimeNamingSummary> Runtimes { get; init; } = [];

    /// <summary>Python frames read from CPython processes: samples merged, reads that found nothing, bytes read, each process's route.</summary>
    public OdigosUi.Profiler.Runtimes.Python.PythonStats Python { get; init; } = OdigosUi.Profiler.Runtimes.Python.PythonStats.None;

    /// <summary>Workload files the profiler did not read (not a regular file, over a size limit, not the mapped file, ...): counts by reason and the last few.</summary>
    public OdigosUi.Profiler.Processes.WorkloadFileStats Files { get; init; } = OdigosUi.Profiler.Processes.WorkloadFileStats.None;
}

/// <summary>The node profiler's status: one immutable <see cref="Snapshot"/>, replaced as a whole (safe to read from any thread).</summary>
public sealed class ProfilerStatus(TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private ProfilerStatusSnapshot _snapshot = new(ProfilerState.Starting, null, 0, 0, 0, 0, 0, 0, null, DateTimeOffset.MinValue);

    public ProfilerStatusSnapshot Snapshot => Volatile.Read(ref _snapshot);

    /// <summary>Raised after every change of <see cref="Snapshot"/> (on the profiler's thread: do not block).</summary>
    public event Action<ProfilerStatusSnapshot>? Changed;

    internal void TurnedOff() => Set(Snapshot with { State = ProfilerState.TurnedOff, Reason = "turned off by configuration" });

    internal void Unavailable(string reason, int samplesPerSecond) =>
        Set(Snapshot with { State = ProfilerState.Unavailable, Reason = reason, SamplesPerSecond = samplesPerSecond });

    internal void Running(int samplesPerSecond) =>
        Set(Snapshot with { State = ProfilerState.Running, Reason = null, SamplesPerSecond = samplesPerSecond, StartedAt = _time.GetUtcNow() });

    internal void Update(ProfilerStats stats)
    {
        var previous = Snapshot;
        var now = _time.GetUtcNow();
        var since = previous.UpdatedAt > (previous.StartedAt ?? now) ? previous.UpdatedAt : previous.StartedAt ?? now;
        var seconds = (now - since).TotalSeconds;
        var rate = seconds > 0 ? (stats.Samples - previous.Samples) / seconds : previous.MeasuredSamplesPerSecond;
        Set(previous with
        {
            Samples = stats.Samples,
            LostSamples = stats.LostSamples,
            Processes = stats.Processes,
            Reports = stats.EmittedRequests,
            MeasuredSamplesPerSecond = Math.Round(rate, 1),
            Unwinding = stats.Unwinding,
            Runtimes = stats.Runtimes,
            Python = stats.Python,
            Files = stats.Files,
        }, now);
    }

    internal void Stopped() => Set(Snapshot with { State = ProfilerState.Stopped });

    private void Set(ProfilerStatusSnapshot snapshot, DateTimeOffset? at = null)
    {
        snapshot = snapshot with { UpdatedAt = at ?? _time.GetUtcNow() };
        Volatile.Write(ref _snapshot, snapshot);
        Changed?.Invoke(snapshot);
    }
}
