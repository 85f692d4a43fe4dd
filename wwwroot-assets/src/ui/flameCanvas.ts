import { FlameTree, ROOT } from "../model/flameTree";
import { Geometry, type Orientation } from "../render/geometry";
import { Layout, layoutTree, RECT_MERGED } from "../render/layout";
import { DIMMED_COLOR } from "../render/palette";
import { drawOutline, FlameRenderer, type Canvas2D } from "../render/renderer";
import { h } from "./dom";

export const ROW_HEIGHT = 18;

export interface FlameCanvasEvents {
  onFocus(node: number): void;
  onHover(node: number, clientX: number, clientY: number): void;
  onSelect?(node: number): void;
}

/**
 * One flame graph on a canvas the size of its scroll viewport: layout on tree or focus changes, redraw of the visible
 * rows on scroll, hover and selection, hit testing for the mouse, keyboard and tests.
 */
export class FlameCanvas {
  readonly element: HTMLDivElement;
  readonly canvas: HTMLCanvasElement;
  /** Hover and selection outlines, so moving the mouse never redraws the graph. */
  private readonly overlay: HTMLCanvasElement;
  private readonly overlayCtx: Canvas2D;
  private readonly spacer: HTMLDivElement;
  private readonly renderer: FlameRenderer;
  private overlayFrame = 0;
  private readonly layout = new Layout();
  private geometry = new Geometry(0, ROW_HEIGHT, "flame", 0);
  private tree = new FlameTree();
  private layoutStale = true;
  private frame = 0;
  private resizeObserver: ResizeObserver | null = null;
  private width = 0;
  private height = 0;
  private scrolledOnce = false;
  private afterDraw: Array<() => void> = [];
  focus = ROOT;
  selected = -1;
  hovered = -1;
  colorOf: (node: number) => string = () => "#77AADD";
  isDimmed: ((node: number) => boolean) | null = null;
  lastDrawMs = 0;
  lastLayoutMs = 0;
  drawnBars = 0;

  constructor(private orientation: Orientation, private readonly events: FlameCanvasEvents, testId?: string) {
    this.canvas = h("canvas", testId !== undefined ? { testId, className: "of-canvas" } : { className: "of-canvas" });
    this.overlay = h("canvas", { className: "of-overlay" });
    this.spacer = h("div", { className: "of-spacer" });
    this.element = h("div", { className: "of-scroll", attrs: { tabindex: "0", role: "application", "aria-label": "flame graph" } },
      h("div", { className: "of-stage" }, this.canvas, this.overlay), this.spacer);
    const ctx = this.canvas.getContext("2d");
    const overlayCtx = this.overlay.getContext("2d");
    if (ctx === null || overlayCtx === null) {
      throw new Error("canvas 2D context unavailable");
    }
    this.renderer = new FlameRenderer(ctx as unknown as Canvas2D);
    this.overlayCtx = overlayCtx as unknown as Canvas2D;
    this.element.addEventListener("scroll", () => this.requestDraw());
    this.element.addEventListener("mousemove", (e) => this.hover(e.clientX, e.clientY));
    this.element.addEventListener("mouseleave", () => this.hover(-1, -1));
    this.element.addEventListener("click", (e) => {
      const node = this.frameAt(e.clientX, e.clientY);
      if (node >= 0) {
        this.selected = node;
        this.events.onFocus(node);
      }
    });
    this.element.addEventListener("keydown", (e) => this.key(e));
    if (typeof ResizeObserver !== "undefined") {
      this.resizeObserver = new ResizeObserver(() => {
        if (this.element.clientWidth !== this.width || this.element.clientHeight !== this.height) {
          this.invalidate();
        }
      });
      this.resizeObserver.observe(this.element);
    }
  }

  get currentTree(): FlameTree {
    return this.tree;
  }

  setTree(tree: FlameTree, focus: number): void {
    if (focus !== this.focus) {
      this.scrolledOnce = false;
    }
    this.tree = tree;
    this.focus = focus;
    if (this.selected >= tree.count) {
      this.selected = -1;
    }
    this.hovered = -1;
    this.invalidate();
  }

  setFocus(node: number): void {
    if (node !== this.focus) {
      this.focus = node;
      this.scrolledOnce = false;
      this.invalidate();
    }
  }

  setOrientation(orientation: Orientation): void {
    if (orientation !== this.orientation) {
      this.orientation = orientation;
      this.scrolledOnce = false;
      this.invalidate();
    }
  }

  /** New layout on the next frame (tree, focus, size or colours changed). */
  invalidate(): void {
    this.layoutStale = true;
    this.requestDraw();
  }

  requestDraw(): void {
    if (this.frame === 0) {
      this.frame = requestAnimationFrame(() => {
        this.frame = 0;
        this.drawNow();
      });
    }
  }

  /** Runs `callback` after the next draw (used to acknowledge live updates once they are on screen). */
  whenDrawn(callback: () => void): void {
    this.afterDraw.push(callback);
    this.requestDraw();
  }

  drawNow(): void {
    const start = performance.now();
    const width = this.element.clientWidth;
    const height = this.element.clientHeight;
    if (width !== this.width || height !== this.height) {
      this.width = width;
      this.height = height;
      this.layoutStale = true;
    }
    const dpr = window.devicePixelRatio || 1;
    const pixelWidth = Math.round(width * dpr);
    const pixelHeight = Math.round(height * dpr);
    if (this.canvas.width !== pixelWidth || this.canvas.height !== pixelHeight) {
      for (const c of [this.canvas, this.overlay]) {
        c.width = pixelWidth;
        c.height = pixelHeight;
        c.style.width = `${width}px`;
        c.style.height = `${height}px`;
      }
      (this.canvas.parentElement as HTMLElement).style.height = `${height}px`;
    }
    if (this.layoutStale) {
      layoutTree(this.tree, this.focus, width, 0.5, this.layout);
      this.geometry = new Geometry(this.layout.rows, ROW_HEIGHT, this.orientation, height);
      this.spacer.style.height = `${Math.max(0, this.geometry.contentHeight - height)}px`;
      this.layoutStale = false;
      this.lastLayoutMs = performance.now() - start;
      if (!this.scrolledOnce && this.orientation === "flame") {
        this.element.scrollTop = this.geometry.contentHeight;
      }
      this.scrolledOnce = true;
    }
    this.drawnBars = this.renderer.draw(this.layout, this.tree, this.geometry, this.element.scrollTop, width, dpr, {
      colorOf: this.colorOf,
      isDimmed: this.isDimmed,
      dimmedColor: DIMMED_COLOR,
    });
    this.drawOverlay();
    this.lastDrawMs = performance.now() - start;
    const callbacks = this.afterDraw;
    this.afterDraw = [];
    callbacks.forEach((c) => c());
  }

  /** Redraws only the outlines (hover, selection). */
  requestOverlay(): void {
    if (this.frame === 0 && this.overlayFrame === 0) {
      this.overlayFrame = requestAnimationFrame(() => {
        this.overlayFrame = 0;
        this.drawOverlay();
      });
    }
  }

  private drawOverlay(): void {
    const ctx = this.overlayCtx;
    const dpr = this.canvas.width / Math.max(1, this.width);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, this.width, this.height);
    for (const [node, selected] of [[this.hovered, false], [this.selected, true]] as const) {
      if (node < 0 || node >= this.tree.count) {
        continue;
      }
      const row = this.tree.depth[node];
      const index = this.layout.indexOf(node, row);
      if (index >= 0) {
        const y = this.geometry.rowTop(row) - this.element.scrollTop;
        drawOutline(ctx, this.layout.x[index], y, this.layout.width[index], ROW_HEIGHT - 1, selected);
      }
    }
  }

  /** The node under a point in client (viewport) coordinates, or -1. */
  frameAt(clientX: number, clientY: number): number {
    const index = this.indexAt(clientX, clientY);
    return index >= 0 && this.layout.type[index] !== RECT_MERGED ? this.layout.node[index] : -1;
  }

  /** The bar of a node in client coordinates, scrolled into view first; null when it is not laid out. */
  rectOf(node: number): { x: number; y: number; width: number; height: number } | null {
    if (this.layoutStale) {
      this.drawNow();
    }
    if (node < 0 || node >= this.tree.count) {
      return null;
    }
    this.reveal(node);
    const row = this.tree.depth[node];
    const index = this.layout.indexOf(node, row);
    if (index < 0) {
      return null;
    }
    const box = this.canvas.getBoundingClientRect();
    const top = this.geometry.rowTop(row) - this.element.scrollTop;
    if (top + ROW_HEIGHT <= 0 || top >= this.height) {
      return null;
    }
    return { x: box.left + this.layout.x[index], y: box.top + top, width: this.layout.width[index], height: ROW_HEIGHT - 1 };
  }

  /** Scrolls so the node's row is visible. */
  reveal(node: number): void {
    if (node < 0 || node >= this.tree.count) {
      return;
    }
    const top = this.geometry.rowTop(this.tree.depth[node]);
    if (top < this.element.scrollTop || top + ROW_HEIGHT > this.element.scrollTop + this.height) {
      this.element.scrollTop = Math.max(0, top - this.height / 2);
    }
  }

  dispose(): void {
    if (this.frame !== 0) {
      cancelAnimationFrame(this.frame);
    }
    if (this.overlayFrame !== 0) {
      cancelAnimationFrame(this.overlayFrame);
    }
    this.resizeObserver?.disconnect();
    this.element.remove();
  }

  private indexAt(clientX: number, clientY: number): number {
    const box = this.canvas.getBoundingClientRect();
    const x = clientX - box.left;
    const y = clientY - box.top + this.element.scrollTop;
    if (x < 0 || x >= this.width || clientY < box.top || clientY >= box.top + this.height) {
      return -1;
    }
    return this.layout.hit(this.geometry.rowAt(y), x);
  }

  private hover(clientX: number, clientY: number): void {
    const node = clientX < 0 ? -1 : this.frameAt(clientX, clientY);
    if (node !== this.hovered) {
      this.hovered = node;
      this.requestOverlay();
    }
    this.events.onHover(node, clientX, clientY);
  }

  private key(e: KeyboardEvent): void {
    const current = this.selected >= 0 ? this.selected : this.focus;
    let next = -1;
    const towardLeaves = this.orientation === "flame" ? "ArrowUp" : "ArrowDown";
    const towardRoot = this.orientation === "flame" ? "ArrowDown" : "ArrowUp";
    switch (e.key) {
      case towardLeaves:
        next = this.firstLaidOutChild(current);
        break;
      case towardRoot:
        next = current > ROOT ? this.tree.parent[current] : -1;
        break;
      case "ArrowLeft":
        next = this.neighbour(current, -1);
        break;
      case "ArrowRight":
        next = this.neighbour(current, 1);
        break;
      case "Enter":
        if (this.selected >= 0) {
          this.events.onFocus(this.selected);
        }
        e.preventDefault();
        return;
      default:
        return;
    }
    e.preventDefault();
    if (next >= 0) {
      this.selected = next;
      this.reveal(next);
      this.events.onSelect?.(next);
      this.requestOverlay();
    }
  }

  private firstLaidOutChild(node: number): number {
    const row = this.tree.depth[node] + 1;
    if (row >= this.layout.rows) {
      return -1;
    }
    let widest = -1;
    let widestWidth = 0;
    for (let i = this.layout.rowStart[row]; i < this.layout.rowStart[row + 1]; i++) {
      const n = this.layout.node[i];
      if (this.layout.type[i] !== RECT_MERGED && this.tree.parent[n] === node && this.layout.width[i] > widestWidth) {
        widest = n;
        widestWidth = this.layout.width[i];
      }
    }
    return widest;
  }

  private neighbour(node: number, step: number): number {
    const row = this.tree.depth[node];
    const index = this.layout.indexOf(node, row);
    if (index < 0) {
      return -1;
    }
    for (let i = index + step; i >= this.layout.rowStart[row] && i < this.layout.rowStart[row + 1]; i += step) {
      if (this.layout.type[i] !== RECT_MERGED) {
        return this.layout.node[i];
      }
    }
    return -1;
  }
}
