// Where our first paint spends its time: CPU profile of repeated mounts in Chromium, hottest functions by self time.
// Usage: node bench/flamegraph/run.mjs --sizes 10 --no-minify   (builds out/ once)
//        node bench/flamegraph/profile.mjs 100000
import { chromium } from "playwright-core";
import { createServer } from "node:http";
import { readFileSync, existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const out = path.join(path.dirname(fileURLToPath(import.meta.url)), "out");
const nodes = Number(process.argv[2] ?? 100000);
const server = createServer((req, res) => {
  const file = path.join(out, path.basename(new URL(req.url, "http://x").pathname) || "index.html");
  if (!existsSync(file)) return res.writeHead(404).end();
  res.writeHead(200, { "Content-Type": file.endsWith(".js") ? "text/javascript" : file.endsWith(".css") ? "text/css" : "text/html" }).end(readFileSync(file));
});
await new Promise((r) => server.listen(0, "127.0.0.1", r));
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-gpu-vsync", "--disable-frame-rate-limit"] });
const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
await page.goto(`http://127.0.0.1:${server.address().port}/index.html`);
await page.evaluate((n) => window.bench.prepare(n, 42), nodes);
for (let i = 0; i < 2; i++) await page.evaluate(() => window.bench.oursFirstPaint());
const cdp = await page.context().newCDPSession(page);
await cdp.send("Profiler.enable");
await cdp.send("Profiler.setSamplingInterval", { interval: 100 });
await cdp.send("Profiler.start");
const times = [];
for (let i = 0; i < 5; i++) times.push(await page.evaluate(() => window.bench.oursFirstPaint()));
const { profile } = await cdp.send("Profiler.stop");
console.log(`first paint (ms): ${times.map((t) => t.toFixed(1)).join(", ")}`);
const self = new Map();
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
profile.samples.forEach((id, i) => {
  const f = byId.get(id).callFrame;
  const key = `${f.functionName || "(anonymous)"} ${f.url.split("/").pop()}:${f.lineNumber + 1}`;
  self.set(key, (self.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000 / times.length);
});
console.log("self time per first paint:");
console.log([...self].sort((a, b) => b[1] - a[1]).slice(0, 20).map(([k, v]) => `${v.toFixed(1).padStart(7)} ms  ${k}`).join("\n"));
await browser.close();
server.close();
