// Bundles the flame graph app into the web app's wwwroot (an IIFE that sets window.OdigosFlame).
import { build } from "esbuild";
import { fileURLToPath } from "node:url";
import path from "node:path";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
await build({
  entryPoints: [path.join(root, "wwwroot-assets/src/index.ts")],
  outfile: path.join(root, "src/OdigosUi/wwwroot/js/odigos-flame.js"),
  bundle: true,
  format: "iife",
  target: ["es2022"],
  minify: true,
  sourcemap: "linked",
  legalComments: "none",
  logLevel: "warning",
});
