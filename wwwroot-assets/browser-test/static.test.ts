import assert from "node:assert/strict";
import { writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, afterEach, before, beforeEach, describe, it } from "node:test";
import type { Browser, Page } from "playwright-core";
import { toFlamebearer } from "../src/model/flamebearer";
import { fromFolded } from "../src/model/folded";
import { FakeApp } from "./support/fakeHub";
import { BUNDLE, clickFrame, hoverFrame, launch, openPage, pageErrors, rectOf, state, waitForState } from "./support/browser";

const IMG = `<img src=x onerror="window.__pwned=1">`;
const SCRIPT = `<script>window.__pwned=2</script>`;
const FOLDED = [
  "main;run;work 5",
  "main;run;io 2",
  `main;${IMG};${SCRIPT} 3`,
  "main;rec;rec;rec;leaf 4",
  "main;idle 1",
].join("\n");

describe("flame graph view in the browser (static data)", () => {
  let browser: Browser;
  let app: FakeApp;
  let base: string;
  let page: Page;

  before(async () => {
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
  });
  beforeEach(async () => {
    app = new FakeApp(BUNDLE);
    base = await app.start();
  });
  afterEach(async () => {
    assert.deepEqual(pageErrors(page), []);
    await page.close();
    await app.stop();
  });

  async function mountStatic(query = "", folded = FOLDED): Promise<void> {
    page = await openPage(browser, base, query);
    await page.evaluate((fb) => {
      (window as unknown as { OdigosFlame: { mountStatic(e: HTMLElement, f: unknown): unknown } }).OdigosFlame.mountStatic(document.getElementById("host")!, fb);
    }, toFlamebearer(fromFolded(folded)));
    await waitForState(page, "s.lastDrawMs > 0");
  }

  it("frame names with markup stay text in tooltip, breadcrumb and table", async () => {
    await mountStatic();
    await hoverFrame(page, ["main", IMG, SCRIPT]);
    const tip = page.getByTestId("flame-tooltip");
    await tip.waitFor({ state: "visible" });
    assert.match(await tip.textContent() ?? "", /<script>window\.__pwned=2<\/script>/);
    assert.match(await tip.textContent() ?? "", /20\.0%/, "3 of 15");
    await clickFrame(page, ["main", IMG]);
    await waitForState(page, "s.focusPath.length === 2");
    assert.match(await page.getByTestId("flame-breadcrumb").textContent() ?? "", /<img src=x/);
    await page.getByTestId("flame-top-table").getByText(SCRIPT).waitFor();
    assert.equal(await page.locator("#host img, #host script").count(), 0);
    assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
  });

  it("click focuses a frame, the breadcrumb goes back, Esc resets, and the query string keeps the focus", async () => {
    await mountStatic();
    await clickFrame(page, ["main", "run"]);
    let s = await waitForState(page, "s.focusPath.length === 2");
    assert.deepEqual(s.focusPath, ["main", "run"]);
    const run = await rectOf(page, ["main", "run"]);
    assert.ok(run !== null && Math.abs(run.width - 1000) < 2);
    assert.match(page.url(), /\?focus=main&focus=run$/);
    await page.getByTestId("flame-breadcrumb").getByRole("button", { name: "main" }).click();
    s = await waitForState(page, "s.focusPath.length === 1");
    await page.keyboard.press("Escape");
    s = await waitForState(page, "s.focusPath.length === 0");
    assert.equal(new URL(page.url()).search, "");
  });

  it("restores focus, search and view from the query string", async () => {
    await mountStatic("?focus=main&focus=run&search=WORK&view=icicle");
    const s = await state(page);
    assert.deepEqual(s.focusPath, ["main", "run"]);
    assert.equal(s.view, "icicle");
    assert.equal(s.searchShare, 5 / 15);
    assert.equal(await page.getByTestId("flame-search").inputValue(), "WORK");
    const parent = await rectOf(page, ["main", "run"]);
    const child = await rectOf(page, ["main", "run", "work"]);
    assert.ok(parent !== null && child !== null && child.y > parent.y, "icicle: children below");
  });

  it("search shows the matched share and the table links to the search", async () => {
    await mountStatic();
    await page.getByTestId("flame-search").fill("i");
    const s = await waitForState(page, "s.searchShare !== null");
    // main matches 'i': everything is below it.
    assert.equal(s.searchShare, 1);
    await page.getByTestId("flame-search").fill("io");
    await waitForState(page, "Math.abs(s.searchShare - 2 / 15) < 1e-9");
    assert.equal(await page.getByTestId("flame-search-share").textContent(), "13.3% of total match");
    await page.getByTestId("flame-top-table").getByText("leaf", { exact: true }).click();
    await waitForState(page, "Math.abs(s.searchShare - 4 / 15) < 1e-9");
    assert.equal(await page.getByTestId("flame-search").inputValue(), "leaf");
    assert.match(page.url(), /search=leaf/);
  });

  it("the table sorts by self or total and counts recursion once", async () => {
    await mountStatic();
    const table = page.getByTestId("flame-top-table");
    await table.getByText("rec", { exact: true }).waitFor();
    const firstName = () => table.locator("tbody tr").first().locator("td").first().textContent();
    assert.equal(await firstName(), "work");
    await table.getByRole("button", { name: "total" }).click();
    assert.equal(await firstName(), "main");
    const recTotal = await table.locator("tbody tr", { hasText: /^rec/ }).locator("td").nth(2).textContent();
    assert.equal(recTotal, "26.7%", "4 of 15, not 12 of 15");
  });

  it("sandwich view shows callers and callees of a function", async () => {
    await mountStatic();
    await page.getByTestId("flame-top-table").locator("tbody tr", { hasText: /^leaf/ }).getByTitle("sandwich view").click();
    const s = await waitForState(page, "s.view === 'sandwich'");
    assert.equal(s.sandwich, "leaf");
    assert.equal(await page.getByTestId("flame-sandwich").isVisible(), true);
    assert.equal(await page.getByTestId("flame-canvas").isVisible(), false);
    assert.equal(await page.locator("[data-testid=flame-sandwich] canvas.of-canvas").count(), 2);
    assert.match(page.url(), /view=sandwich&fn=leaf/);
  });

  it("collapse recursion merges direct self-calls", async () => {
    await mountStatic();
    const before = await state(page);
    await page.getByLabel("collapse recursion").check();
    const after = await waitForState(page, "s.collapse === true");
    assert.equal(after.nodeCount, before.nodeCount - 2);
    assert.equal(after.totalValue, before.totalValue);
    assert.ok(await rectOf(page, ["main", "rec", "leaf"]) !== null);
  });

  it("keyboard: arrows select, Enter focuses, / jumps to search", async () => {
    await mountStatic();
    await page.getByTestId("flame-canvas").click({ position: { x: 500, y: 5 }, force: true }).catch(() => undefined);
    await page.keyboard.press("Escape");
    await page.locator(".of-scroll").first().focus();
    await page.keyboard.press("ArrowUp");
    await page.keyboard.press("Enter");
    let s = await waitForState(page, "s.focusPath.length === 1");
    assert.deepEqual(s.focusPath, ["main"]);
    await page.keyboard.press("ArrowUp");
    await page.keyboard.press("ArrowRight");
    await page.keyboard.press("Enter");
    s = await waitForState(page, "s.focusPath.length === 2");
    assert.equal(s.focusPath[0], "main");
    await page.keyboard.press("/");
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute("data-testid")), "flame-search");
  });

  it("imports a profile file through /api/profiles/view, and shows the server's reason when it is not one", async () => {
    await mountStatic();
    const dir = mkdtempSync(path.join(tmpdir(), "flame-import-"));
    const file = path.join(dir, "cpu.pb.gz");
    writeFileSync(file, Buffer.from([1, 2, 3]));
    app.importAnswer = { folded: "imported;main;hot 9" };
    await page.locator("input[type=file]").setInputFiles(file);
    const s = await waitForState(page, "s.totalValue === 9");
    assert.equal(s.mode, "static");
    assert.match(await page.getByTestId("flame-status").textContent() ?? "", /imported cpu\.pb\.gz/);
    assert.ok(app.requests.includes("POST /api/profiles/view"));
    app.importAnswer = { status: 400, message: "not a pprof or OTLP profile" };
    await page.locator("input[type=file]").setInputFiles(file);
    await page.getByTestId("flame-status").filter({ hasText: "not a pprof or OTLP profile" }).waitFor();
    assert.equal((await state(page)).totalValue, 9, "the shown profile stays");
  });

  it("exports the canvas as PNG", async () => {
    await mountStatic();
    const download = page.waitForEvent("download");
    await page.getByRole("button", { name: "PNG" }).click();
    const d = await download;
    assert.equal(d.suggestedFilename(), "flamegraph.png");
    const file = await d.path();
    const { readFileSync } = await import("node:fs");
    assert.deepEqual([...readFileSync(file).subarray(1, 4)], [0x50, 0x4e, 0x47]);
  });

  it("draws at the device pixel ratio", async () => {
    page = await browser.newPage({ viewport: { width: 1100, height: 900 }, deviceScaleFactor: 2 });
    (page as Page & { errors: string[] }).errors = [];
    await page.goto(`${base}/page`);
    await page.evaluate((fb) => {
      (window as unknown as { OdigosFlame: { mountStatic(e: HTMLElement, f: unknown): unknown } }).OdigosFlame.mountStatic(document.getElementById("host")!, fb);
    }, toFlamebearer(fromFolded(FOLDED)));
    await waitForState(page, "s.lastDrawMs > 0");
    const size = await page.getByTestId("flame-canvas").evaluate((c) => [(c as HTMLCanvasElement).width, c.clientWidth]);
    assert.deepEqual(size, [2000, 1000]);
  });
});
