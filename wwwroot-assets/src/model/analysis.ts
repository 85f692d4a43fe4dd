import { FlameTree, ROOT } from "./flameTree";

/** Frames whose label contains the query (case-insensitive), and the share of the root total they cover. */
export interface SearchResult {
  query: string;
  matchesFrame: Uint8Array;
  matchedTotal: number;
  share: number;
}

export function search(tree: FlameTree, query: string): SearchResult | null {
  const needle = query.trim().toLowerCase();
  if (needle === "") {
    return null;
  }
  const labels = tree.frames.labels;
  const matchesFrame = new Uint8Array(labels.length);
  for (let f = 0; f < labels.length; f++) {
    matchesFrame[f] = labels[f].toLowerCase().includes(needle) ? 1 : 0;
  }
  tree.ensureTotals();
  // A node is covered when it or an ancestor matches; only the outermost matches count, so nothing is counted twice.
  const covered = new Uint8Array(tree.count);
  let matchedTotal = 0;
  for (let n = 1; n < tree.count; n++) {
    const parentCovered = covered[tree.parent[n]];
    if (parentCovered) {
      covered[n] = 1;
    } else if (matchesFrame[tree.frame[n]]) {
      covered[n] = 1;
      matchedTotal += tree.total[n];
    }
  }
  const total = tree.total[ROOT];
  return { query, matchesFrame, matchedTotal, share: total > 0 ? matchedTotal / total : 0 };
}

export interface FunctionRow {
  label: string;
  kind: string;
  self: number;
  total: number;
}

/** Per distinct label: summed self, and total counted once per stack (recursive calls are not added twice). */
export function topFunctions(tree: FlameTree): FunctionRow[] {
  tree.ensureTotals();
  const byLabel = new Map<string, number>();
  const labelOfFrame = new Int32Array(tree.frames.count);
  const rows: FunctionRow[] = [];
  for (let f = 0; f < tree.frames.count; f++) {
    const label = tree.frames.labels[f];
    let row = byLabel.get(label);
    if (row === undefined) {
      row = rows.length;
      byLabel.set(label, row);
      rows.push({ label, kind: tree.frames.kinds[f], self: 0, total: 0 });
    }
    labelOfFrame[f] = row;
  }
  const active = new Int32Array(rows.length);
  tree.walk(
    (node) => {
      if (node === ROOT) {
        return;
      }
      const row = labelOfFrame[tree.frame[node]];
      rows[row].self += tree.self[node];
      if (active[row]++ === 0) {
        rows[row].total += tree.total[node];
      }
    },
    (node) => {
      if (node !== ROOT) {
        active[labelOfFrame[tree.frame[node]]]--;
      }
    },
  );
  return rows.filter((r) => r.total > 0);
}

/** The outermost nodes labelled `label` (those with no ancestor of the same label). */
export function outermostOccurrences(tree: FlameTree, label: string): number[] {
  const found: number[] = [];
  let depthInside = 0;
  tree.walk(
    (node) => {
      if (node !== ROOT && tree.label(node) === label) {
        if (depthInside === 0) {
          found.push(node);
        }
        depthInside++;
      }
    },
    (node) => {
      if (node !== ROOT && tree.label(node) === label) {
        depthInside--;
      }
    },
  );
  return found;
}

export interface Sandwich {
  /** Rooted at the function; children are its callers, their children the callers' callers. */
  callers: FlameTree;
  /** Rooted at the function; its callees below, merged over every call site. */
  callees: FlameTree;
}

export function sandwich(tree: FlameTree, label: string): Sandwich {
  tree.ensureTotals();
  const occurrences = outermostOccurrences(tree, label);
  const callers = new FlameTree();
  const callees = new FlameTree();
  const callerFrames = new Map<string, number>();
  const calleeFrames = new Map<string, number>();
  const frameFor = (target: FlameTree, frames: Map<string, number>, l: string, kind: string) => {
    let frame = frames.get(l);
    if (frame === undefined) {
      frame = target.frames.add(l, kind);
      frames.set(l, frame);
    }
    return frame;
  };
  const frameIn = (target: FlameTree, frames: Map<string, number>, node: number) =>
    frameFor(target, frames, tree.label(node), tree.kind(node));
  const kind = occurrences.length > 0 ? tree.kind(occurrences[0]) : "";
  const callersRoot = callers.addNode(ROOT, frameFor(callers, callerFrames, label, kind));
  const calleesRoot = callees.addNode(ROOT, frameFor(callees, calleeFrames, label, kind));
  for (const occurrence of occurrences) {
    const value = tree.total[occurrence];
    // Callers: the path upward from the occurrence, inverted. Its value sits as self on the outermost caller.
    let at = callersRoot;
    for (let n = tree.parent[occurrence]; n > ROOT; n = tree.parent[n]) {
      at = callers.childFor(at, frameIn(callers, callerFrames, n));
    }
    callers.addSelfDeferred(at, value);
    // Callees: the occurrence's subtree merged under one root.
    callees.addSelfDeferred(calleesRoot, tree.self[occurrence]);
    const stack: Array<[number, number]> = [];
    for (let c = tree.firstChildOf(occurrence); c >= 0; c = tree.nextSiblingOf(c)) {
      stack.push([c, calleesRoot]);
    }
    while (stack.length > 0) {
      const [node, parent] = stack.pop()!;
      const mapped = callees.childFor(parent, frameIn(callees, calleeFrames, node));
      callees.addSelfDeferred(mapped, tree.self[node]);
      for (let c = tree.firstChildOf(node); c >= 0; c = tree.nextSiblingOf(c)) {
        stack.push([c, mapped]);
      }
    }
  }
  callers.ensureTotals();
  callees.ensureTotals();
  return { callers, callees };
}

/** A copy in which a call to the same label directly below itself is merged into its caller. */
export function collapseRecursion(tree: FlameTree): FlameTree {
  const result = new FlameTree(tree.frames.copy());
  const mapped = new Int32Array(tree.count);
  mapped[ROOT] = ROOT;
  result.self[ROOT] = tree.self[ROOT];
  for (let n = 1; n < tree.count; n++) {
    const parent = tree.parent[n];
    const target =
      parent !== ROOT && tree.label(parent) === tree.label(n) ? mapped[parent] : result.childFor(mapped[parent], tree.frame[n]);
    mapped[n] = target;
    result.addSelfDeferred(target, tree.self[n]);
  }
  result.ensureTotals();
  return result;
}

/** Two profiles merged by label path: `tree` holds left + right for widths, the side arrays hold each profile's values. */
export interface DiffProfile {
  tree: FlameTree;
  leftTotal: Float64Array;
  rightTotal: Float64Array;
  leftSelf: Float64Array;
  rightSelf: Float64Array;
  leftTicks: number;
  rightTicks: number;
}

export function diff(left: FlameTree, right: FlameTree): DiffProfile {
  const tree = new FlameTree();
  const frames = new Map<string, number>();
  const sides: Array<{ self: number[] }> = [{ self: [] }, { self: [] }];
  [left, right].forEach((source, side) => {
    const mapped = new Int32Array(source.count);
    for (let n = 1; n < source.count; n++) {
      const label = source.label(n);
      let frame = frames.get(label);
      if (frame === undefined) {
        frame = tree.frames.add(label, source.kind(n));
        frames.set(label, frame);
      }
      mapped[n] = tree.childFor(mapped[source.parent[n]], frame);
    }
    const self = sides[side].self;
    for (let n = 0; n < source.count; n++) {
      self[mapped[n]] = (self[mapped[n]] ?? 0) + source.self[n];
    }
  });
  const count = tree.count;
  const leftSelf = Float64Array.from({ length: count }, (_, i) => sides[0].self[i] ?? 0);
  const rightSelf = Float64Array.from({ length: count }, (_, i) => sides[1].self[i] ?? 0);
  const leftTotal = leftSelf.slice();
  const rightTotal = rightSelf.slice();
  for (let n = count - 1; n > 0; n--) {
    leftTotal[tree.parent[n]] += leftTotal[n];
    rightTotal[tree.parent[n]] += rightTotal[n];
  }
  for (let n = 0; n < count; n++) {
    tree.addSelfDeferred(n, leftSelf[n] + rightSelf[n]);
  }
  tree.ensureTotals();
  return { tree, leftTotal, rightTotal, leftSelf, rightSelf, leftTicks: leftTotal[ROOT], rightTicks: rightTotal[ROOT] };
}

/** Change of a node's share of its profile, right minus left, in [-1, 1]. */
export function shareChange(d: DiffProfile, node: number): number {
  const l = d.leftTicks > 0 ? d.leftTotal[node] / d.leftTicks : 0;
  const r = d.rightTicks > 0 ? d.rightTotal[node] / d.rightTicks : 0;
  return r - l;
}

/** The package of a frame label: the text before its last `.`, `::` or `/`, ignoring an argument list. */
export function packageOf(label: string): string {
  let end = label.length;
  const paren = label.indexOf("(");
  if (paren > 0) {
    end = paren;
  }
  const head = label.slice(0, end);
  const cut = Math.max(head.lastIndexOf("."), head.lastIndexOf("::"), head.lastIndexOf("/"));
  return cut > 0 ? head.slice(0, cut) : head;
}
