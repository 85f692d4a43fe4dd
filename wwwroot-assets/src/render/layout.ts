import { FlameTree, ROOT } from "../model/flameTree";

export const RECT_NODE = 0;
/** Adjacent bars each narrower than the minimum width, drawn as one grey bar without a label. */
export const RECT_MERGED = 1;
/** An ancestor of the focused node, drawn full width. */
export const RECT_ANCESTOR = 2;

/**
 * Bars of one view, grouped by row (row = depth in the tree) and ordered by x within a row. x and width are in CSS
 * pixels of a view `width` wide. Only bars at least `minWidth` wide are laid out, so the cost follows what is
 * visible, not the size of the tree.
 */
export class Layout {
  node = new Int32Array(256);
  x = new Float64Array(256);
  width = new Float64Array(256);
  type = new Uint8Array(256);
  rowStart: number[] = [0];
  count = 0;
  viewWidth = 0;

  get rows(): number {
    return this.rowStart.length - 1;
  }

  reset(viewWidth: number): void {
    this.count = 0;
    this.rowStart = [0];
    this.viewWidth = viewWidth;
  }

  push(node: number, x: number, width: number, type: number): void {
    if (this.count === this.node.length) {
      const capacity = this.count * 2;
      this.node = grow(this.node, new Int32Array(capacity));
      this.x = grow(this.x, new Float64Array(capacity));
      this.width = grow(this.width, new Float64Array(capacity));
      this.type = grow(this.type, new Uint8Array(capacity));
    }
    this.node[this.count] = node;
    this.x[this.count] = x;
    this.width[this.count] = width;
    this.type[this.count] = type;
    this.count++;
  }

  endRow(): void {
    this.rowStart.push(this.count);
  }

  /** Index of the bar in `row` under x, or -1. */
  hit(row: number, x: number): number {
    if (row < 0 || row >= this.rows) {
      return -1;
    }
    let lo = this.rowStart[row];
    let hi = this.rowStart[row + 1] - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (x < this.x[mid]) {
        hi = mid - 1;
      } else if (x >= this.x[mid] + this.width[mid]) {
        lo = mid + 1;
      } else {
        return mid;
      }
    }
    return -1;
  }

  /** Index of the bar for a node, or -1 when it is not laid out (too narrow, or outside the focus). */
  indexOf(node: number, row: number): number {
    if (row < 0 || row >= this.rows) {
      return -1;
    }
    for (let i = this.rowStart[row]; i < this.rowStart[row + 1]; i++) {
      if (this.node[i] === node && this.type[i] !== RECT_MERGED) {
        return i;
      }
    }
    return -1;
  }
}

function grow<T extends Int32Array | Float64Array | Uint8Array>(from: T, to: T): T {
  to.set(from);
  return to;
}

/**
 * Lays out the subtree of `focus` across the full width, its ancestors above it at full width. Children sit left to
 * right in label order from their parent's left edge (the parent's self value is the gap on the right).
 */
export function layoutTree(tree: FlameTree, focus: number, viewWidth: number, minWidth = 0.5, into = new Layout()): Layout {
  tree.ensureTotals();
  into.reset(viewWidth);
  const ancestors: number[] = [];
  for (let n = tree.parent[focus]; n >= 0; n = tree.parent[n]) {
    ancestors.push(n);
  }
  for (let i = ancestors.length - 1; i >= 0; i--) {
    into.push(ancestors[i], 0, viewWidth, RECT_ANCESTOR);
    into.endRow();
  }
  const focusTotal = tree.total[focus];
  if (focusTotal <= 0 && focus !== ROOT) {
    into.push(focus, 0, viewWidth, RECT_NODE);
    into.endRow();
    return into;
  }
  const scale = focusTotal > 0 ? viewWidth / focusTotal : 0;
  into.push(focus, 0, viewWidth, RECT_NODE);
  into.endRow();
  const total = tree.total;
  let rowBegin = into.count - 1;
  let rowEnd = into.count;
  while (rowBegin < rowEnd) {
    for (let i = rowBegin; i < rowEnd; i++) {
      if (into.type[i] !== RECT_NODE) {
        continue;
      }
      let x = into.x[i];
      let runStart = -1;
      let runNode = -1;
      for (const child of tree.children(into.node[i])) {
        const w = total[child] * scale;
        if (w <= 0) {
          continue;
        }
        if (w >= minWidth) {
          if (runStart >= 0 && x - runStart >= minWidth) {
            into.push(runNode, runStart, x - runStart, RECT_MERGED);
          }
          runStart = -1;
          into.push(child, x, w, RECT_NODE);
        } else if (runStart < 0) {
          runStart = x;
          runNode = child;
        }
        x += w;
      }
      if (runStart >= 0 && x - runStart >= minWidth) {
        into.push(runNode, runStart, x - runStart, RECT_MERGED);
      }
    }
    rowBegin = rowEnd;
    rowEnd = into.count;
    if (rowEnd > rowBegin) {
      into.endRow();
    }
  }
  return into;
}
