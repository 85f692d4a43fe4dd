export type Orientation = "flame" | "icicle";

/** Maps rows to vertical positions in the scrollable content: flame puts the root at the bottom, icicle at the top. */
export class Geometry {
  constructor(
    readonly rows: number,
    readonly rowHeight: number,
    readonly orientation: Orientation,
    readonly viewportHeight: number,
  ) {}

  get contentHeight(): number {
    return Math.max(this.rows * this.rowHeight, this.viewportHeight);
  }

  /** Top of a row in content coordinates. */
  rowTop(row: number): number {
    return this.orientation === "icicle" ? row * this.rowHeight : this.contentHeight - (row + 1) * this.rowHeight;
  }

  rowAt(contentY: number): number {
    const row = this.unclampedRow(contentY);
    return row >= 0 && row < this.rows ? row : -1;
  }

  /** Rows intersecting [scrollTop, scrollTop + viewportHeight), as [first, last] inclusive (first > last: none). */
  visibleRows(scrollTop: number): [number, number] {
    const a = this.unclampedRow(scrollTop);
    const b = this.unclampedRow(scrollTop + this.viewportHeight - 0.001);
    const lo = Math.max(0, Math.min(a, b));
    const hi = Math.min(this.rows - 1, Math.max(a, b));
    return [lo, hi];
  }

  private unclampedRow(contentY: number): number {
    return this.orientation === "icicle"
      ? Math.floor(contentY / this.rowHeight)
      : Math.ceil((this.contentHeight - contentY) / this.rowHeight) - 1;
  }
}
