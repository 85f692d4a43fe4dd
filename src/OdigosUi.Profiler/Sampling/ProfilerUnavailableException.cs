namespace OdigosUi.Profiler.Sampling;

/// <summary>perf_event_open cannot be used here; the message says why and what to change.</summary>
public sealed class ProfilerUnavailableException(string message) : Exception(message);
