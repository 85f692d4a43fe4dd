import assert from "node:assert/strict";
import { after, afterEach, before, beforeEach, describe, it } from "node:test";
import type { Browser, Page } from "playwright-core";
import { FakeApp } from "./support/fakeHub";
import { BUNDLE, clickFrame, launch, openPage, pageErrors, rectOf, state, waitForState, waitUntil } from "./support/browser";
import { stacks } from "../test/support/fakeServer";

const SOURCE = "shop/Deployment/checkout";

describe("live flame graph over the hub (MessagePack, Watch/Ack/Unwatch)", () => {
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

  async function mount(query = ""): Promise<void> {
    page = await openPage(browser, base, query);
    await page.evaluate((source) => {
      (window as unknown as { handle: unknown }).handle = (window as unknown as { OdigosFlame: { mount(e: HTMLElement, o: object): unknown } })
        .OdigosFlame.mount(document.getElementById("host")!, { source, hubUrl: "/hubs/profiles", apiBase: "" });
    }, SOURCE);
  }

  it("watches the Source, applies snapshots and deltas, and acknowledges each applied update", async () => {
    await mount();
    const hub = await app.nextConnection(1);
    await waitUntil(() => hub.watches.length === 1, "Watch");
    assert.deepEqual(hub.watches[0], { source: SOURCE, profileType: null, windowSeconds: 0 });
    hub.publish(stacks("main;run;work 5\nmain;run;io 2"));
    let s = await waitForState(page, "s.totalValue === 7");
    assert.equal(s.nodeCount, 5);
    assert.equal(s.connected, true);
    assert.equal(hub.sent[0].reset, true, "the first update after Watch is a reset");
    const snapshot = hub.sent[hub.sent.length - 1];
    await waitUntil(() => hub.acks.includes(snapshot.seq), "Ack of the snapshot");
    hub.publish(stacks("main;run;work 3\nmain;run;io 2\nmain;gc 4"));
    s = await waitForState(page, "s.totalValue === 9");
    const delta = hub.sent[hub.sent.length - 1];
    assert.equal(s.seq, delta.seq);
    assert.equal(delta.reset, false);
    assert.deepEqual(Array.from(delta.selfDeltas).sort(), [-2, 4]);
    await waitUntil(() => hub.acks.includes(delta.seq), "Ack of the delta");
    assert.match(await page.getByTestId("flame-status").textContent() ?? "", /9 samples/);
  });

  it("keeps the focused frame across updates by its path", async () => {
    await mount();
    const hub = await app.nextConnection(1);
    hub.publish(stacks("main;run;work 5\nmain;run;io 2\nmain;idle 3"));
    await waitForState(page, "s.totalValue === 10");
    await clickFrame(page, ["main", "run"]);
    let s = await waitForState(page, "s.focusPath.length === 2");
    assert.deepEqual(s.focusPath, ["main", "run"]);
    assert.match(await page.getByTestId("flame-breadcrumb").textContent() ?? "", /total.*main.*run/);
    assert.match(page.url(), /focus=main&focus=run/);
    hub.publish(stacks("main;run;work 8\nmain;run;io 2\nmain;idle 3\nmain;aaa;b 50"));
    s = await waitForState(page, "s.totalValue === 63");
    assert.deepEqual(s.focusPath, ["main", "run"]);
    const focused = await rectOf(page, ["main", "run"]);
    const child = await rectOf(page, ["main", "run", "work"]);
    assert.ok(focused !== null && child !== null);
    assert.ok(Math.abs(focused.width - 1000) < 2, "the focused frame spans the view");
    assert.ok(Math.abs(child.width - 800) < 2, "work is 8 of run's 10");
  });

  it("pausing stops acknowledging and applying; resuming applies what arrived and acknowledges it", async () => {
    await mount();
    const hub = await app.nextConnection(1);
    hub.publish(stacks("a;b 1"));
    await waitForState(page, "s.totalValue === 1");
    await waitUntil(() => hub.acks.length === 1, "first Ack");
    await page.getByTestId("flame-pause").click();
    await waitForState(page, "s.paused === true");
    hub.publish(stacks("a;b 1\na;c 5"));
    await waitUntil(() => hub.sent.length === 2, "second update sent");
    hub.publish(stacks("a;b 1\na;c 5\na;d 7"));
    await new Promise((r) => setTimeout(r, 400));
    assert.equal((await state(page)).totalValue, 1, "nothing applied while paused");
    assert.equal(hub.acks.length, 1, "nothing acknowledged while paused");
    assert.equal(hub.sent.length, 2, "the server holds later changes back");
    await page.getByTestId("flame-pause").click();
    await waitForState(page, "s.totalValue === 13 && s.paused === false");
    await waitUntil(() => hub.acks.includes(hub.sent[2]?.seq ?? -1), "merged update acknowledged");
    assert.equal(hub.sent.length, 3, "one merged update after resuming");
  });

  it("the window and type pickers call Watch again and the reset replaces the data", async () => {
    await mount();
    const hub = await app.nextConnection(1);
    hub.types = ["samples:count:cpu:nanoseconds", "alloc_space:bytes:space:bytes"];
    hub.publish(stacks("x;y 4"));
    await waitForState(page, "s.availableTypes.length === 2");
    await page.getByTestId("flame-window").selectOption("60");
    await waitUntil(() => hub.watches.length === 2, "Watch with a window");
    assert.equal(hub.watches[1].windowSeconds, 60);
    await page.getByTestId("flame-type").selectOption("alloc_space:bytes:space:bytes");
    await waitUntil(() => hub.watches.length === 3, "Watch with a type");
    assert.deepEqual(hub.watches[2], { source: SOURCE, profileType: "alloc_space:bytes:space:bytes", windowSeconds: 60 });
    hub.publish(stacks("p;q 2"));
    await waitForState(page, "s.totalValue === 2");
    assert.equal(hub.sent.filter((u) => u.reset).length, 3, "a reset after every Watch");
    assert.match(page.url(), /window=60/);
  });

  it("reconnects after the connection drops and watches again", async () => {
    await mount();
    const first = await app.nextConnection(1);
    first.publish(stacks("a;b 3"));
    await waitForState(page, "s.totalValue === 3");
    first.drop();
    const second = await app.nextConnection(2);
    await waitUntil(() => second.watches.length === 1, "Watch after reconnect");
    second.publish(stacks("a;b 3\na;c 1"));
    const s = await waitForState(page, "s.totalValue === 4 && s.connected");
    assert.equal(s.nodeCount, 4);
    assert.equal(second.sent[0].reset, true);
  });

  it("an update that does not fit what the browser has leads to a new Watch and a reset", async () => {
    await mount();
    const hub = await app.nextConnection(1);
    hub.publish(stacks("a;b 3"));
    await waitForState(page, "s.totalValue === 3");
    await waitUntil(() => hub.acks.length === 1, "Ack");
    const bad = { ...hub.sent[0], seq: 99, reset: false, frameStart: 40, frameLabels: ["zzz"], frameKinds: [""], nodeParents: [], nodeFrames: [], changedNodes: [], selfDeltas: [] };
    hub.sendRaw(bad);
    await waitUntil(() => hub.watches.length === 2, "Watch after a bad update");
    assert.ok(hub.acks.includes(99), "the bad update is acknowledged so the server is not stuck");
    const s = await waitForState(page, "s.totalValue === 3 && s.frameCount === 2");
    assert.equal(s.nodeCount, 3);
  });

  it("shows why a Source cannot be watched", async () => {
    page = await openPage(browser, base);
    app.connections.length = 0;
    const pending = app.nextConnection(1).then((c) => {
      c.watchResult = [false, "profiling is disabled"];
    });
    await page.evaluate((source) => {
      (window as unknown as { OdigosFlame: { mount(e: HTMLElement, o: object): unknown } }).OdigosFlame.mount(document.getElementById("host")!, { source });
    }, SOURCE);
    await pending;
    await page.getByTestId("flame-status").filter({ hasText: "profiling is disabled" }).waitFor();
  });

  it("diffs two windows through the REST flamebearer endpoint", async () => {
    app.windows.set("5m", "main;a 6\nmain;b 4");
    app.windows.set("1m", "main;a 2\nmain;b 2\nmain;c 4");
    await mount();
    const hub = await app.nextConnection(1);
    hub.publish(stacks("main;a 1"));
    await waitForState(page, "s.totalValue === 1");
    await page.getByRole("button", { name: "Compare" }).click();
    const s = await waitForState(page, "s.mode === 'diff'");
    assert.equal(s.totalValue, 18);
    assert.ok(app.requests.some((r) => r.startsWith("GET /api/profiling/shop/Deployment/checkout/flamegraph?format=flamebearer&window=5m")));
    await page.mouse.move(0, 0);
    const r = await rectOf(page, ["main", "c"]);
    assert.ok(r !== null);
    await page.mouse.move(r.x + r.width / 2, r.y + r.height / 2);
    const tip = await page.getByTestId("flame-tooltip").textContent();
    assert.match(tip ?? "", /baseline.*0 samples/);
    assert.match(tip ?? "", /change\+50\.00 points/);
    await page.getByRole("button", { name: "Back to live" }).click();
    await waitForState(page, "s.mode === 'live' && s.totalValue === 1");
  });

  it("exports point at the REST URLs for the current type and window", async () => {
    await mount("?window=300");
    const hrefs = await page.locator(".of-exports a").evaluateAll((as) => as.map((a) => a.getAttribute("href")));
    assert.deepEqual(hrefs, ["pprof", "flamebearer", "folded"].map((f) => `/api/profiling/shop/Deployment/checkout/flamegraph?format=${f}&window=5m`));
    const hub = await app.nextConnection(1);
    await waitUntil(() => hub.watches.length === 1, "Watch");
    assert.equal(hub.watches[0].windowSeconds, 300, "the window comes back from the query string");
  });

  it("disposing the handle unwatches and closes the connection", async () => {
    await mount();
    const hub = await app.nextConnection(1);
    hub.publish(stacks("a 1"));
    await waitForState(page, "s.totalValue === 1");
    await page.evaluate(() => (window as unknown as { handle: { dispose(): void } }).handle.dispose());
    assert.equal(await page.locator(".of-root").count(), 0);
    await waitUntil(() => (hub as unknown as { socket: { readyState: number } }).socket.readyState >= 2, "socket closed");
  });
});
