import type { ProfileUpdate } from "../../src/model/profileUpdate";

/**
 * Produces hub updates the way docs/live-protocol.md describes the server: it remembers what it has sent (frames,
 * nodes, self per node) and sends only new frames, new nodes and signed self deltas.
 */
export class FakeServer {
  private frames = new Map<string, number>();
  private nodes = new Map<string, number>();
  private sentSelf: number[] = [0];
  private frameLabels: string[] = [];
  private nodeParents: number[] = [-1];
  private seq = 0;

  /** The update that takes the browser from what was sent to `stacks` (folded: "a;b;c" -> self value). */
  next(stacks: Map<string, number>, reset = false): ProfileUpdate {
    if (reset) {
      this.frames.clear();
      this.nodes.clear();
      this.sentSelf = [0];
      this.frameLabels = [];
      this.nodeParents = [-1];
    }
    const frameStart = this.frameLabels.length;
    const nodeStart = this.nodeParents.length;
    const newFrames: string[] = [];
    const newParents: number[] = [];
    const newFrameIds: number[] = [];
    const wanted = new Map<number, number>();
    for (const [stack, value] of [...stacks].sort()) {
      let node = 0;
      for (const label of stack.split(";")) {
        let frame = this.frames.get(label);
        if (frame === undefined) {
          frame = this.frameLabels.length;
          this.frames.set(label, frame);
          this.frameLabels.push(label);
          newFrames.push(label);
        }
        const key = `${node}/${frame}`;
        let child = this.nodes.get(key);
        if (child === undefined) {
          child = this.nodeParents.length;
          this.nodes.set(key, child);
          this.nodeParents.push(node);
          this.sentSelf.push(0);
          newParents.push(node);
          newFrameIds.push(frame);
        }
        node = child;
      }
      wanted.set(node, (wanted.get(node) ?? 0) + value);
    }
    const changedNodes: number[] = [];
    const selfDeltas: number[] = [];
    for (let n = 0; n < this.sentSelf.length; n++) {
      const delta = (wanted.get(n) ?? 0) - this.sentSelf[n];
      if (delta !== 0) {
        changedNodes.push(n);
        selfDeltas.push(delta);
        this.sentSelf[n] += delta;
      }
    }
    const totalValue = [...stacks.values()].reduce((a, b) => a + b, 0);
    return {
      seq: ++this.seq,
      reset,
      profileType: "samples:count:cpu:nanoseconds",
      availableTypes: ["samples:count:cpu:nanoseconds"],
      frameStart,
      frameLabels: newFrames,
      frameKinds: newFrames.map((l) => (l.startsWith("k_") ? "kernel" : "native")),
      nodeStart,
      nodeParents: newParents,
      nodeFrames: newFrameIds,
      changedNodes,
      selfDeltas,
      totalValue,
      sampleCount: totalValue,
      droppedSamples: 0,
      closed: false,
      unit: "count",
      period: 52631578,
    };
  }
}

export function stacks(text: string): Map<string, number> {
  const map = new Map<string, number>();
  for (const line of text.trim().split("\n")) {
    const t = line.trim();
    if (t === "") continue;
    const space = t.lastIndexOf(" ");
    map.set(t.slice(0, space), Number(t.slice(space + 1)));
  }
  return map;
}

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
