import { loadFlamebearer } from "./model/flamebearer";
import { FlameView, type FlameState, type MountOptions } from "./ui/flameView";

export interface FlameHandle {
  dispose(): void;
  state(): FlameState;
}

/** What browser tests read from the mounted element. */
export interface FlameTestHook {
  state(): FlameState;
  frameAt(clientX: number, clientY: number): string[] | null;
  rectOf(path: string[]): { x: number; y: number; width: number; height: number } | null;
}

type HookedElement = HTMLElement & { __odigosFlame?: FlameTestHook; __odigosFlameView?: FlameView };

function attach(element: HTMLElement, view: FlameView): FlameHandle {
  const hooked = element as HookedElement;
  hooked.__odigosFlameView?.dispose();
  hooked.__odigosFlameView = view;
  hooked.__odigosFlame = {
    state: () => view.snapshot(),
    frameAt: (x, y) => view.frameAt(x, y),
    rectOf: (path) => view.rectOf(path),
  };
  return {
    dispose: () => {
      view.dispose();
      if (hooked.__odigosFlameView === view) {
        delete hooked.__odigosFlameView;
        delete hooked.__odigosFlame;
      }
    },
    state: () => view.snapshot(),
  };
}

/** Mounts the live flame graph of a Source into `element`. */
export function mount(element: HTMLElement, options: MountOptions): FlameHandle {
  return attach(element, new FlameView(element, { hubUrl: "/hubs/profiles", apiBase: "", ...options }, null));
}

/** Mounts a flame graph of flamebearer JSON (an object or its text), with no live connection. */
export function mountStatic(element: HTMLElement, flamebearer: unknown, options: Omit<MountOptions, "source" | "hubUrl"> = {}): FlameHandle {
  return attach(element, new FlameView(element, { ...options, source: undefined }, loadFlamebearer(flamebearer)));
}

const api = { mount, mountStatic };
declare global {
  interface Window {
    OdigosFlame: typeof api;
  }
}
window.OdigosFlame = api;
