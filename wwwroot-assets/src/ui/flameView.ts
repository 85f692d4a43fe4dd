import { collapseRecursion, diff, sandwich, search, shareChange, topFunctions, type DiffProfile, type FunctionRow, type SearchResult } from "../model/analysis";
import { applyUpdate } from "../model/applyUpdate";
import type { LoadedProfile } from "../model/flamebearer";
import { FlameTree, ROOT } from "../model/flameTree";
import type { ProfileUpdate, WatchResult } from "../model/profileUpdate";
import { LiveClient, type ConnectionStatus } from "../live/liveClient";
import { fetchFlamebearer, flamegraphUrl, importProfile, windowName, type ExportFormat } from "../live/restApi";
import { diffColor, kindColor, packageColor, type DiffScheme } from "../render/palette";
import { h, option } from "./dom";
import { FlameCanvas } from "./flameCanvas";
import { formatNumber, formatPercent, unitOfType, type ValueUnit } from "./format";
import { injectStyles } from "./styles";
import { renderBreadcrumb, renderTooltip } from "./tooltip";
import { renderTopTable, type SortKey } from "./topTable";
import { readState, writeState, type ColorMode, type ViewMode, type ViewState } from "./viewState";

export interface MountOptions {
  /** `namespace/Kind/name`; without it the view shows static data only. */
  source?: string;
  hubUrl?: string;
  apiBase?: string;
  /** Keep view state in the page's query string (default true). */
  queryState?: boolean;
}

export interface FlameState {
  seq: number;
  totalValue: number;
  nodeCount: number;
  frameCount: number;
  focusPath: string[];
  searchShare: number | null;
  paused: boolean;
  connected: boolean;
  lastDrawMs: number;
  mode: "live" | "static" | "diff";
  view: ViewMode;
  status: string;
  profileType: string | null;
  availableTypes: string[];
  windowSeconds: number;
  collapse: boolean;
  sandwich: string;
}

type Mode = FlameState["mode"];
const TOP_TABLE_INTERVAL_MS = 1000;

/** The live flame graph widget: toolbar, graph, breadcrumb, tooltip, function table and sandwich view. */
export class FlameView {
  readonly root: HTMLDivElement;
  private readonly state: ViewState;
  private readonly source: string | null;
  private readonly apiBase: string;
  private readonly keepQuery: boolean;
  private readonly hubUrl: string;
  private mode: Mode;
  private client: LiveClient | null = null;
  private liveTree = new FlameTree();
  private sourceTree: FlameTree;
  private displayTree: FlameTree;
  private diffProfile: DiffProfile | null = null;
  private displayStale = true;
  private searchResult: SearchResult | null = null;
  private unit: ValueUnit = { unit: "", periodNanos: 0 };
  private seq = -1;
  /** Sequence numbers start again on every connection, so what counts is whether the applied update was acknowledged. */
  private ackPending = false;
  private paused = false;
  private queued: ProfileUpdate[] = [];
  private availableTypes: string[] = [];
  private shownType: string | null = null;
  private statusText = "";
  private topRows: FunctionRow[] = [];
  private topComputedAt = -Infinity;
  private topStale = true;
  private dataVersion = 0;
  private tableKey = "";
  private topTimer: ReturnType<typeof setTimeout> | null = null;
  private colorCache: string[] = [];
  private colorCacheTree: FlameTree | null = null;
  private disposed = false;
  private readonly keyListener: (e: KeyboardEvent) => void;

  private readonly main: FlameCanvas;
  private readonly callers: FlameCanvas;
  private readonly callees: FlameCanvas;
  private readonly els: {
    search: HTMLInputElement;
    share: HTMLSpanElement;
    view: HTMLSelectElement;
    color: HTMLSelectElement;
    collapse: HTMLInputElement;
    type: HTMLSelectElement;
    window: HTMLSelectElement;
    pause: HTMLButtonElement;
    status: HTMLDivElement;
    breadcrumb: HTMLDivElement;
    tooltip: HTMLDivElement;
    top: HTMLDivElement;
    sandwich: HTMLDivElement;
    sandwichTitle: HTMLDivElement;
    exports: HTMLSpanElement;
    live: HTMLButtonElement;
    baseline: HTMLSelectElement;
    comparison: HTMLSelectElement;
    diffScheme: HTMLSelectElement;
  };

  constructor(host: HTMLElement, options: MountOptions, initial: LoadedProfile | null) {
    injectStyles();
    this.source = options.source ?? null;
    this.apiBase = options.apiBase ?? "";
    this.keepQuery = options.queryState ?? true;
    this.hubUrl = options.hubUrl ?? "/hubs/profiles";
    this.state = this.keepQuery ? readState(location.search) : readState("");
    this.mode = initial !== null || this.source === null ? "static" : "live";
    this.sourceTree = initial?.tree ?? this.liveTree;
    this.displayTree = this.sourceTree;
    if (initial !== null) {
      this.unit = unitOfFlamebearer(initial);
    }

    this.main = new FlameCanvas(this.state.view === "icicle" ? "icicle" : "flame", {
      onFocus: (node) => this.focusNode(node),
      onHover: (node, x, y) => this.showTooltip(this.main, node, x, y),
    }, "flame-canvas");
    this.callers = new FlameCanvas("flame", {
      onFocus: (node) => this.callers.setFocus(node),
      onHover: (node, x, y) => this.showTooltip(this.callers, node, x, y),
    });
    this.callees = new FlameCanvas("icicle", {
      onFocus: (node) => this.callees.setFocus(node),
      onHover: (node, x, y) => this.showTooltip(this.callees, node, x, y),
    });

    const search = h("input", { className: "of-search", testId: "flame-search", attrs: { type: "search", placeholder: "Search functions  /", "aria-label": "search functions" } });
    search.value = this.state.search;
    const view = h("select", { attrs: { "aria-label": "view" } }, option("flame", "Flame graph"), option("icicle", "Icicle"), option("sandwich", "Sandwich"));
    view.value = this.state.view;
    const color = h("select", { attrs: { "aria-label": "colour by" } }, option("package", "Colour by package"), option("kind", "Colour by frame kind"));
    color.value = this.state.color;
    const collapse = h("input", { attrs: { type: "checkbox" } });
    collapse.checked = this.state.collapse;
    const type = h("select", { testId: "flame-type", attrs: { "aria-label": "profile type" } });
    const windowSelect = h("select", { testId: "flame-window", attrs: { "aria-label": "time window" } },
      option("0", "Since opened"), option("60", "Last 1 min"), option("300", "Last 5 min"));
    windowSelect.value = String(this.state.windowSeconds);
    const pause = h("button", { testId: "flame-pause", attrs: { type: "button" } }, "Pause");
    const baseline = h("select", { attrs: { "aria-label": "baseline window" } }, option("all", "all"), option("1h", "1 h"), option("15m", "15 min"), option("5m", "5 min", true));
    const comparison = h("select", { attrs: { "aria-label": "comparison window" } }, option("1m", "1 min", true), option("5m", "5 min"), option("15m", "15 min"));
    const diffScheme = h("select", { attrs: { "aria-label": "diff colours" } }, option("red-blue", "red / blue"), option("blue-orange", "blue / orange"));
    diffScheme.value = this.state.diffScheme;
    const compare = h("button", { attrs: { type: "button" }, title: "compare two time windows of this Source" }, "Compare");
    const live = h("button", { attrs: { type: "button" } }, "Back to live");
    const png = h("button", { attrs: { type: "button" } }, "PNG");
    const importInput = h("input", { attrs: { type: "file", "aria-label": "import a pprof or OTLP file" } });
    const exports = h("span", { className: "of-exports" });
    const status = h("div", { className: "of-status", testId: "flame-status", attrs: { role: "status" } });
    const share = h("span", { className: "of-share", testId: "flame-search-share" });
    const liveOnly = (el: HTMLElement) => (this.source === null ? null : el);

    const toolbar = h("div", { className: "of-toolbar" },
      search, share, view, color, h("label", { className: "of-check" }, collapse, "collapse recursion"),
      liveOnly(type), liveOnly(windowSelect), liveOnly(pause),
      liveOnly(h("span", { className: "of-group" }, "diff", baseline, "vs", comparison, diffScheme, compare)),
      liveOnly(live), liveOnly(exports), png,
      h("label", { className: "of-import", title: "open a pprof or OTLP file" }, "Import", importInput),
    );
    const breadcrumb = h("div", { className: "of-breadcrumb", testId: "flame-breadcrumb" });
    const tooltip = h("div", { className: "of-tooltip", testId: "flame-tooltip", attrs: { role: "tooltip" } });
    tooltip.hidden = true;
    const sandwichTitle = h("div", { className: "of-sandwich-title" });
    const sandwichEl = h("div", { className: "of-sandwich", testId: "flame-sandwich" },
      sandwichTitle, h("div", { className: "of-sandwich-label" }, "callers"), this.callers.element,
      h("div", { className: "of-sandwich-label" }, "callees"), this.callees.element);
    const top = h("div", { className: "of-top-wrap", testId: "flame-top-table" });
    this.root = h("div", { className: "of-root" }, toolbar, status, breadcrumb,
      h("div", { className: "of-graph" }, this.main.element, sandwichEl), top, tooltip);
    this.els = { search, share, view, color, collapse, type, window: windowSelect, pause, status, breadcrumb, tooltip, top,
      sandwich: sandwichEl, sandwichTitle, exports, live, baseline, comparison, diffScheme };

    search.addEventListener("input", () => this.setSearch(search.value));
    view.addEventListener("change", () => this.setView(view.value as ViewMode));
    color.addEventListener("change", () => this.update({ color: color.value as ColorMode }, false));
    collapse.addEventListener("change", () => this.update({ collapse: collapse.checked }, true));
    type.addEventListener("change", () => this.rewatch({ profileType: type.value }));
    windowSelect.addEventListener("change", () => this.rewatch({ windowSeconds: Number(windowSelect.value) }));
    pause.addEventListener("click", () => this.setPaused(!this.paused));
    compare.addEventListener("click", () => void this.compare());
    diffScheme.addEventListener("change", () => this.update({ diffScheme: diffScheme.value as DiffScheme }, false));
    live.addEventListener("click", () => this.backToLive());
    png.addEventListener("click", () => this.exportPng());
    importInput.addEventListener("change", () => {
      const file = importInput.files?.[0];
      if (file !== undefined) {
        void this.importFile(file);
      }
      importInput.value = "";
    });
    // Keys reach the view when focus is inside it or on nothing in particular (after a clicked control re-rendered).
    this.keyListener = (e: KeyboardEvent) => {
      const target = e.target as Node | null;
      if (target === document.body || target === document.documentElement || (target !== null && this.root.contains(target))) {
        this.key(e);
      }
    };
    document.addEventListener("keydown", this.keyListener);

    host.appendChild(this.root);
    this.renderExports();
    this.renderTypes();
    if (this.mode === "live" && this.source !== null) {
      this.startLive(this.hubUrl);
    }
    this.refresh(true);
  }

  // ---- public API for the handle and tests ----

  snapshot(): FlameState {
    this.ensureDisplay();
    return {
      seq: this.seq,
      totalValue: this.displayTree.totalValue,
      nodeCount: this.displayTree.count,
      frameCount: this.displayTree.frames.count,
      focusPath: [...this.state.focusPath],
      searchShare: this.searchResult?.share ?? null,
      paused: this.paused,
      connected: this.client?.connected ?? false,
      lastDrawMs: this.main.lastDrawMs,
      mode: this.mode,
      view: this.state.view,
      status: this.statusText,
      profileType: this.shownType,
      availableTypes: [...this.availableTypes],
      windowSeconds: this.state.windowSeconds,
      collapse: this.state.collapse,
      sandwich: this.state.sandwich,
    };
  }

  /** Path of the frame under a client point in the main graph, or null. */
  frameAt(clientX: number, clientY: number): string[] | null {
    const node = this.main.frameAt(clientX, clientY);
    return node < 0 ? null : this.displayTree.pathOf(node);
  }

  /** Client rectangle of the frame at a full path (root excluded) in the main graph, or null when not drawn. */
  rectOf(path: string[]): { x: number; y: number; width: number; height: number } | null {
    const { node, matched } = this.displayTree.resolvePath(path);
    return matched === path.length ? this.main.rectOf(node) : null;
  }

  loadStatic(profile: LoadedProfile): void {
    this.stopLive();
    this.mode = "static";
    this.sourceTree = profile.tree;
    this.diffProfile = null;
    this.unit = unitOfFlamebearer(profile);
    this.refresh(true);
  }

  dispose(): void {
    this.disposed = true;
    document.removeEventListener("keydown", this.keyListener);
    this.stopLive();
    if (this.topTimer !== null) {
      clearTimeout(this.topTimer);
    }
    this.main.dispose();
    this.callers.dispose();
    this.callees.dispose();
    this.root.remove();
  }

  // ---- live data ----

  private startLive(hubUrl: string): void {
    const source = this.source!;
    this.client = new LiveClient(hubUrl, { source, profileType: this.state.profileType, windowSeconds: this.state.windowSeconds }, {
      onUpdate: (u) => this.receive(u),
      onStatus: (s, detail) => this.connectionStatus(s, detail),
      onWatch: (r) => this.watched(r),
    });
    this.client.start();
  }

  private stopLive(): void {
    this.client?.dispose();
    this.client = null;
    this.queued = [];
  }

  private receive(update: ProfileUpdate): void {
    if (this.disposed || this.mode === "static") {
      return;
    }
    if (this.paused) {
      this.queued.push(update);
      return;
    }
    this.applyLive(update);
  }

  private applyLive(update: ProfileUpdate): void {
    if (update.reset) {
      this.colorCache = [];
    }
    const result = applyUpdate(this.liveTree, update);
    this.seq = update.seq;
    if (!result.ok) {
      this.setStatus(`resynchronising: ${result.reason}`);
      this.ackPending = false;
      this.client?.ack(update.seq);
      void this.client?.watch(this.watchArgs());
      return;
    }
    this.availableTypes = update.availableTypes;
    if (update.profileType !== this.shownType) {
      this.shownType = update.profileType;
    }
    this.renderTypes();
    this.unit = unitOfType(update.profileType, update.unit, update.period);
    const parts = [`${formatNumber(update.sampleCount)} samples`];
    if (update.droppedSamples > 0) {
      parts.push(`${formatNumber(update.droppedSamples)} dropped (slot full)`);
    }
    if (update.profileType === null) {
      parts.unshift("waiting for data");
    }
    if (update.closed) {
      parts.unshift("the profiling slot was closed: change the window or type, or reload, to watch again");
    }
    this.setStatus(parts.join(" · "));
    if (this.mode === "live") {
      this.sourceTree = this.liveTree;
      this.refresh(true);
    }
    this.ackPending = true;
    this.main.whenDrawn(() => this.ackApplied());
  }

  private ackApplied(): void {
    if (!this.paused && this.ackPending) {
      this.ackPending = false;
      this.client?.ack(this.seq);
    }
  }

  private setPaused(paused: boolean): void {
    this.paused = paused;
    this.els.pause.textContent = paused ? "Resume" : "Pause";
    this.els.pause.setAttribute("aria-pressed", String(paused));
    if (!paused) {
      const queued = this.queued;
      this.queued = [];
      queued.forEach((u) => this.applyLive(u));
      this.ackApplied();
    }
  }

  private watchArgs() {
    return { source: this.source ?? "", profileType: this.state.profileType, windowSeconds: this.state.windowSeconds };
  }

  private rewatch(change: Partial<ViewState>): void {
    this.update(change, false);
    void this.client?.watch(this.watchArgs());
  }

  private connectionStatus(status: ConnectionStatus, detail: string | null): void {
    const text: Record<ConnectionStatus, string> = {
      connecting: "connecting…",
      connected: "connected",
      reconnecting: "connection lost, reconnecting…",
      disconnected: "disconnected, retrying…",
    };
    this.root.dataset.connection = status;
    this.setStatus(detail === null ? text[status] : `${text[status]} (${detail})`);
  }

  private watched(result: WatchResult): void {
    if (!result.ok) {
      this.setStatus(`cannot watch ${this.source}: ${result.error ?? "unknown reason"}`);
    }
  }

  private setStatus(text: string): void {
    this.statusText = text;
    this.els.status.textContent = text;
  }

  // ---- diff, import, export ----

  private async compare(): Promise<void> {
    if (this.source === null) {
      return;
    }
    const type = this.shownType ?? this.state.profileType;
    this.setStatus("loading both windows…");
    try {
      const [left, right] = await Promise.all([
        fetchFlamebearer(flamegraphUrl(this.apiBase, this.source, "flamebearer", type, this.els.baseline.value)),
        fetchFlamebearer(flamegraphUrl(this.apiBase, this.source, "flamebearer", type, this.els.comparison.value)),
      ]);
      this.mode = "diff";
      const l = this.state.collapse ? collapseRecursion(left.tree) : left.tree;
      const r = this.state.collapse ? collapseRecursion(right.tree) : right.tree;
      this.diffProfile = diff(l, r);
      this.unit = unitOfFlamebearer(left);
      this.setStatus(`diff: ${this.els.baseline.value} (baseline) vs ${this.els.comparison.value}; blue: smaller share, ${this.state.diffScheme === "red-blue" ? "red" : "orange"}: larger`);
      this.refresh(true);
    } catch (e) {
      this.setStatus(`diff failed: ${(e as Error).message}`);
    }
  }

  private backToLive(): void {
    this.diffProfile = null;
    this.sourceTree = this.liveTree;
    if (this.client === null && this.source !== null) {
      this.liveTree = new FlameTree();
      this.sourceTree = this.liveTree;
      this.startLive(this.hubUrl);
    }
    this.mode = this.source !== null ? "live" : "static";
    this.refresh(true);
  }

  private async importFile(file: File): Promise<void> {
    this.setStatus(`importing ${file.name}…`);
    try {
      const profile = await importProfile(this.apiBase, file, null);
      this.loadStatic(profile);
      this.setStatus(`imported ${file.name}: ${formatNumber(profile.tree.count)} nodes (no live connection)`);
    } catch (e) {
      this.setStatus(`import failed: ${(e as Error).message}`);
    }
  }

  private renderExports(): void {
    if (this.source === null) {
      return;
    }
    const el = this.els.exports;
    while (el.firstChild !== null) {
      el.removeChild(el.firstChild);
    }
    el.appendChild(document.createTextNode("export "));
    const formats: Array<[ExportFormat, string]> = [["pprof", "pprof"], ["flamebearer", "flamebearer"], ["folded", "folded"]];
    for (const [format, text] of formats) {
      const a = h("a", { attrs: { href: flamegraphUrl(this.apiBase, this.source, format, this.state.profileType, windowName(this.state.windowSeconds)), download: "" } }, text);
      el.appendChild(a);
    }
  }

  private exportPng(): void {
    this.main.canvas.toBlob((blob) => {
      if (blob === null) {
        return;
      }
      const url = URL.createObjectURL(blob);
      const a = h("a", { attrs: { href: url, download: "flamegraph.png" } });
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    }, "image/png");
  }

  private renderTypes(): void {
    const select = this.els.type;
    const types = this.availableTypes.length > 0 ? this.availableTypes : this.shownType !== null ? [this.shownType] : [];
    const current = this.shownType ?? this.state.profileType ?? "";
    if (select.options.length === types.length && [...select.options].every((o, i) => o.value === types[i]) && select.value === current) {
      return;
    }
    while (select.firstChild !== null) {
      select.removeChild(select.firstChild);
    }
    if (types.length === 0) {
      select.appendChild(option("", "default type", true));
    }
    for (const t of types) {
      select.appendChild(option(t, t, t === current));
    }
  }

  // ---- view state ----

  private update(change: Partial<ViewState>, dataChanged: boolean): void {
    Object.assign(this.state, change);
    if (change.windowSeconds !== undefined || change.profileType !== undefined) {
      this.renderExports();
    }
    if (change.color !== undefined || change.diffScheme !== undefined) {
      this.colorCache = [];
    }
    this.refresh(dataChanged);
  }

  private setSearch(query: string): void {
    this.update({ search: query }, false);
  }

  private setView(view: ViewMode): void {
    if (view === "sandwich" && this.state.sandwich === "") {
      const focused = this.main.focus;
      this.state.sandwich = focused !== ROOT ? this.displayTree.label(focused) : this.topRows[0]?.label ?? "";
    }
    this.update({ view }, false);
  }

  private focusNode(node: number): void {
    this.main.selected = node;
    this.update({ focusPath: this.displayTree.pathOf(node) }, false);
  }

  private key(e: KeyboardEvent): void {
    const inInput = e.target instanceof HTMLInputElement || e.target instanceof HTMLSelectElement;
    if (e.key === "/" && !inInput) {
      e.preventDefault();
      this.els.search.focus();
      this.els.search.select();
    } else if (e.key === "Escape") {
      if (e.target === this.els.search) {
        this.els.search.blur();
        this.main.element.focus();
      }
      this.main.selected = -1;
      this.update({ focusPath: [] }, false);
    }
  }

  private ensureDisplay(): void {
    if (!this.displayStale) {
      return;
    }
    if (this.mode === "diff" && this.diffProfile !== null) {
      this.displayTree = this.diffProfile.tree;
    } else {
      this.displayTree = this.state.collapse ? collapseRecursion(this.sourceTree) : this.sourceTree;
    }
    this.displayStale = false;
  }

  /** Brings every part of the view in line with the data and the view state. */
  private refresh(dataChanged: boolean): void {
    if (dataChanged) {
      this.displayStale = true;
    }
    this.ensureDisplay();
    const tree = this.displayTree;
    // Colours are cached per frame id: valid while the tree (and, live, its frame table) stays the same.
    if (tree !== this.colorCacheTree) {
      this.colorCache = [];
      this.colorCacheTree = tree;
    }
    const { node: focus, matched } = tree.resolvePath(this.state.focusPath);
    this.main.setOrientation(this.state.view === "icicle" ? "icicle" : "flame");
    this.main.setTree(tree, focus);
    this.main.colorOf = this.colorFunction(tree);
    this.searchResult = search(tree, this.state.search);
    const matches = this.searchResult?.matchesFrame;
    this.main.isDimmed = matches === undefined ? null : (n) => n === ROOT || matches[tree.frame[n]] === 0;
    this.els.share.textContent = this.searchResult === null
      ? ""
      : `${formatPercent(this.searchResult.share)} of total match`;
    renderBreadcrumb(this.els.breadcrumb, this.state.focusPath.slice(0, matched), (depth) => {
      this.main.selected = -1;
      this.update({ focusPath: this.state.focusPath.slice(0, depth) }, false);
    });
    const sandwichShown = this.state.view === "sandwich" && this.state.sandwich !== "";
    this.main.element.hidden = sandwichShown;
    this.els.sandwich.hidden = !sandwichShown;
    if (sandwichShown) {
      const s = sandwich(tree, this.state.sandwich);
      this.els.sandwichTitle.textContent = `sandwich: ${this.state.sandwich}`;
      this.callers.setTree(s.callers, ROOT);
      this.callees.setTree(s.callees, ROOT);
      this.callers.colorOf = this.colorFunction(s.callers);
      this.callees.colorOf = this.colorFunction(s.callees);
    }
    this.els.live.hidden = this.mode === "live";
    this.els.pause.disabled = this.mode !== "live";
    if (dataChanged) {
      this.topStale = true;
      this.dataVersion++;
    }
    // The table does not depend on focus or view: it is rebuilt only for new data, another sort or another search.
    const tableKey = `${this.dataVersion}\u0000${this.state.sort}\u0000${this.state.search}`;
    if (tableKey !== this.tableKey) {
      this.tableKey = tableKey;
      this.scheduleTopTable();
    }
    this.writeQuery();
  }

  private colorFunction(tree: FlameTree): (node: number) => string {
    const d = this.mode === "diff" && tree === this.displayTree ? this.diffProfile : null;
    if (d !== null) {
      const scheme = this.state.diffScheme;
      return (node) => diffColor(shareChange(d, node), scheme);
    }
    const byKind = this.state.color === "kind";
    const cache = tree === this.displayTree ? this.colorCache : [];
    return (node) => {
      const frame = tree.frame[node];
      let c = cache[frame + 1];
      if (c === undefined) {
        c = node === ROOT ? "#C8C8C8" : byKind ? kindColor(tree.kind(node)) : packageColor(tree.label(node));
        cache[frame + 1] = c;
      }
      return c;
    };
  }

  /** The table is computed over every node, so it follows the graph's first paint and at most once a second when live. */
  private scheduleTopTable(): void {
    if (this.topTimer !== null) {
      return;
    }
    const wait = Math.max(0, this.topComputedAt + TOP_TABLE_INTERVAL_MS - performance.now());
    this.main.whenDrawn(() => {
      if (this.topTimer !== null) {
        return;
      }
      this.topTimer = setTimeout(() => {
        // Computed over every node: after the graph is on screen, when the browser is idle.
        const run = () => {
          this.topTimer = null;
          if (!this.disposed) {
            this.renderTop(this.topStale);
          }
        };
        if (typeof requestIdleCallback === "function") {
          requestIdleCallback(run, { timeout: 500 });
        } else {
          run();
        }
      }, this.mode === "live" && this.topStale ? wait : 0);
    });
  }

  private renderTop(recompute: boolean): void {
    if (recompute) {
      this.topRows = topFunctions(this.displayTree);
      this.topComputedAt = performance.now();
      this.topStale = false;
    }
    renderTopTable(this.els.top, this.topRows, this.state.sort, this.displayTree.total[ROOT], this.unit, {
      onPick: (label) => {
        this.els.search.value = label;
        this.setSearch(label);
      },
      onSandwich: (label) => {
        this.els.view.value = "sandwich";
        this.update({ view: "sandwich", sandwich: label }, false);
      },
      onSort: (key: SortKey) => {
        this.state.sort = key;
        this.tableKey = "";
        this.writeQuery();
        this.renderTop(false);
      },
    }, this.state.search);
  }

  private showTooltip(canvas: FlameCanvas, node: number, clientX: number, clientY: number): void {
    const tip = this.els.tooltip;
    if (node < 0) {
      tip.hidden = true;
      return;
    }
    const d = canvas === this.main && this.mode === "diff" ? this.diffProfile : null;
    renderTooltip(tip, canvas.currentTree, node, canvas.focus, this.unit, d);
    tip.hidden = false;
    const x = Math.min(clientX + 14, window.innerWidth - tip.offsetWidth - 8);
    const y = clientY + 16 + tip.offsetHeight > window.innerHeight ? clientY - tip.offsetHeight - 8 : clientY + 16;
    tip.style.left = `${Math.max(0, x)}px`;
    tip.style.top = `${Math.max(0, y)}px`;
  }

  private writeQuery(): void {
    if (!this.keepQuery) {
      return;
    }
    const query = writeState(location.search, this.state);
    if (query !== location.search) {
      history.replaceState(history.state, "", `${location.pathname}${query}${location.hash}`);
    }
  }
}

function unitOfFlamebearer(profile: LoadedProfile): ValueUnit {
  switch (profile.units) {
    case "samples":
      return { unit: "count", periodNanos: profile.sampleRate > 0 ? 1e9 / profile.sampleRate : 0 };
    case "bytes":
    case "nanoseconds":
      return { unit: profile.units, periodNanos: 0 };
    default:
      return { unit: profile.units, periodNanos: 0 };
  }
}
