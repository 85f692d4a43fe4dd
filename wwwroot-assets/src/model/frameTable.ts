/** Interned frames: label and kind per frame id. */
export class FrameTable {
  readonly labels: string[] = [];
  readonly kinds: string[] = [];

  get count(): number {
    return this.labels.length;
  }

  add(label: string, kind = ""): number {
    this.labels.push(label);
    this.kinds.push(kind);
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
  }
}
