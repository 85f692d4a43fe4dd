import type { FlameTree } from "../model/flameTree";
import { Geometry } from "./geometry";
import { Layout, RECT_ANCESTOR, RECT_MERGED } from "./layout";
import { ANCESTOR_ALPHA, MERGED_COLOR } from "./palette";
import { TextFitter } from "./textFitter";

/** The parts of a 2D context the renderer uses, so tests can record the calls. */
export interface Canvas2D {
  font: string;
  fillStyle: string | CanvasGradient | CanvasPattern;
  strokeStyle: string | CanvasGradient | CanvasPattern;
  lineWidth: number;
  globalAlpha: number;
  textBaseline: CanvasTextBaseline;
  setTransform(a: number, b: number, c: number, d: number, e: number, f: number): void;
  clearRect(x: number, y: number, w: number, h: number): void;
  fillRect(x: number, y: number, w: number, h: number): void;
  beginPath(): void;
  rect(x: number, y: number, w: number, h: number): void;
  fill(): void;
  strokeRect(x: number, y: number, w: number, h: number): void;
  fillText(text: string, x: number, y: number): void;
  measureText(text: string): { width: number };
}

export interface DrawStyle {
  colorOf(node: number): string;
  /** Search dims non-matching bars; null when there is no search. */
  isDimmed: ((node: number) => boolean) | null;
  dimmedColor: string;
}

export const FONT = "12px system-ui, -apple-system, 'Segoe UI', sans-serif";
const LABEL_PADDING = 3;
const MIN_LABEL_WIDTH = 16;

/** Draws a layout's visible rows into a canvas the size of the viewport. */
export class FlameRenderer {
  readonly fitter: TextFitter;

  constructor(private readonly ctx: Canvas2D) {
    this.fitter = new TextFitter(ctx);
    this.fitter.setFont(FONT);
  }

  /** Returns how many bars were drawn. */
  draw(layout: Layout, tree: FlameTree, geometry: Geometry, scrollTop: number, width: number, dpr: number, style: DrawStyle): number {
    const ctx = this.ctx;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, geometry.viewportHeight);
    ctx.font = FONT;
    ctx.textBaseline = "middle";
    const rowHeight = geometry.rowHeight;
    const barHeight = rowHeight - 1;
    const [firstRow, lastRow] = geometry.visibleRows(scrollTop);
    // Bars are batched into one path per colour (ancestors separately, they are translucent): setting a fill style
    // parses a colour, so it is done once per colour instead of once per bar. Labels follow in two batches.
    const batches = new Map<string, number[]>();
    const labels: Array<[string, number, number]> = [];
    const dimmedLabels: Array<[string, number, number]> = [];
    let drawn = 0;
    for (let row = firstRow; row <= lastRow; row++) {
      const y = geometry.rowTop(row) - scrollTop;
      for (let i = layout.rowStart[row]; i < layout.rowStart[row + 1]; i++) {
        const node = layout.node[i];
        const type = layout.type[i];
        const x = layout.x[i];
        const w = layout.width[i];
        const dimmed = type !== RECT_MERGED && style.isDimmed !== null && style.isDimmed(node);
        const color = type === RECT_MERGED ? MERGED_COLOR : dimmed ? style.dimmedColor : style.colorOf(node);
        const key = type === RECT_ANCESTOR ? `a${color}` : color;
        let batch = batches.get(key);
        if (batch === undefined) {
          batch = [];
          batches.set(key, batch);
        }
        batch.push(x, y, w > 2 ? w - 0.5 : w);
        drawn++;
        if (type !== RECT_MERGED && w >= MIN_LABEL_WIDTH) {
          const text = this.fitter.fit(tree.label(node), w - 2 * LABEL_PADDING);
          if (text !== null) {
            (dimmed ? dimmedLabels : labels).push([text, x + LABEL_PADDING, y + barHeight / 2]);
          }
        }
      }
    }
    for (const [key, batch] of batches) {
      const ancestor = key.charCodeAt(0) === 97; // "a": translucent ancestor bars
      ctx.globalAlpha = ancestor ? ANCESTOR_ALPHA : 1;
      ctx.fillStyle = ancestor ? key.slice(1) : key;
      ctx.beginPath();
      for (let b = 0; b < batch.length; b += 3) {
        ctx.rect(batch[b], batch[b + 1], batch[b + 2], barHeight);
      }
      ctx.fill();
    }
    ctx.globalAlpha = 1;
    for (const [color, list] of [["#1a1a1a", labels], ["#999999", dimmedLabels]] as const) {
      ctx.fillStyle = color;
      for (const [text, x, y] of list) {
        ctx.fillText(text, x, y);
      }
    }
    ctx.globalAlpha = 1;
    return drawn;
  }
}

/** Outlines on the overlay canvas: hover thin grey, keyboard selection thick black. */
export function drawOutline(ctx: Canvas2D, x: number, y: number, w: number, h: number, selected: boolean): void {
  ctx.strokeStyle = selected ? "#000000" : "#444444";
  ctx.lineWidth = selected ? 2 : 1;
  const inset = selected ? 1 : 0.5;
  ctx.strokeRect(x + inset, y + inset, Math.max(0, w - 2 * inset), h - 2 * inset);
}
