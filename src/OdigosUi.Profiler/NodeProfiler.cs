using OdigosUi.Profiler.Otlp;
using OdigosUi.Profiler.Sampling;
using OdigosUi.Profiler.Symbolization;
using OdigosUi.Profiles.Otlp.Collector;

namespace OdigosUi.Profiler;

/// <summary>
/// Samples the node's CPUs with perf, symbolizes the stacks as they are read (while the processes still exist) and
/// emits one OTLP Profiles request per report interval. <see cref="RunAsync"/> is the only reading loop.
/// </summary>
public sealed class NodeProfiler(NodeProfilerOptions options) : IDisposable
{
    private static readonly TimeSpan MaxDrainInterval = TimeSpan.FromMilliseconds(100);

    private readonly Symbolizer _symbolizer = new();
    private readonly List<ulong> _kernel = [];
    private readonly List<ulong> _user = [];
    private PerfEventSampler? _sampler;
    private PerfSampleCallback? _onSample;
    private SampleWindow _window = new(0);
    private long _monotonicToUnixNs;
    private long _emitted;

    public NodeProfilerOptions Options { get; } = options;

    public ProfilerStats Stats => new(
        _sampler?.SampleCount ?? 0,
        _sampler?.LostCount ?? 0,
        _symbolizer.ProcessCount,
        Interlocked.Read(ref _emitted));

    /// <summary>Opens the perf events; throws <see cref="ProfilerUnavailableException"/> when perf cannot be used.</summary>
    public void Start()
    {
        Options.Validate();
        if (_sampler is not null)
        {
            throw new InvalidOperationException("the profiler is already started");
        }

        _monotonicToUnixNs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000 - PerfNative.MonotonicNanoseconds();
        _window = new SampleWindow(NowUnixNano());
        _onSample = OnSample;
        _sampler = PerfEventSampler.Start(new PerfSamplerOptions(Options.SamplesPerSecond, Options.TargetPid, Options.DataPagesPerCpu));
    }

    /// <summary>Drains the ring buffers continuously and calls <paramref name="emit"/> once per report interval until cancelled.</summary>
    public async Task RunAsync(Func<ExportProfilesServiceRequest, CancellationToken, ValueTask> emit, CancellationToken cancellationToken)
    {
        if (_sampler is null)
        {
            Start();
        }

        var drainInterval = Options.ReportInterval / 4 < MaxDrainInterval ? Options.ReportInterval / 4 : MaxDrainInterval;
        var nextReport = DateTime.UtcNow + Options.ReportInterval;
        using var timer = new PeriodicTimer(drainInterval);
        while (await WaitAsync(timer, cancellationToken))
        {
            Collect();
            if (DateTime.UtcNow < nextReport)
            {
                continue;
            }

            nextReport += Options.ReportInterval;
            if (TakeRequest() is { } request)
            {
                await emit(request, cancellationToken);
                Interlocked.Increment(ref _emitted);
            }
        }
    }

    private static async ValueTask<bool> WaitAsync(PeriodicTimer timer, CancellationToken cancellationToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Reads and symbolizes every sample available now into the current window.</summary>
    public long Collect() => _sampler?.ReadSamples(_onSample!) ?? 0;

    /// <summary>The request for the window collected so far (null when it has no samples), and starts a new window.</summary>
    public ExportProfilesServiceRequest? TakeRequest()
    {
        var end = NowUnixNano();
        var window = _window;
        _window = new SampleWindow(end);
        _symbolizer.ForgetExitedProcesses();
        return window.Samples.Count == 0 ? null : ProfileBuilder.Build(window, end, Options.SamplesPerSecond);
    }

    private void OnSample(in PerfSample sample)
    {
        // pid -1: the task was exiting when sampled, nothing can be read about it any more.
        if (sample.Pid < 0 || (sample.Pid == 0 && !Options.IncludeIdle))
        {
            return;
        }

        Callchain.Split(sample.Callchain, _kernel, _user);
        var frames = new ResolvedFrame[_kernel.Count + _user.Count];
        for (var i = 0; i < _kernel.Count; i++)
        {
            frames[i] = _symbolizer.ResolveKernel(_kernel[i]);
        }

        for (var i = 0; i < _user.Count; i++)
        {
            frames[_kernel.Count + i] = _symbolizer.ResolveUser(sample.Pid, _user[i], isReturnAddress: i > 0);
        }

        var time = (ulong)((long)sample.TimeMonotonicNs + _monotonicToUnixNs);
        _window.Add(new CollectedSample(sample.Pid, sample.Tid, time, frames));
    }

    private ulong NowUnixNano() => (ulong)(PerfNative.MonotonicNanoseconds() + _monotonicToUnixNs);

    public void Dispose()
    {
        _sampler?.Dispose();
    }
}
