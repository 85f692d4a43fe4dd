using System.Text.Json;
using Microsoft.Playwright;

namespace OdigosUi.E2E.Flame;

/// <summary>The live flame graph of a Source, read through the test hook its element carries (<c>__odigosFlame</c>).</summary>
public sealed class FlameGraphPage(IPage page)
{
    private const string Host = "[data-testid=flame-host]";

    public IPage Page => page;

    public async Task<FlameState> StateAsync() =>
        JsonSerializer.Deserialize<FlameState>(await page.EvaluateAsync<string>($"() => JSON.stringify(document.querySelector('{Host}').__odigosFlame.state())"), JsonOptions)!;

    public async Task<FlameState> WaitForAsync(Func<FlameState, bool> condition, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (true)
        {
            var state = await StateAsync();
            if (condition(state))
            {
                return state;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"flame graph state never matched; last: {JsonSerializer.Serialize(state)}");
            }

            await Task.Delay(100);
        }
    }

    public async Task WaitForHookAsync() =>
        await page.WaitForFunctionAsync($"() => document.querySelector('{Host}')?.__odigosFlame !== undefined");

    /// <summary>The client rectangle of the frame at a full path (root excluded), or null when it is not drawn.</summary>
    public async Task<Rect?> RectOfAsync(params string[] path)
    {
        var json = await page.EvaluateAsync<string>(
            $"p => JSON.stringify(document.querySelector('{Host}').__odigosFlame.rectOf(p))", path);
        return JsonSerializer.Deserialize<Rect?>(json, JsonOptions);
    }

    public async Task ClickFrameAsync(params string[] path)
    {
        var rect = await RectOfAsync(path) ?? throw new InvalidOperationException($"frame {string.Join(";", path)} is not drawn");
        await page.Mouse.ClickAsync(rect.X + (rect.Width / 2), rect.Y + (rect.Height / 2));
    }

    public async Task HoverFrameAsync(params string[] path)
    {
        var rect = await RectOfAsync(path) ?? throw new InvalidOperationException($"frame {string.Join(";", path)} is not drawn");
        await page.Mouse.MoveAsync(rect.X + (rect.Width / 2), rect.Y + (rect.Height / 2));
    }

    public Task<byte[]> CanvasPixelsAsync() => page.GetByTestId("flame-canvas").First.ScreenshotAsync();

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);
}

public sealed record FlameState(long Seq, double TotalValue, int NodeCount, int FrameCount, string[] FocusPath, double? SearchShare, bool Paused, bool Connected, string Status, string? ProfileType);

public sealed record Rect(float X, float Y, float Width, float Height);
