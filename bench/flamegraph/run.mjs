// Render benchmark: our canvas flame graph vs d3-flame-graph on the same seeded synthetic trees, in one Chromium run.
// Usage: npm run bench:render [-- --sizes 10000,100000,1000000 --write]
//   --write       replaces the generated table in docs/benchmarks.md
//   --ours-only   skips d3-flame-graph (a quick look at our numbers; prints them on stderr)
import { build } from "esbuild";
import { createServer } from "node:http";
import { mkdirSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import os from "node:os";
import { chromium } from "playwright-core";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../..");
const out = path.join(here, "out");
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const sizes = option("--sizes", "10000,100000,1000000").split(",").map(Number);
const seed = Number(option("--seed", "42"));
const d3TimeoutMs = Number(option("--d3-timeout", "120000"));
const write = args.includes("--write");
const oursOnly = args.includes("--ours-only");
const executablePath = option("--chromium", "/usr/bin/chromium");

if (!existsSync(executablePath)) {
  console.error(`${executablePath} not found: apt-get install -y chromium (or pass --chromium PATH)`);
  process.exit(2);
}

mkdirSync(out, { recursive: true });
await build({
  entryPoints: [path.join(here, "page.ts")],
  outdir: out,
  bundle: true,
  format: "iife",
  target: ["es2022"],
  minify: !args.includes("--no-minify"),
  logLevel: "warning",
});
writeFileSync(path.join(out, "index.html"),
  `<!doctype html><html><head><meta charset="utf-8"><link rel="stylesheet" href="page.css"></head>` +
  `<body style="margin:0"><script src="page.js"></script></body></html>`);

const server = createServer((req, res) => {
  const file = path.join(out, path.basename(new URL(req.url, "http://x").pathname) || "index.html");
  if (!existsSync(file)) {
    res.writeHead(404).end();
    return;
  }
  const type = file.endsWith(".js") ? "text/javascript" : file.endsWith(".css") ? "text/css" : "text/html";
  res.writeHead(200, { "Content-Type": type }).end(readFileSync(file));
});
await new Promise((r) => server.listen(0, "127.0.0.1", r));
const url = `http://127.0.0.1:${server.address().port}/index.html`;

const browser = await chromium.launch({
  executablePath,
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run",
    // Frames as soon as they are ready, so a measurement is not rounded up to the next 60 Hz vsync.
    "--disable-gpu-vsync", "--disable-frame-rate-limit", "--js-flags=--max-old-space-size=8192"],
});
const version = browser.version();

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`${what}: over ${ms / 1000} s`)), ms); });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function freshPage(nodes) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  await page.goto(url);
  const info = await page.evaluate(([n, s]) => window.bench.prepare(n, s), [nodes, seed]);
  return { page, info };
}

async function runOurs(nodes) {
  const { page, info } = await freshPage(nodes);
  const firstPaint = [];
  for (let i = 0; i < 5; i++) firstPaint.push(await page.evaluate(() => window.bench.oursFirstPaint()));
  const zoom = await page.evaluate(() => window.bench.oursZoom());
  const hover = await page.evaluate(() => window.bench.oursHover());
  await page.close();
  return { info, firstPaint: median(firstPaint), zoom: median(zoom), hover: median(hover) };
}

/** d3-flame-graph with the same width and row height, no transitions, children sorted by name like ours. */
async function runD3(nodes, minFrameSize) {
  const { page } = await freshPage(nodes);
  const result = {};
  try {
    const firstPaint = [];
    const runs = nodes >= 100_000 ? 1 : 3;
    for (let i = 0; i < runs; i++) {
      await page.evaluate(() => window.bench.d3Dispose());
      firstPaint.push(await withTimeout(page.evaluate((m) => window.bench.d3FirstPaint(m), minFrameSize), d3TimeoutMs, "first paint"));
    }
    result.firstPaint = median(firstPaint);
    const repeat = nodes >= 100_000 ? 2 : 1;
    result.zoom = median(await withTimeout(page.evaluate((r) => window.bench.d3Zoom(r), repeat), d3TimeoutMs, "zoom"));
    result.hover = median(await withTimeout(page.evaluate((r) => window.bench.d3Hover(r), repeat), d3TimeoutMs, "hover"));
  } catch (e) {
    result.error = e.message.split("\n")[0].replace(/^page\.evaluate: /, "");
  } finally {
    await page.close().catch(() => undefined);
  }
  return result;
}

const ms = (v) => (v === undefined ? "—" : v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : Math.round(v).toLocaleString("en-US"));
const ratio = (a, b) => (a === undefined || b === undefined ? "—" : `${(a / b).toFixed(a / b < 10 ? 1 : 0)}x`);
const speedup = (theirs, mine) => (theirs === undefined ? "—" : `${ratio(theirs, mine)} faster`);
const rows = [];
for (const nodes of sizes) {
  const ours = await runOurs(nodes);
  console.error(`ours ${nodes}: ${JSON.stringify(ours)}`);
  if (oursOnly) {
    continue;
  }
  const d3 = await runD3(nodes, 0);
  console.error(`d3 ${nodes} (minFrameSize 0): ${JSON.stringify(d3)}`);
  const d3Pruned = await runD3(nodes, 0.5);
  console.error(`d3 ${nodes} (minFrameSize 0.5): ${JSON.stringify(d3Pruned)}`);
  rows.push({ nodes, ours, d3, d3Pruned });
}
await browser.close();
server.close();

const cell = (r, key) => (r[key] !== undefined ? ms(r[key]) : r.error !== undefined && (key === "firstPaint" || r.firstPaint !== undefined) ? `> ${d3TimeoutMs / 1000} s` : "—");
const lines = [
  `| nodes (depth) | measure | ours (ms) | d3-flame-graph (ms) | d3, minFrameSize 0.5 (ms) | ours vs d3 | ours vs d3 pruned |`,
  `|---|---|---:|---:|---:|---:|---:|`,
];
for (const { nodes, ours, d3, d3Pruned } of rows) {
  for (const [key, name] of [["firstPaint", "first paint"], ["zoom", "zoom (focus a node)"], ["hover", "hover (tooltip + outline)"]]) {
    lines.push(`| ${nodes.toLocaleString("en-US")} (${ours.info.depth}) | ${name} | ${ms(ours[key])} | ${cell(d3, key)} | ${cell(d3Pruned, key)} | ` +
      `${speedup(d3[key], ours[key])} | ${speedup(d3Pruned[key], ours[key])} |`);
  }
}
const cpu = os.cpus()[0]?.model ?? "unknown CPU";
const table = [
  `Chromium ${version} (headless, --disable-gpu, vsync and frame-rate limit off), ${os.cpus().length} × ${cpu}, seed ${seed}, ` +
  `view 1200 × 720 px, load average ${os.loadavg().map((l) => l.toFixed(1)).join(" ")} at the end. Medians: ours of 5 first paints, 10 zooms ` +
  `(into the widest frame at depth 2 and back), 20 hovers; d3 of 3 first paints (1 from 100k nodes), 10 zooms and 20 hovers ` +
  `(4 and 12 from 100k). "> N s": that step did not finish within the time limit.`,
  "",
  ...lines,
].join("\n");
console.log(table);

if (write) {
  const doc = path.join(root, "docs/benchmarks.md");
  const text = readFileSync(doc, "utf8");
  const start = "<!-- flamegraph-render:start -->";
  const end = "<!-- flamegraph-render:end -->";
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  if (i < 0 || j < 0) {
    console.error(`docs/benchmarks.md has no ${start} … ${end} block`);
    process.exit(1);
  }
  writeFileSync(doc, text.slice(0, i + start.length) + "\n" + table + "\n" + text.slice(j));
  console.error("docs/benchmarks.md updated");
}
