// Bundles every wwwroot-assets/<suite>/*.test.ts (suite: `test` by default, or `browser-test`) with esbuild into
// wwwroot-assets/.test-out/<suite> and runs them with node's test runner (Node 20 cannot run TypeScript itself);
// packages stay external and resolve from the root node_modules. The exit code is the test runner's.
import { build } from "esbuild";
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const suite = process.argv[2] !== undefined && !process.argv[2].startsWith("-") ? process.argv[2] : "test";
const runnerArgs = process.argv.slice(suite === process.argv[2] ? 3 : 2);
const testDir = path.join(root, "wwwroot-assets", suite);
const entries = readdirSync(testDir).filter((f) => f.endsWith(".test.ts")).map((f) => path.join(testDir, f));
if (entries.length === 0) {
  console.error(`no test files in wwwroot-assets/${suite}`);
  process.exit(1);
}
const out = path.join(root, "wwwroot-assets/.test-out", suite);
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
try {
  await build({
    entryPoints: entries,
    outdir: out,
    outExtension: { ".js": ".mjs" },
    bundle: true,
    platform: "node",
    packages: "external",
    format: "esm",
    target: ["node20"],
    sourcemap: "inline",
    logLevel: "warning",
  });
  const files = readdirSync(out).filter((f) => f.endsWith(".test.mjs")).map((f) => path.join(out, f));
  const result = spawnSync(process.execPath, ["--enable-source-maps", "--test", "--test-concurrency=1", ...runnerArgs, ...files], { stdio: "inherit" });
  process.exitCode = result.status ?? 1;
} finally {
  rmSync(out, { recursive: true, force: true });
}
