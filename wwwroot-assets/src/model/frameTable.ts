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
  // Sorting the distinct labels without a comparator compares UTF-16 code units natively: ordinal order.
  const distinct = [...new Set(labels)].sort();
  const rankOfLabel = new Map<string, number>();
  distinct.forEach((label, i) => rankOfLabel.set(label, i));
  const rank = new Int32Array(labels.length);
  for (let i = 0; i < labels.length; i++) {
    rank[i] = rankOfLabel.get(labels[i])!;
  }
  return rank;
}

export function compareOrdinal(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
