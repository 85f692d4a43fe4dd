/**
 * A very small DOM for node tests: elements, text nodes, attributes and events. Setting `innerHTML` or
 * `outerHTML`, or calling `insertAdjacentHTML`, throws: the view must never parse strings as markup.
 */
export class ShimNode {
  parentNode: ShimElement | null = null;
  childNodes: ShimNode[] = [];
  get firstChild(): ShimNode | null {
    return this.childNodes[0] ?? null;
  }
  get textContent(): string {
    return this.childNodes.map((c) => c.textContent).join("");
  }
  set textContent(value: string) {
    this.childNodes = [];
    if (value !== "") {
      this.appendChild(new ShimText(value));
    }
  }
  appendChild(child: ShimNode): ShimNode {
    child.parentNode?.removeChild(child);
    child.parentNode = this as unknown as ShimElement;
    this.childNodes.push(child);
    return child;
  }
  removeChild(child: ShimNode): ShimNode {
    this.childNodes = this.childNodes.filter((c) => c !== child);
    child.parentNode = null;
    return child;
  }
  remove(): void {
    this.parentNode?.removeChild(this);
  }
}

export class ShimText extends ShimNode {
  constructor(private text: string) {
    super();
  }
  override get textContent(): string {
    return this.text;
  }
  override set textContent(value: string) {
    this.text = value;
  }
}

export class ShimElement extends ShimNode {
  readonly attributes = new Map<string, string>();
  readonly listeners = new Map<string, Array<(e: unknown) => void>>();
  readonly style: Record<string, string> = {};
  readonly dataset: Record<string, string> = {};
  className = "";
  title = "";
  hidden = false;
  value = "";
  selected = false;
  disabled = false;
  id = "";
  constructor(readonly tagName: string) {
    super();
  }
  setAttribute(name: string, value: string): void {
    this.attributes.set(name, String(value));
  }
  getAttribute(name: string): string | null {
    return this.attributes.get(name) ?? null;
  }
  addEventListener(type: string, listener: (e: unknown) => void): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }
  dispatch(type: string, event: Record<string, unknown> = {}): void {
    for (const l of this.listeners.get(type) ?? []) {
      l({ stopPropagation() {}, preventDefault() {}, target: this, ...event });
    }
  }
  set innerHTML(_: string) {
    throw new Error("innerHTML was set");
  }
  set outerHTML(_: string) {
    throw new Error("outerHTML was set");
  }
  insertAdjacentHTML(): void {
    throw new Error("insertAdjacentHTML was called");
  }
  /** Every element below this one (depth first). */
  descendants(): ShimElement[] {
    const out: ShimElement[] = [];
    for (const c of this.childNodes) {
      if (c instanceof ShimElement) {
        out.push(c, ...c.descendants());
      }
    }
    return out;
  }
}

export function installDom(): void {
  (globalThis as unknown as { document: unknown }).document = {
    createElement: (tag: string) => new ShimElement(tag.toUpperCase()),
    createTextNode: (text: string) => new ShimText(text),
  };
}
