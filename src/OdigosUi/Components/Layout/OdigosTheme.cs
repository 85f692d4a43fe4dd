using MudBlazor;

namespace OdigosUi.Components.Layout;

/// <summary>The light and dark palettes of the app.</summary>
public static class OdigosTheme
{
    public static MudTheme Theme { get; } = new()
    {
        PaletteLight = new PaletteLight
        {
            Primary = "#3f51b5",
            Secondary = "#00897b",
            AppbarBackground = "#1f2a44",
        },
        PaletteDark = new PaletteDark
        {
            Primary = "#8c9eff",
            Secondary = "#4db6ac",
            AppbarBackground = "#151b2d",
        },
    };
}
