import { FlameTree, ROOT } from "../../wwwroot-assets/src/model/flameTree";

/** Seeded pseudo-random numbers (mulberry32). */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A profile-like call tree of exactly `nodes` nodes (root included): labels `pkgP.TypeT.methodM` from a pool, new
 * nodes attached mostly below recent ones (long call chains, depth capped at 64), heavy-tailed self values.
 */
export function syntheticTree(nodes: number, seed: number): FlameTree {
  const next = random(seed);
  const tree = new FlameTree();
  const pool = Math.max(400, Math.floor(nodes / 8));
  for (let i = 0; i < pool; i++) {
    tree.frames.add(`pkg${i % 61}.Type${(i * 7) % 997}.method${i}`, i % 11 === 0 ? "kernel" : i % 3 === 0 ? "native" : "dotnet");
  }
  tree.reserve(nodes);
  while (tree.count < nodes) {
    const count = tree.count;
    let parent = Math.min(count - 1, Math.floor(count * (1 - next() ** 6)));
    if (tree.depth[parent] >= 64) {
      parent = ROOT;
    }
    const frame = Math.floor(next() ** 2 * pool);
    const before = tree.count;
    const child = tree.childFor(parent, frame);
    if (tree.count > before) {
      tree.addSelfDeferred(child, 1 + Math.floor(1000 * next() ** 4));
    }
  }
  tree.ensureTotals();
  return tree;
}

export interface D3Node {
  name: string;
  value: number;
  children?: D3Node[];
}

/** The same tree as d3-flame-graph's input: `value` is the total (its default, compound values). */
export function toD3(tree: FlameTree): D3Node {
  const objects: D3Node[] = new Array(tree.count);
  for (let n = 0; n < tree.count; n++) {
    objects[n] = { name: tree.label(n), value: tree.total[n] };
  }
  for (let n = 1; n < tree.count; n++) {
    const parent = objects[tree.parent[n]];
    (parent.children ??= []).push(objects[n]);
  }
  return objects[ROOT];
}
