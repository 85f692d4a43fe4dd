import type { DiffProfile } from "../model/analysis";
import type { FlameTree } from "../model/flameTree";
import { ROOT } from "../model/flameTree";
import { clear, h } from "./dom";
import { formatNumber, formatPercent, formatValue, type ValueUnit } from "./format";

/** Fills the tooltip element for a node: label, self, total, share of the profile and of the focused node. */
export function renderTooltip(el: HTMLElement, tree: FlameTree, node: number, focus: number, unit: ValueUnit, diff: DiffProfile | null): void {
  clear(el);
  const root = tree.total[ROOT];
  const total = tree.total[node];
  const self = tree.self[node];
  const kind = tree.kind(node);
  el.appendChild(h("div", { className: "of-tip-label" }, tree.label(node)));
  if (kind !== "") {
    el.appendChild(h("div", { className: "of-tip-kind" }, kind));
  }
  const rows: Array<[string, string]> = [];
  if (diff !== null) {
    const l = diff.leftTotal[node];
    const r = diff.rightTotal[node];
    const ls = diff.leftTicks > 0 ? l / diff.leftTicks : 0;
    const rs = diff.rightTicks > 0 ? r / diff.rightTicks : 0;
    rows.push(["baseline", `${formatValue(l, unit)} · ${formatPercent(ls)}`]);
    rows.push(["comparison", `${formatValue(r, unit)} · ${formatPercent(rs)}`]);
    rows.push(["change", `${rs - ls >= 0 ? "+" : ""}${((rs - ls) * 100).toFixed(2)} points`]);
  } else {
    rows.push(["total", `${formatValue(total, unit)} · ${formatPercent(root > 0 ? total / root : 0)}`]);
    rows.push(["self", `${formatValue(self, unit)} · ${formatPercent(root > 0 ? self / root : 0)}`]);
    if (focus !== ROOT && tree.total[focus] > 0) {
      rows.push(["of focus", formatPercent(total / tree.total[focus])]);
    }
    rows.push(["samples", formatNumber(total)]);
  }
  const table = h("table");
  for (const [name, value] of rows) {
    table.appendChild(h("tr", {}, h("th", {}, name), h("td", {}, value)));
  }
  el.appendChild(table);
}

/** Fills the breadcrumb: "total" then each label of the focus path, every entry a button that focuses there. */
export function renderBreadcrumb(el: HTMLElement, path: readonly string[], onPick: (depth: number) => void): void {
  clear(el);
  const entries = ["total", ...path];
  entries.forEach((label, depth) => {
    if (depth > 0) {
      el.appendChild(h("span", { className: "of-crumb-sep" }, "›"));
    }
    const button = h("button", { className: "of-crumb", title: label, attrs: { type: "button" } }, label);
    button.addEventListener("click", () => onPick(depth));
    el.appendChild(button);
  });
}
