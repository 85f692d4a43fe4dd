import type { SortKey } from "./topTable";
import type { DiffScheme } from "../render/palette";

export type ViewMode = "flame" | "icicle" | "sandwich";
export type ColorMode = "package" | "kind";

/** What a link reopens: kept in the query string with `history.replaceState`. */
export interface ViewState {
  focusPath: string[];
  search: string;
  view: ViewMode;
  sandwich: string;
  collapse: boolean;
  color: ColorMode;
  windowSeconds: number;
  profileType: string | null;
  sort: SortKey;
  diffScheme: DiffScheme;
}

export function defaultState(): ViewState {
  return {
    focusPath: [],
    search: "",
    view: "flame",
    sandwich: "",
    collapse: false,
    color: "package",
    windowSeconds: 0,
    profileType: null,
    sort: "self",
    diffScheme: "red-blue",
  };
}

const WINDOWS = [0, 60, 300];

export function readState(query: string): ViewState {
  const q = new URLSearchParams(query);
  const s = defaultState();
  s.focusPath = q.getAll("focus");
  s.search = q.get("search") ?? "";
  const view = q.get("view");
  if (view === "flame" || view === "icicle" || view === "sandwich") {
    s.view = view;
  }
  s.sandwich = q.get("fn") ?? "";
  s.collapse = q.get("collapse") === "1";
  s.color = q.get("color") === "kind" ? "kind" : "package";
  const window = Number(q.get("window") ?? "0");
  s.windowSeconds = WINDOWS.includes(window) ? window : 0;
  s.profileType = q.get("type");
  s.sort = q.get("sort") === "total" ? "total" : "self";
  s.diffScheme = q.get("diffColors") === "blue-orange" ? "blue-orange" : "red-blue";
  return s;
}

/** The query string with the view's keys replaced and every other key kept. */
export function writeState(query: string, s: ViewState): string {
  const q = new URLSearchParams(query);
  for (const key of ["focus", "search", "view", "fn", "collapse", "color", "window", "type", "sort", "diffColors"]) {
    q.delete(key);
  }
  s.focusPath.forEach((label) => q.append("focus", label));
  if (s.search !== "") q.set("search", s.search);
  if (s.view !== "flame") q.set("view", s.view);
  if (s.sandwich !== "") q.set("fn", s.sandwich);
  if (s.collapse) q.set("collapse", "1");
  if (s.color !== "package") q.set("color", s.color);
  if (s.windowSeconds !== 0) q.set("window", String(s.windowSeconds));
  if (s.profileType !== null) q.set("type", s.profileType);
  if (s.sort !== "self") q.set("sort", s.sort);
  if (s.diffScheme !== "red-blue") q.set("diffColors", s.diffScheme);
  const text = q.toString();
  return text === "" ? "" : `?${text}`;
}
