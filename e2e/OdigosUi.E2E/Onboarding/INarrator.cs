using Microsoft.Playwright;

namespace OdigosUi.E2E.Onboarding;

/// <summary>What the onboarding flow tells its audience: a caption per step and the element about to be used.</summary>
public interface INarrator
{
    Task StepAsync(IPage page, string caption);

    Task PointAtAsync(IPage page, ILocator target);
}

/// <summary>For the test run: no captions, no highlights.</summary>
public sealed class SilentNarrator : INarrator
{
    public Task StepAsync(IPage page, string caption) => Task.CompletedTask;

    public Task PointAtAsync(IPage page, ILocator target) => Task.CompletedTask;
}
