import { packageOf } from "../model/analysis";

/** Paul Tol's "light" scheme: distinguishable with the common colour-vision deficiencies, dark text stays readable. */
export const PACKAGE_COLORS = ["#77AADD", "#EE8866", "#EEDD88", "#FFAABB", "#99DDFF", "#44BB99", "#BBCC33", "#AAAA00"];

/** Frame kinds in the same scheme: kernel orange, native blue, managed (.NET, JIT) teal, other yellow, unknown grey. */
export const KIND_COLORS: Record<string, string> = {
  kernel: "#EE8866",
  native: "#77AADD",
  dotnet: "#44BB99",
  jit: "#44BB99",
  interpreted: "#EEDD88",
  python: "#EEDD88",
  "": "#DDDDDD",
};
export const OTHER_KIND_COLOR = "#FFAABB";
export const MERGED_COLOR = "#D4D4D4";
export const DIMMED_COLOR = "#EEEEEE";
export const ANCESTOR_ALPHA = 0.55;

export function kindColor(kind: string): string {
  return KIND_COLORS[kind] ?? OTHER_KIND_COLOR;
}

export function packageColor(label: string): string {
  return PACKAGE_COLORS[hash(packageOf(label)) % PACKAGE_COLORS.length];
}

function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) {
    h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  }
  return h >>> 0;
}

export type DiffScheme = "red-blue" | "blue-orange";

const DIFF_ENDS: Record<DiffScheme, { less: [number, number, number]; more: [number, number, number] }> = {
  // Less time in the comparison is good news (blue), more is red or, for colour-blind safety, orange.
  "red-blue": { less: [68, 119, 170], more: [204, 51, 17] },
  "blue-orange": { less: [0, 119, 187], more: [238, 119, 51] },
};
const NEUTRAL: [number, number, number] = [221, 221, 221];

/** Colour for a change of share in [-1, 1]; ±20 points or more get the full colour. */
export function diffColor(change: number, scheme: DiffScheme): string {
  const t = Math.min(1, Math.abs(change) / 0.2);
  const end = change < 0 ? DIFF_ENDS[scheme].less : DIFF_ENDS[scheme].more;
  const mix = (i: number) => Math.round(NEUTRAL[i] + (end[i] - NEUTRAL[i]) * t);
  return `rgb(${mix(0)},${mix(1)},${mix(2)})`;
}
