import { FrameTable } from "./frameTable";

export const ROOT = 0;
export const ROOT_LABEL = "total";

/**
 * A call tree in parallel typed arrays. Node 0 is the root; a node's parent always has a lower id, so a reverse
 * scan computes totals. Children are kept as singly linked lists; their label order is computed on demand per node
 * and cached until that node gets a new child.
 */
export class FlameTree {
  readonly frames: FrameTable;
  parent = new Int32Array(16);
  frame = new Int32Array(16);
  depth = new Int32Array(16);
  self = new Float64Array(16);
  total = new Float64Array(16);
  private firstChild = new Int32Array(16);
  private nextSibling = new Int32Array(16);
  private childCount = new Int32Array(16);
  private sorted = new Map<number, Int32Array>();
  private totalsStale = false;
  private size = 0;

  /** A derived tree may pass a copy of another tree's frames; the root is created, the frames are kept. */
  constructor(frames: FrameTable = new FrameTable()) {
    this.frames = frames;
    this.append(-1, -1);
  }

  get count(): number {
    return this.size;
  }

  clear(): void {
    this.size = 0;
    this.sorted.clear();
    this.totalsStale = false;
    this.frames.clear();
    this.append(-1, -1);
  }

  addNode(parent: number, frame: number): number {
    if (parent < 0 || parent >= this.size) {
      throw new RangeError(`parent ${parent} does not exist`);
    }
    return this.append(parent, frame);
  }

  /** Adds to a node's self value; totals follow along the ancestor path, or are recomputed later when marked stale. */
  addSelf(node: number, delta: number): void {
    this.self[node] += delta;
    if (this.totalsStale) {
      return;
    }
    for (let n = node; n >= 0; n = this.parent[n]) {
      this.total[n] += delta;
    }
  }

  /** For bulk changes: self values change without walking ancestors; totals are rebuilt on next access. */
  addSelfDeferred(node: number, delta: number): void {
    this.self[node] += delta;
    this.totalsStale = true;
  }

  /** Makes `total` valid; call before reading totals after deferred changes. */
  ensureTotals(): void {
    if (!this.totalsStale) {
      return;
    }
    const { self, total, parent } = this;
    total.set(self.subarray(0, this.size));
    for (let i = this.size - 1; i > 0; i--) {
      total[parent[i]] += total[i];
    }
    this.totalsStale = false;
  }

  get totalValue(): number {
    this.ensureTotals();
    return this.total[ROOT];
  }

  label(node: number): string {
    return node === ROOT ? ROOT_LABEL : this.frames.labels[this.frame[node]];
  }

  kind(node: number): string {
    return node === ROOT ? "" : this.frames.kinds[this.frame[node]];
  }

  childCountOf(node: number): number {
    return this.childCount[node];
  }

  /** Unordered child iteration (cheaper than `children` when order does not matter): -1 ends the list. */
  firstChildOf(node: number): number {
    return this.firstChild[node];
  }

  nextSiblingOf(node: number): number {
    return this.nextSibling[node];
  }

  /** Visits every node depth-first, calling `enter` before and `leave` after its subtree. */
  walk(enter: (node: number) => void, leave: (node: number) => void): void {
    let node = ROOT;
    enter(node);
    for (;;) {
      const child = this.firstChild[node];
      if (child >= 0) {
        node = child;
        enter(node);
        continue;
      }
      for (;;) {
        leave(node);
        if (node === ROOT) {
          return;
        }
        const sibling = this.nextSibling[node];
        if (sibling >= 0) {
          node = sibling;
          enter(node);
          break;
        }
        node = this.parent[node];
      }
    }
  }

  /** Children in label order (ties by id). The array is cached: do not modify it. */
  children(node: number): Int32Array {
    const cached = this.sorted.get(node);
    if (cached !== undefined) {
      return cached;
    }
    const list = new Int32Array(this.childCount[node]);
    let i = list.length;
    for (let c = this.firstChild[node]; c >= 0; c = this.nextSibling[c]) {
      list[--i] = c;
    }
    if (list.length > 1) {
      // Only the children of laid-out nodes are ever sorted, so the cost follows what is drawn.
      const labels = this.frames.labels;
      const frame = this.frame;
      list.sort((a, b) => {
        const la = labels[frame[a]];
        const lb = labels[frame[b]];
        return la < lb ? -1 : la > lb ? 1 : a - b;
      });
    }
    this.sorted.set(node, list);
    return list;
  }

  findChild(node: number, label: string): number {
    for (let c = this.firstChild[node]; c >= 0; c = this.nextSibling[c]) {
      if (this.frames.labels[this.frame[c]] === label) {
        return c;
      }
    }
    return -1;
  }

  /** Labels from the root's child down to the node (the root itself has the empty path). */
  pathOf(node: number): string[] {
    const path: string[] = [];
    for (let n = node; n > ROOT; n = this.parent[n]) {
      path.push(this.label(n));
    }
    return path.reverse();
  }

  /** The deepest node along the label path, and how many labels matched. */
  resolvePath(path: readonly string[]): { node: number; matched: number } {
    let node = ROOT;
    let matched = 0;
    for (const label of path) {
      const child = this.findChild(node, label);
      if (child < 0) {
        break;
      }
      node = child;
      matched++;
    }
    return { node, matched };
  }

  /** Finds or creates the child of `node` for `frame` (used when building trees from stacks). */
  childFor(node: number, frame: number): number {
    for (let c = this.firstChild[node]; c >= 0; c = this.nextSibling[c]) {
      if (this.frame[c] === frame) {
        return c;
      }
    }
    return this.append(node, frame);
  }

  private append(parent: number, frame: number): number {
    const id = this.size;
    if (id === this.parent.length) {
      this.grow(id * 2);
    }
    this.parent[id] = parent;
    this.frame[id] = frame;
    this.self[id] = 0;
    this.total[id] = 0;
    this.firstChild[id] = -1;
    this.nextSibling[id] = -1;
    this.childCount[id] = 0;
    this.depth[id] = parent < 0 ? 0 : this.depth[parent] + 1;
    if (parent >= 0) {
      this.nextSibling[id] = this.firstChild[parent];
      this.firstChild[parent] = id;
      this.childCount[parent]++;
      if (this.sorted.size > 0) {
        this.sorted.delete(parent);
      }
    }
    this.size = id + 1;
    return id;
  }

  /** Reserves room for `capacity` nodes (avoids repeated growth when the count is known). */
  reserve(capacity: number): void {
    if (capacity > this.parent.length) {
      this.grow(capacity);
    }
  }

  private grow(capacity: number): void {
    const growInt = (a: Int32Array) => {
      const b = new Int32Array(capacity);
      b.set(a.subarray(0, this.size));
      return b;
    };
    const growFloat = (a: Float64Array) => {
      const b = new Float64Array(capacity);
      b.set(a.subarray(0, this.size));
      return b;
    };
    this.parent = growInt(this.parent);
    this.frame = growInt(this.frame);
    this.depth = growInt(this.depth);
    this.firstChild = growInt(this.firstChild);
    this.nextSibling = growInt(this.nextSibling);
    this.childCount = growInt(this.childCount);
    this.self = growFloat(this.self);
    this.total = growFloat(this.total);
  }
}
