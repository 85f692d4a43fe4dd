/** Interned frames: label and kind per frame id, plus a lazily computed label order used to sort children. */
export class FrameTable {
  readonly labels: string[] = [];
  readonly kinds: string[] = [];
  private rank: Int32Array | null = null;

  get count(): number {
    return this.labels.length;
  }

  add(label: string, kind = ""): number {
    this.labels.push(label);
    this.kinds.push(kind);
    this.rank = null;
    return this.labels.length - 1;
  }

  copy(): FrameTable {
    const table = new FrameTable();
    for (let i = 0; i < this.labels.length; i++) {
      table.labels.push(this.labels[i]);
      table.kinds.push(this.kinds[i]);
    }
    return table;
  }

  clear(): void {
    this.labels.length = 0;
    this.kinds.length = 0;
    this.rank = null;
  }

  /** Position of the frame's label in ordinal (code unit) order; equal labels share a rank. */
  rankOf(frame: number): number {
    if (this.rank === null || this.rank.length !== this.labels.length) {
      this.rank = computeRanks(this.labels);
    }
    return this.rank[frame];
  }
}

function computeRanks(labels: string[]): Int32Array {
  const order = labels.map((_, i) => i);
  order.sort((a, b) => compareOrdinal(labels[a], labels[b]));
  const rank = new Int32Array(labels.length);
  let current = 0;
  for (let i = 0; i < order.length; i++) {
    if (i > 0 && labels[order[i]] !== labels[order[i - 1]]) {
      current = i;
    }
    rank[order[i]] = current;
  }
  return rank;
}

export function compareOrdinal(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
