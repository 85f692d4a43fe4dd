import type { FunctionRow } from "../model/analysis";
import { clear, h } from "./dom";
import { formatPercent, formatValue, type ValueUnit } from "./format";

export type SortKey = "self" | "total";

export interface TopTableActions {
  onPick(label: string): void;
  onSandwich(label: string): void;
  onSort(key: SortKey): void;
}

/** The function table: the first `limit` rows by the sort key, each row linked to the graph. */
export function renderTopTable(
  el: HTMLElement,
  rows: readonly FunctionRow[],
  sortBy: SortKey,
  rootTotal: number,
  unit: ValueUnit,
  actions: TopTableActions,
  highlighted: string,
  limit = 200,
): void {
  clear(el);
  const sorted = [...rows].sort((a, b) => b[sortBy] - a[sortBy] || (a.label < b.label ? -1 : 1)).slice(0, limit);
  const header = (key: SortKey, text: string) => {
    const button = h("button", { className: sortBy === key ? "of-sort of-sorted" : "of-sort", attrs: { type: "button", "data-sort": key } }, text + (sortBy === key ? " ▼" : ""));
    button.addEventListener("click", () => actions.onSort(key));
    return h("th", {}, button);
  };
  const table = h("table", { className: "of-top" }, h("thead", {}, h("tr", {}, h("th", {}, "function"), header("self", "self"), header("total", "total"), h("th", {}))));
  const body = h("tbody");
  for (const row of sorted) {
    const name = h("td", { className: "of-top-name", title: row.label }, row.label);
    const sandwichButton = h("button", { className: "of-top-sandwich", title: "sandwich view", attrs: { type: "button" } }, "⇅");
    sandwichButton.addEventListener("click", (e) => {
      e.stopPropagation();
      actions.onSandwich(row.label);
    });
    const tr = h(
      "tr",
      { className: row.label === highlighted ? "of-top-row of-top-hit" : "of-top-row" },
      name,
      h("td", { className: "of-num", title: formatValue(row.self, unit) }, formatPercent(rootTotal > 0 ? row.self / rootTotal : 0)),
      h("td", { className: "of-num", title: formatValue(row.total, unit) }, formatPercent(rootTotal > 0 ? row.total / rootTotal : 0)),
      h("td", {}, sandwichButton),
    );
    tr.addEventListener("click", () => actions.onPick(row.label));
    body.appendChild(tr);
  }
  table.appendChild(body);
  el.appendChild(table);
  if (rows.length > limit) {
    el.appendChild(h("div", { className: "of-top-more" }, `${rows.length - limit} more functions; search to find one`));
  }
}
