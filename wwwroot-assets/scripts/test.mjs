// Bundles every wwwroot-assets/test/*.test.ts with esbuild into a temporary folder and runs them with node's test
// runner (Node 20 cannot run TypeScript itself). The exit code is the test runner's.
import { build } from "esbuild";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const testDir = path.join(root, "wwwroot-assets/test");
const entries = readdirSync(testDir).filter((f) => f.endsWith(".test.ts")).map((f) => path.join(testDir, f));
if (entries.length === 0) {
  console.error("no test files in wwwroot-assets/test");
  process.exit(1);
}
const out = mkdtempSync(path.join(tmpdir(), "odigos-flame-tests-"));
try {
  await build({
    entryPoints: entries,
    outdir: out,
    outExtension: { ".js": ".mjs" },
    bundle: true,
    platform: "node",
    format: "esm",
    target: ["node20"],
    sourcemap: "inline",
    logLevel: "warning",
  });
  const files = readdirSync(out).filter((f) => f.endsWith(".test.mjs")).map((f) => path.join(out, f));
  const result = spawnSync(process.execPath, ["--enable-source-maps", "--test", ...process.argv.slice(2), ...files], { stdio: "inherit" });
  process.exitCode = result.status ?? 1;
} finally {
  rmSync(out, { recursive: true, force: true });
}
