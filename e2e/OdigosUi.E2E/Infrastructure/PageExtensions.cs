using Microsoft.Playwright;

namespace OdigosUi.E2E.Infrastructure;

public static class PageExtensions
{
    public static ILocator TestId(this IPage page, string id) => page.GetByTestId(id);

    /// <summary>The input of a MudBlazor field, whether the test id lands on the input itself or on its wrapper.</summary>
    public static ILocator Input(this IPage page, string id, string? extra = null) =>
        page.Locator($"input[data-testid='{id}']{extra}, [data-testid='{id}']{extra} input").First;

    /// <summary>Opens a page of the app and waits until Blazor's circuit has rendered the layout.</summary>
    public static async Task OpenAsync(this IPage page, string path)
    {
        await page.GotoAsync(path);
        await page.TestId("nav-overview").WaitForAsync();
    }
}
