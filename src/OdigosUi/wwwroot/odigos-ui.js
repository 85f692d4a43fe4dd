// Glue between Blazor and the flame graph bundle (js/odigos-flame.js, built from wwwroot-assets/ by esbuild).
window.OdigosUi = {
  mountFlameGraph(element, source) {
    if (!window.OdigosFlame) {
      throw new Error("the flame graph bundle (js/odigos-flame.js) is not loaded; run `npm run build`");
    }
    return window.OdigosFlame.mount(element, { source, hubUrl: "/hubs/profiles", apiBase: "" });
  },
};
