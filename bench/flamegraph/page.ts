// The benchmark page: our renderer and d3-flame-graph render the same synthetic tree in the same browser.
import flamegraph, { tooltip } from "d3-flame-graph";
import { select } from "d3-selection";
import { toFlamebearer } from "../../wwwroot-assets/src/model/flamebearer";
import { FlameTree, ROOT } from "../../wwwroot-assets/src/model/flameTree";
import { mountStatic, type FlameHandle } from "../../wwwroot-assets/src/index";
import { syntheticTree, toD3, type D3Node } from "./synthetic";

const WIDTH = 1200;
const HEIGHT = 720;

/** Resolves after the next frame has been rendered (rAF runs before style, layout and paint; the message after). */
function nextFrame(): Promise<void> {
  return new Promise((resolve) => {
    requestAnimationFrame(() => {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => resolve();
      channel.port2.postMessage(null);
    });
  });
}

interface Prepared {
  tree: FlameTree;
  flamebearer: unknown;
  d3: D3Node;
  zoomPath: string[];
  hoverPaths: string[][];
  depth: number;
}

let prepared: Prepared | null = null;

function container(id: string): HTMLDivElement {
  document.getElementById(id)?.remove();
  const el = document.createElement("div");
  el.id = id;
  el.style.width = `${WIDTH}px`;
  el.style.setProperty("--odigos-flame-height", `${HEIGHT}px`);
  document.body.appendChild(el);
  return el;
}

/** The widest node at depth 2 (zoom target) and a few wide nodes at depth 3 and 4 (hover targets). */
function targets(tree: FlameTree) {
  let zoom = -1;
  const hover: number[] = [];
  for (let n = 1; n < tree.count; n++) {
    if (tree.depth[n] === 2 && (zoom < 0 || tree.total[n] > tree.total[zoom])) zoom = n;
  }
  const candidates = [];
  for (let n = 1; n < tree.count; n++) {
    if ((tree.depth[n] === 3 || tree.depth[n] === 4) && tree.total[n] / tree.total[ROOT] > 0.02) candidates.push(n);
  }
  candidates.sort((a, b) => tree.total[b] - tree.total[a]);
  hover.push(...candidates.slice(0, 6));
  return { zoom, hover };
}

const bench = {
  prepare(nodes: number, seed: number) {
    const tree = syntheticTree(nodes, seed);
    const { zoom, hover } = targets(tree);
    let depth = 0;
    for (let n = 0; n < tree.count; n++) depth = Math.max(depth, tree.depth[n]);
    prepared = {
      tree,
      flamebearer: toFlamebearer(tree),
      d3: toD3(tree),
      zoomPath: tree.pathOf(zoom),
      hoverPaths: hover.map((n) => tree.pathOf(n)),
      depth,
    };
    return { nodes: tree.count, frames: tree.frames.count, depth, zoomPath: prepared.zoomPath.length, hoverTargets: hover.length };
  },

  // ---- ours ----
  handle: null as FlameHandle | null,
  async oursFirstPaint(): Promise<number> {
    bench.handle?.dispose();
    const el = container("ours");
    await nextFrame();
    const t0 = performance.now();
    bench.handle = mountStatic(el, prepared!.flamebearer, { queryState: false });
    await nextFrame();
    return performance.now() - t0;
  },
  async oursZoom(): Promise<number[]> {
    const el = document.getElementById("ours") as HTMLElement & { __odigosFlame: { rectOf(p: string[]): DOMRectLike | null; state(): { focusPath: string[] } } };
    const scroll = el.querySelector(".of-scroll") as HTMLElement;
    const times: number[] = [];
    for (let i = 0; i < 10; i++) {
      const path = i % 2 === 0 ? prepared!.zoomPath : prepared!.zoomPath.slice(0, 1);
      const rect = el.__odigosFlame.rectOf(path);
      if (rect === null) throw new Error(`zoom target ${path.join(";")} not drawn`);
      const t0 = performance.now();
      scroll.dispatchEvent(new MouseEvent("click", { clientX: rect.x + rect.width / 2, clientY: rect.y + rect.height / 2, bubbles: true }));
      await nextFrame();
      times.push(performance.now() - t0);
      if (el.__odigosFlame.state().focusPath.length !== path.length) throw new Error("zoom did not focus the target");
    }
    return times;
  },
  async oursHover(): Promise<number[]> {
    const el = document.getElementById("ours") as HTMLElement & { __odigosFlame: { rectOf(p: string[]): DOMRectLike | null } };
    const scroll = el.querySelector(".of-scroll") as HTMLElement;
    const tip = el.querySelector("[data-testid=flame-tooltip]") as HTMLElement;
    const rects = prepared!.hoverPaths.map((p) => el.__odigosFlame.rectOf(p)).filter((r): r is DOMRectLike => r !== null);
    if (rects.length < 2) throw new Error("hover targets not drawn");
    const times: number[] = [];
    for (let i = 0; i < 20; i++) {
      const r = rects[i % rects.length];
      const t0 = performance.now();
      scroll.dispatchEvent(new MouseEvent("mousemove", { clientX: r.x + r.width / 2, clientY: r.y + r.height / 2, bubbles: true }));
      await nextFrame();
      times.push(performance.now() - t0);
      if (tip.hidden) throw new Error("no tooltip on hover");
    }
    return times;
  },
  oursDispose() {
    bench.handle?.dispose();
    bench.handle = null;
    document.getElementById("ours")?.remove();
  },

  // ---- d3-flame-graph ----
  chart: null as ReturnType<typeof flamegraph> | null,
  async d3FirstPaint(minFrameSize: number): Promise<number> {
    const el = container("d3");
    await nextFrame();
    const t0 = performance.now();
    const chart = flamegraph().width(WIDTH).cellHeight(18).transitionDuration(0).sort(true).minFrameSize(minFrameSize)
      .tooltip(tooltip.defaultFlamegraphTooltip());
    select(el).datum(structuredClone(prepared!.d3)).call(chart);
    await nextFrame();
    await nextFrame();
    bench.chart = chart;
    return performance.now() - t0;
  },
  async d3Zoom(repeat = 1): Promise<number[]> {
    const times: number[] = [];
    const frames = () => select("#d3").selectAll<SVGGElement, { data: { name: string }; depth: number; parent: unknown }>("g.frame");
    const find = (path: string[]) => frames().filter((d) => {
      let n: any = d;
      for (let i = path.length - 1; i >= 0; i--) {
        if (n === null || n.data.name !== path[i]) return false;
        n = n.parent;
      }
      return n !== null && n.parent === null;
    }).node();
    for (let i = 0; i < (repeat > 1 ? 4 : 10); i++) {
      const path = i % 2 === 0 ? prepared!.zoomPath : prepared!.zoomPath.slice(0, 1);
      const g = find(path);
      if (g === null) throw new Error(`d3 zoom target ${path.join(";")} not rendered`);
      const t0 = performance.now();
      g.dispatchEvent(new MouseEvent("click", { bubbles: true }));
      await nextFrame();
      await nextFrame();
      times.push(performance.now() - t0);
    }
    return times;
  },
  async d3Hover(repeat = 1): Promise<number[]> {
    const times: number[] = [];
    const gs = prepared!.hoverPaths.map((p) => [...document.querySelectorAll<SVGGElement>("#d3 g.frame")].find((g) => g.getAttribute("name") === p[p.length - 1])).filter((g): g is SVGGElement => g !== undefined);
    if (gs.length < 2) throw new Error("d3 hover targets not rendered");
    for (let i = 0; i < (repeat > 1 ? 12 : 20); i++) {
      const g = gs[i % gs.length];
      const box = g.getBoundingClientRect();
      const t0 = performance.now();
      g.dispatchEvent(new MouseEvent("mouseover", { bubbles: true, clientX: box.x + 2, clientY: box.y + 2 }));
      await nextFrame();
      times.push(performance.now() - t0);
    }
    return times;
  },
  d3Dispose() {
    bench.chart = null;
    document.getElementById("d3")?.remove();
    document.querySelectorAll(".d3-flame-graph-tip").forEach((e) => e.remove());
  },
};

interface DOMRectLike {
  x: number;
  y: number;
  width: number;
  height: number;
}

(window as unknown as { bench: typeof bench }).bench = bench;
(window as unknown as Record<string, unknown>).OdigosFlameMountStatic = mountStatic;
(bench as unknown as Record<string, unknown>).fb = () => prepared!.flamebearer;
(bench as unknown as Record<string, unknown>).zoomPathForDebug = () => prepared!.zoomPath;
