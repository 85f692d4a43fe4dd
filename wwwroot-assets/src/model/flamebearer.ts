import { FlameTree, ROOT } from "./flameTree";

/** Pyroscope's flamebearer v1 (format "single"), as the REST endpoints answer it. */
export interface FlamebearerProfile {
  version?: number;
  flamebearer: { names: string[]; levels: number[][]; numTicks: number; maxSelf?: number };
  metadata?: { format?: string; units?: string; name?: string; sampleRate?: number; spyName?: string };
}

export class FlamebearerError extends Error {}

export interface LoadedProfile {
  tree: FlameTree;
  units: string;
  name: string;
  sampleRate: number;
}

/** Builds a tree from flamebearer JSON (object or text). Bars are delta-encoded quadruples [x, total, self, name]. */
export function loadFlamebearer(input: unknown): LoadedProfile {
  const profile = (typeof input === "string" ? parseJson(input) : input) as FlamebearerProfile;
  if (profile === null || typeof profile !== "object" || typeof profile.flamebearer !== "object" || profile.flamebearer === null) {
    throw new FlamebearerError("not a flamebearer profile: no 'flamebearer' object");
  }
  if (profile.metadata?.format !== undefined && profile.metadata.format !== "single") {
    throw new FlamebearerError(`flamebearer format '${profile.metadata.format}' is not supported (only 'single')`);
  }
  const { names, levels } = profile.flamebearer;
  if (!Array.isArray(names) || !Array.isArray(levels)) {
    throw new FlamebearerError("flamebearer: 'names' and 'levels' must be arrays");
  }
  const tree = new FlameTree();
  const frameOfName = new Int32Array(names.length).fill(-1);
  tree.reserve(levels.reduce((n, level) => n + (Array.isArray(level) ? level.length / 4 : 0), 1));
  // Bars of the level above: start, end and node, in x order.
  let above = new LevelBars(1);
  let startLevel = 0;
  if (levels.length > 0 && Array.isArray(levels[0]) && levels[0].length === 4) {
    const root = readLevel(levels[0], 0, names.length);
    tree.self[ROOT] = root.self[0];
    above = root;
    above.node[0] = ROOT;
    startLevel = 1;
  } else {
    above.start[0] = 0;
    above.end[0] = Number.MAX_VALUE;
    above.node[0] = ROOT;
  }
  for (let l = startLevel; l < levels.length; l++) {
    const bars = readLevel(levels[l], l, names.length);
    let p = 0;
    for (let i = 0; i < bars.count; i++) {
      const x = bars.start[i];
      while (p < above.count && above.end[p] <= x) {
        p++;
      }
      if (p >= above.count || x < above.start[p] || bars.end[i] > above.end[p]) {
        throw new FlamebearerError(`flamebearer: bar at level ${l}, x ${x} lies outside every bar of level ${l - 1}`);
      }
      const name = bars.name[i];
      let frame = frameOfName[name];
      if (frame < 0) {
        frame = tree.frames.add(String(names[name]));
        frameOfName[name] = frame;
      }
      const node = tree.addNode(above.node[p], frame);
      bars.node[i] = node;
      tree.self[node] = bars.self[i];
    }
    above = bars;
  }
  tree.addSelfDeferred(ROOT, 0);
  tree.ensureTotals();
  const meta = profile.metadata ?? {};
  return {
    tree,
    units: typeof meta.units === "string" ? meta.units : "",
    name: typeof meta.name === "string" ? meta.name : "",
    sampleRate: typeof meta.sampleRate === "number" ? meta.sampleRate : 0,
  };
}

class LevelBars {
  readonly start: Float64Array;
  readonly end: Float64Array;
  readonly self: Float64Array;
  readonly name: Int32Array;
  readonly node: Int32Array;
  constructor(readonly count: number) {
    this.start = new Float64Array(count);
    this.end = new Float64Array(count);
    this.self = new Float64Array(count);
    this.name = new Int32Array(count);
    this.node = new Int32Array(count);
  }
}

function readLevel(level: unknown, index: number, nameCount: number): LevelBars {
  if (!Array.isArray(level) || level.length % 4 !== 0) {
    throw new FlamebearerError(`flamebearer: level ${index} is not a list of [x, total, self, name] groups`);
  }
  const bars = new LevelBars(level.length / 4);
  let end = 0;
  for (let i = 0, b = 0; i < level.length; i += 4, b++) {
    const dx = level[i];
    const total = level[i + 1];
    const self = level[i + 2];
    const name = level[i + 3];
    if (typeof dx !== "number" || typeof total !== "number" || typeof self !== "number" || !(dx >= 0) || !(total >= 0) ||
      !(self >= 0) || self > total || !Number.isFinite(dx + total)) {
      throw new FlamebearerError(`flamebearer: level ${index}, bar ${b} has invalid numbers`);
    }
    if (!Number.isInteger(name) || name < 0 || name >= nameCount) {
      throw new FlamebearerError(`flamebearer: level ${index}, bar ${b} names ${name} of ${nameCount} names`);
    }
    const x = end + dx;
    end = x + total;
    bars.start[b] = x;
    bars.end[b] = end;
    bars.self[b] = self;
    bars.name[b] = name;
  }
  return bars;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new FlamebearerError(`not JSON: ${(e as Error).message}`);
  }
}

/** Writes the tree as flamebearer (children in label order, zero-total bars left out), like the server's writer. */
export function toFlamebearer(tree: FlameTree, units = "samples", name = ""): FlamebearerProfile {
  tree.ensureTotals();
  const names: string[] = ["total"];
  const nameIndex = new Map<number, number>();
  const levels: number[][] = [];
  let maxSelf = 0;
  let level: Array<[number, number]> = [[ROOT, 0]];
  while (level.length > 0) {
    const out: number[] = [];
    const next: Array<[number, number]> = [];
    let previousEnd = 0;
    for (const [node, x] of level) {
      let n = 0;
      if (node !== ROOT) {
        const frame = tree.frame[node];
        n = nameIndex.get(frame) ?? -1;
        if (n < 0) {
          n = names.length;
          names.push(tree.label(node));
          nameIndex.set(frame, n);
        }
      }
      out.push(x - previousEnd, tree.total[node], tree.self[node], n);
      maxSelf = Math.max(maxSelf, tree.self[node]);
      previousEnd = x + tree.total[node];
      let childX = x;
      for (const child of tree.children(node)) {
        if (tree.total[child] === 0) {
          continue;
        }
        next.push([child, childX]);
        childX += tree.total[child];
      }
    }
    levels.push(out);
    level = next;
  }
  return {
    version: 1,
    flamebearer: { names, levels, numTicks: tree.total[ROOT], maxSelf },
    metadata: { format: "single", units, name },
  };
}
