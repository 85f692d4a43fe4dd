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
  let parents: Bar[] = [];
  let startLevel = 0;
  if (levels.length > 0 && levels[0].length === 4) {
    const rootBar = readLevel(levels[0], 0, names.length)[0];
    tree.self[ROOT] = rootBar.self;
    parents = [{ ...rootBar, node: ROOT }];
    startLevel = 1;
  } else {
    parents = [{ x: 0, total: Number.MAX_VALUE, self: 0, name: 0, node: ROOT }];
  }
  for (let l = startLevel; l < levels.length; l++) {
    const bars = readLevel(levels[l], l, names.length);
    let p = 0;
    for (const bar of bars) {
      while (p < parents.length && parents[p].x + parents[p].total <= bar.x) {
        p++;
      }
      const parent = parents[p];
      if (parent === undefined || bar.x < parent.x || bar.x + bar.total > parent.x + parent.total) {
        throw new FlamebearerError(`flamebearer: bar at level ${l}, x ${bar.x} lies outside every bar of level ${l - 1}`);
      }
      let frame = frameOfName[bar.name];
      if (frame < 0) {
        frame = tree.frames.add(String(names[bar.name]));
        frameOfName[bar.name] = frame;
      }
      bar.node = tree.addNode(parent.node, frame);
      tree.self[bar.node] = bar.self;
    }
    parents = bars;
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

interface Bar {
  x: number;
  total: number;
  self: number;
  name: number;
  node: number;
}

function readLevel(level: unknown, index: number, nameCount: number): Bar[] {
  if (!Array.isArray(level) || level.length % 4 !== 0) {
    throw new FlamebearerError(`flamebearer: level ${index} is not a list of [x, total, self, name] groups`);
  }
  const bars: Bar[] = [];
  let end = 0;
  for (let i = 0; i < level.length; i += 4) {
    const [dx, total, self, name] = [level[i], level[i + 1], level[i + 2], level[i + 3]];
    if (![dx, total, self, name].every((v) => typeof v === "number" && Number.isFinite(v)) || dx < 0 || total < 0 || self < 0 || self > total) {
      throw new FlamebearerError(`flamebearer: level ${index}, bar ${i / 4} has invalid numbers`);
    }
    if (!Number.isInteger(name) || name < 0 || name >= nameCount) {
      throw new FlamebearerError(`flamebearer: level ${index}, bar ${i / 4} names ${name} of ${nameCount} names`);
    }
    const x = end + dx;
    end = x + total;
    bars.push({ x, total, self, name, node: -1 });
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
