/** The subset of CanvasRenderingContext2D the fitter needs (tests pass a stand-in). */
export interface TextMeasurer {
  font: string;
  measureText(text: string): { width: number };
}

const ELLIPSIS = "…";

/** Shortens labels to a width with an ellipsis; widths are measured once per label and cached. */
export class TextFitter {
  private widths = new Map<string, number>();
  private ellipsisWidth = -1;
  private font = "";

  constructor(private readonly ctx: TextMeasurer, private readonly maxEntries = 50_000) {}

  setFont(font: string): void {
    if (font !== this.font) {
      this.font = font;
      this.widths.clear();
      this.ellipsisWidth = -1;
    }
  }

  width(text: string): number {
    let w = this.widths.get(text);
    if (w === undefined) {
      if (this.widths.size >= this.maxEntries) {
        this.widths.clear();
      }
      this.ctx.font = this.font;
      w = this.ctx.measureText(text).width;
      this.widths.set(text, w);
    }
    return w;
  }

  /** The label, or its head with an ellipsis, fitting `maxWidth`; null when not even one character fits. */
  fit(label: string, maxWidth: number): string | null {
    const full = this.width(label);
    if (full <= maxWidth) {
      return label;
    }
    if (this.ellipsisWidth < 0) {
      this.ellipsisWidth = this.width(ELLIPSIS);
    }
    const room = maxWidth - this.ellipsisWidth;
    if (room <= 0 || label.length === 0) {
      return null;
    }
    // Start from the average character width, then correct by measuring.
    let chars = Math.min(label.length - 1, Math.floor((room / full) * label.length));
    while (chars > 0 && this.width(label.slice(0, chars)) > room) {
      chars--;
    }
    while (chars + 1 < label.length && this.width(label.slice(0, chars + 1)) <= room) {
      chars++;
    }
    return chars > 0 ? label.slice(0, chars) + ELLIPSIS : null;
  }
}
