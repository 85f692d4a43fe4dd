using OdigosUi.Pipeline.Collector;
using OdigosUi.Pipeline.Exporters;
using OdigosUi.Pipeline.Slots;
using OdigosUi.Resources.Sources;
using OdigosUi.Workers;

namespace OdigosUi.Ui;

public enum HealthLevel
{
    Ok,
    Warning,
    Error,
    Off,
}

/// <summary>One box of the Overview: a part of the pipeline, how it is doing, and a line or two about it.</summary>
public sealed record ComponentHealth(string Name, HealthLevel Level, string Summary, IReadOnlyList<string> Details);

/// <summary>What the Overview shows: the profiler, the collector, the UI buffer, and each Destination's exporter.</summary>
public sealed record PipelineHealth(
    ComponentHealth Profiler,
    ComponentHealth Collector,
    ComponentHealth Buffer,
    IReadOnlyList<ComponentHealth> Destinations,
    double? SamplesPerSecond);

/// <summary>
/// Reads the pipeline's health from the services of this process. Keeps the previous sample total, so one
/// instance per viewer (scoped to the circuit) reports samples per second since its previous reading (none on the first).
/// </summary>
public sealed class PipelineHealthReader(
    TimeProvider time,
    SourceRegistry registry,
    WorkloadDirectory? directory = null,
    ProfilerStatus? profiler = null,
    ProfilingSlots? slots = null,
    ExporterFleet? fleet = null)
{
    private (DateTimeOffset At, long Samples)? _previous;

    public PipelineHealth Read()
    {
        var workloads = directory?.List() ?? [];
        var samples = workloads.Sum(w => w.Samples);
        var now = time.GetUtcNow();
        double? rate = null;
        if (_previous is { } previous && now > previous.At)
        {
            rate = Math.Max(0, samples - previous.Samples) / (now - previous.At).TotalSeconds;
        }

        _previous = (now, samples);
        return new PipelineHealth(ReadProfiler(), ReadCollector(workloads), ReadBuffer(), ReadDestinations(), rate);
    }

    private ComponentHealth ReadProfiler()
    {
        if (profiler is null)
        {
            return new("Profiler", HealthLevel.Off, "not in this role", []);
        }

        var status = profiler.Snapshot;
        return status.State switch
        {
            ProfilerState.TurnedOff => new("Profiler", HealthLevel.Off, "turned off by configuration", ["Profiling:ProfilerEnabled or Profiling:Enabled is false"]),
            ProfilerState.Unavailable => new("Profiler", HealthLevel.Error, "profiler unavailable", [status.Reason ?? "perf_event_open cannot be used here"]),
            ProfilerState.Starting => new("Profiler", HealthLevel.Warning, "starting", []),
            ProfilerState.Stopped => new("Profiler", HealthLevel.Off, "stopped", []),
            _ => new("Profiler", status.LostSamples > 0 ? HealthLevel.Warning : HealthLevel.Ok, "sampling",
            [
                $"{status.Samples:N0} samples from {status.Processes:N0} processes ({status.MeasuredSamplesPerSecond:N0}/s at {status.SamplesPerSecond} Hz per CPU)",
                $"{status.LostSamples:N0} samples lost",
                UnwindLine(status.Unwinding),
                .. status.Runtimes.Select(RuntimeLine),
            ]),
        };
    }

    /// <summary>"dotnet: 2 of 3 processes named (perf map through the diagnostics IPC); pid 42 (api): REASON — FIX".</summary>
    private static string RuntimeLine(Profiler.Runtimes.RuntimeNamingSummary runtime)
    {
        var line = $"{runtime.Runtime}: {runtime.Named} of {runtime.Processes} processes named ({string.Join(", ", runtime.Routes)})";
        var notes = runtime.NeedsAttention.Select(p => $"pid {p.Pid} ({p.Executable}): {p.Reason}{(p.Fix is null ? "" : $" — {p.Fix}")}");
        return string.Join("; ", notes.Prepend(line));
    }

    private static string UnwindLine(Profiler.UnwindStats unwinding)
    {
        if (unwinding.Walks == 0)
        {
            return "user stacks by frame pointer only (Profiling:UserStackBytes is 0)";
        }

        var early = unwinding.StoppedEarly.Count == 0
            ? "none stopped early"
            : "stopped early: " + string.Join(", ", unwinding.StoppedEarly.OrderByDescending(p => p.Value).Select(p => $"{p.Key} {p.Value:N0}"));
        return $"{unwinding.Complete * 100.0 / unwinding.Walks:N1}% of {unwinding.Walks:N0} stack walks complete, mean depth {unwinding.MeanDepth:N1}; {early}";
    }

    private ComponentHealth ReadCollector(IReadOnlyList<SeenWorkload> workloads)
    {
        if (directory is null)
        {
            return new("Collector", HealthLevel.Off, "not in this role", []);
        }

        var enabled = registry.EnabledWorkloads.Count;
        var level = registry.IsSynced ? HealthLevel.Ok : HealthLevel.Warning;
        return new("Collector", level, registry.IsSynced ? "running" : "waiting for Sources",
        [
            $"{workloads.Count:N0} workloads seen",
            $"{enabled:N0} enabled as Sources",
        ]);
    }

    private ComponentHealth ReadBuffer()
    {
        if (slots is null)
        {
            return new("Profile buffer", HealthLevel.Off, "not in this role", []);
        }

        var list = slots.List();
        var options = slots.Options;
        var full = list.Count(slot => slot.Full);
        return new("Profile buffer", full > 0 ? HealthLevel.Warning : HealthLevel.Ok, $"{list.Count} of {options.MaxSlots} slots open",
        [
            $"{list.Sum(slot => slot.EstimatedBytes) / 1024d / 1024d:0.0} MiB held",
            full > 0 ? $"{full} slots full (new stacks dropped)" : "no slot full",
        ]);
    }

    private IReadOnlyList<ComponentHealth> ReadDestinations()
    {
        if (fleet is null)
        {
            return [];
        }

        return [.. fleet.Statuses.OrderBy(s => s.Name, StringComparer.Ordinal).Select(Describe)];
    }

    public static ComponentHealth Describe(ExporterStatus status)
    {
        List<string> details = [];
        if (status.Endpoint is { } endpoint)
        {
            details.Add(endpoint);
        }

        details.Add(status.LastSuccessAt is { } last ? $"last export {last:HH:mm:ss} UTC, {status.SentRequests:N0} requests" : "no export yet");
        if (status.LastError is { } error && !status.Healthy)
        {
            details.Add(error);
        }

        return status.State switch
        {
            ExporterState.Running when status.Healthy => new(status.Name, HealthLevel.Ok, "exporting", details),
            ExporterState.Running => new(status.Name, HealthLevel.Error, "failing", details),
            ExporterState.Disabled => new(status.Name, HealthLevel.Off, "disabled", details),
            ExporterState.Invalid => new(status.Name, HealthLevel.Error, "not configured", [status.ConfigurationError ?? "invalid configuration"]),
            _ => new(status.Name, HealthLevel.Off, "stopped", details),
        };
    }
}
