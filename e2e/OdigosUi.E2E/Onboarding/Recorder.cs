using System.Diagnostics;
using System.Globalization;
using Microsoft.Playwright;

namespace OdigosUi.E2E.Onboarding;

/// <summary>
/// Records the flow as a product demo: a caption bar over the page, a ring around what is about to be clicked, frames
/// captured while the flow runs, a PNG per step, then Debian's ffmpeg turns the frames into onboarding.webm, an
/// onboarding.mp4 and a small onboarding.gif (Playwright's own video needs a browser build of its own).
/// </summary>
public sealed class Recorder(string outputDir) : INarrator, IAsyncDisposable
{
    private const int FramesPerSecond = 5;
    private readonly List<(string Path, DateTime At)> _frames = [];
    private readonly CancellationTokenSource _stop = new();
    private Task? _capture;
    private int _step;

    public string FramesDir => Path.Combine(outputDir, "frames");

    public IReadOnlyList<string> StepScreenshots { get; private set; } = [];

    public void Start(IPage page)
    {
        Directory.CreateDirectory(FramesDir);
        _capture = Task.Run(() => CaptureAsync(page, _stop.Token));
    }

    public async Task StepAsync(IPage page, string caption)
    {
        await page.EvaluateAsync(
            """
            text => {
              let bar = document.getElementById('odigos-demo-caption');
              if (!bar) {
                bar = document.createElement('div');
                bar.id = 'odigos-demo-caption';
                bar.style.cssText = 'position:fixed;left:50%;bottom:28px;transform:translateX(-50%);z-index:100000;' +
                  'background:rgba(20,24,40,.88);color:#fff;font:600 22px system-ui,sans-serif;padding:12px 22px;' +
                  'border-radius:10px;box-shadow:0 6px 24px rgba(0,0,0,.35);pointer-events:none;max-width:80vw;text-align:center';
                document.body.appendChild(bar);
              }
              bar.textContent = text;
            }
            """, caption);
        await page.WaitForTimeoutAsync(1200);
        _step++;
        var path = Path.Combine(outputDir, $"step-{_step:D2}.png");
        await page.ScreenshotAsync(new() { Path = path });
        StepScreenshots = [.. StepScreenshots, path];
    }

    public async Task PointAtAsync(IPage page, ILocator target)
    {
        await target.ScrollIntoViewIfNeededAsync();
        await target.EvaluateAsync(
            """
            el => {
              const r = el.getBoundingClientRect();
              const ring = document.createElement('div');
              ring.style.cssText = `position:fixed;left:${r.left - 6}px;top:${r.top - 6}px;width:${r.width + 12}px;height:${r.height + 12}px;` +
                'border:3px solid #ff5722;border-radius:10px;z-index:100000;pointer-events:none;box-shadow:0 0 0 6px rgba(255,87,34,.25)';
              document.body.appendChild(ring);
              setTimeout(() => ring.remove(), 1100);
            }
            """);
        await page.WaitForTimeoutAsync(900);
    }

    private async Task CaptureAsync(IPage page, CancellationToken token)
    {
        var index = 0;
        while (!token.IsCancellationRequested)
        {
            var started = DateTime.UtcNow;
            try
            {
                var path = Path.Combine(FramesDir, $"frame-{index:D5}.jpg");
                await page.ScreenshotAsync(new() { Path = path, Type = ScreenshotType.Jpeg, Quality = 80 });
                lock (_frames)
                {
                    _frames.Add((path, started));
                }

                index++;
            }
            catch (PlaywrightException) when (token.IsCancellationRequested || page.IsClosed)
            {
                return;
            }
            catch (PlaywrightException)
            {
                // A navigation in progress: take the next frame.
            }

            var wait = TimeSpan.FromSeconds(1.0 / FramesPerSecond) - (DateTime.UtcNow - started);
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, CancellationToken.None);
            }
        }
    }

    /// <summary>Stops capturing and encodes the video and the GIF; returns their paths.</summary>
    public async Task<(string Webm, string Mp4, string Gif)> FinishAsync()
    {
        await _stop.CancelAsync();
        if (_capture is not null)
        {
            await _capture;
        }

        List<(string Path, DateTime At)> frames;
        lock (_frames)
        {
            frames = [.. _frames];
        }

        if (frames.Count < 2)
        {
            throw new InvalidOperationException("no frames were captured");
        }

        // The concat demuxer keeps each frame on screen until the next one was taken: real time, whatever the capture rate.
        var list = Path.Combine(FramesDir, "frames.txt");
        await using (var writer = new StreamWriter(list))
        {
            for (var i = 0; i < frames.Count; i++)
            {
                var duration = i + 1 < frames.Count ? (frames[i + 1].At - frames[i].At).TotalSeconds : 1.0;
                await writer.WriteLineAsync($"file '{frames[i].Path}'");
                await writer.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"duration {duration:0.###}"));
            }

            await writer.WriteLineAsync($"file '{frames[^1].Path}'");
        }

        var webm = Path.Combine(outputDir, "onboarding.webm");
        var mp4 = Path.Combine(outputDir, "onboarding.mp4");
        var gif = Path.Combine(outputDir, "onboarding.gif");
        await FfmpegAsync("-f", "concat", "-safe", "0", "-i", list, "-vf", "fps=10,scale=1280:-2", "-c:v", "libvpx-vp9", "-b:v", "0", "-crf", "40", "-deadline", "realtime", "-cpu-used", "8", webm);
        await FfmpegAsync("-f", "concat", "-safe", "0", "-i", list, "-vf", "fps=10,scale=1280:-2,format=yuv420p", "-c:v", "libx264", "-preset", "veryfast", "-crf", "28", mp4);
        await FfmpegAsync("-f", "concat", "-safe", "0", "-i", list, "-vf",
            "fps=4,scale=800:-1:flags=lanczos,split[a][b];[a]palettegen=max_colors=96[p];[b][p]paletteuse=dither=bayer", gif);
        return (webm, mp4, gif);
    }

    private static async Task FfmpegAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("ffmpeg") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in new[] { "-y", "-loglevel", "error" }.Concat(arguments))
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("ffmpeg did not start");
        var errors = process.StandardError.ReadToEndAsync();
        await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"ffmpeg failed ({process.ExitCode}): {await errors}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_capture is not null)
        {
            await _capture;
        }

        _stop.Dispose();
    }
}
