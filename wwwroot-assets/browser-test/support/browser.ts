import { existsSync } from "node:fs";
import path from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import type { FlameState } from "../../src/ui/flameView";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const BUNDLE = path.resolve(process.cwd(), "src/OdigosUi/wwwroot/js/odigos-flame.js");

export async function launch(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (or set CHROMIUM_PATH)`);
  }
  if (!existsSync(BUNDLE)) {
    throw new Error(`${BUNDLE} is missing: npm run build`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
}

export async function openPage(browser: Browser, base: string, query = ""): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  (page as Page & { errors: string[] }).errors = errors;
  await page.goto(`${base}/page${query}`);
  return page;
}

export function pageErrors(page: Page): string[] {
  return (page as Page & { errors: string[] }).errors;
}

export async function state(page: Page): Promise<FlameState> {
  return page.evaluate(() => (document.getElementById("host") as unknown as { __odigosFlame: { state(): FlameState } }).__odigosFlame.state());
}

/** Waits until the view's state satisfies `predicate` (a function body over `s`, run in the page). */
export async function waitForState(page: Page, predicate: string, timeout = 20_000): Promise<FlameState> {
  await page.waitForFunction(
    (body) => {
      const hook = (document.getElementById("host") as unknown as { __odigosFlame?: { state(): unknown } }).__odigosFlame;
      return hook !== undefined && new Function("s", `return ${body};`)(hook.state());
    },
    predicate,
    { timeout },
  ).catch(async (e: Error) => {
    throw new Error(`${e.message}\nwaiting for ${predicate}\nstate: ${JSON.stringify(await state(page).catch(() => null))}`);
  });
  return state(page);
}

export async function rectOf(page: Page, framePath: string[]) {
  return page.evaluate(
    (p) => (document.getElementById("host") as unknown as { __odigosFlame: { rectOf(p: string[]): { x: number; y: number; width: number; height: number } | null } }).__odigosFlame.rectOf(p),
    framePath,
  );
}

export async function clickFrame(page: Page, framePath: string[]): Promise<void> {
  const r = await rectOf(page, framePath);
  if (r === null) {
    throw new Error(`frame ${framePath.join(";")} is not drawn`);
  }
  await page.mouse.click(r.x + r.width / 2, r.y + r.height / 2);
}

export async function hoverFrame(page: Page, framePath: string[]): Promise<void> {
  const r = await rectOf(page, framePath);
  if (r === null) {
    throw new Error(`frame ${framePath.join(";")} is not drawn`);
  }
  await page.mouse.move(r.x + r.width / 2, r.y + r.height / 2);
}

export async function waitUntil(check: () => boolean, what: string, timeout = 20_000): Promise<void> {
  const end = Date.now() + timeout;
  while (!check()) {
    if (Date.now() > end) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}
